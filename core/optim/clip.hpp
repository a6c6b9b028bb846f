#pragma once
// Global-norm gradient clipping, as torch.nn.utils.clip_grad_norm_ (L2, error_if_nonfinite off):
// total = ‖all grads‖₂ (accumulated in double); every grad is scaled by
// c = max_norm / (total + 1e-6) when c < 1. Returns the total norm before clipping
// (a NaN/Inf total leaves the grads alone; the trainer reports the divergence).
#include <vector>

#include "../layers/layer.hpp"

namespace normlab {

double grad_norm(const std::vector<Param>& params);
double clip_grad_norm(const std::vector<Param>& params, double max_norm);

}  // namespace normlab
