#pragma once
// Reads what a normalization layer exposes into a NormProbe: gamma/beta (its params),
// values_per_statistic, BatchNorm's running mean/variance, and the layer's own per-channel
// batch statistics (BatchNorm only; the prober overwrites them with statistics computed
// from the layer's input whenever that input is known).
#include "../layers/layer.hpp"
#include "probes.hpp"

namespace normlab {

void read_norm_state(Layer& layer, NormProbe& out);

}  // namespace normlab
