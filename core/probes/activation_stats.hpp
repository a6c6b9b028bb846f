#pragma once
// Summary statistics of one activation tensor, as the probes record them.
//  mean, std: over ALL values, accumulated in double; std is the population one (÷ count).
//  p15, p50, p85: percentiles of a bounded sample — at most `max_sample` values taken at a
//    fixed stride ⌈size/max_sample⌉ from index 0 (no randomness, so probing never moves an
//    Rng) — with linear interpolation between order statistics (numpy's default: position
//    q·(m−1) in the sorted sample of m values).
//  channel_percentiles: p15/p50/p85 of ONE channel's values over the batch (y[:, c, :, :],
//    N·H·W values, at most `max_sample` of them at a fixed stride): the distribution of one
//    unit's input over the batch, as Ioffe & Szegedy's Figure 1 plots it.
//  dead_fraction: for a ReLU output (N, C, H, W), the fraction of units (c, h, w) that are
//    exactly 0 for every sample of the batch.
#include <cstddef>
#include <vector>

#include "../tensor.hpp"

namespace normlab {

struct ActivationSummary {
  float mean = 0, std = 0, p15 = 0, p50 = 0, p85 = 0;
};

ActivationSummary summarize_activation(const float* y, std::size_t size, std::size_t max_sample,
                                       std::vector<float>& scratch);
ActivationSummary channel_percentiles(const Tensor& y, int channel, std::size_t max_sample,
                                      std::vector<float>& scratch);
float dead_unit_fraction(const Tensor& y);

// Per-channel mean and biased variance of x: (N,C,H,W) over N·H·W, accumulated in double.
void channel_mean_var(const Tensor& x, std::vector<float>& mean, std::vector<float>& var);

}  // namespace normlab
