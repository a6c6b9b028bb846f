#pragma once
// GroupNorm, PyTorch's GroupNorm(groups, channels). x, y: (N,C,H,W); channels split into
// `groups` consecutive groups of C/G; statistic (n,g) over the (C/G)·H·W values of group g
// in sample n; per-channel params "gamma", "beta" (C), absent without affine.
// groups = C is InstanceNorm; groups = 1 normalizes over C×H×W (like LayerNorm2dSample,
// but with per-channel affine). Same in train and eval mode.
// stats() entry n·G + g; values_per_statistic = (C/G)·H·W.
// backward ASSIGNS dx and ADDS into dgamma, dbeta. forward keeps a pointer to x.
#include <vector>

#include "../kernels/norm_stats.hpp"
#include "layer.hpp"

namespace normlab {

class GroupNorm final : public Layer {
 public:
  GroupNorm(int groups, int channels, float eps = 1e-5f, bool affine = true);

  std::string kind() const override { return "group_norm"; }
  bool output_overwritable() const override { return true; }
  bool accepts_lent_output() const override { return true; }
  bool backward_in_place() const override { return true; }
  Shape output_shape(const Shape& x) const override;
  const Tensor& forward(const Tensor& x, Mode mode) override;
  const Tensor& backward(const Tensor& dy) override;

  std::vector<Param> params() override;
  void init(Rng& rng) override;  // gamma = 1, beta = 0
  double forward_flops(const Shape& x) const override;

  int groups() const { return groups_; }
  int channels() const { return channels_; }
  float eps() const { return eps_; }
  bool affine() const { return affine_; }
  const NormStats& stats() const { return stats_; }
  std::size_t values_per_statistic() const { return stats_.values_per_statistic; }
  float* gamma() { return values_.data(); }
  float* beta() { return values_.data() + channels_; }

 private:
  int groups_, channels_;
  float eps_;
  bool affine_;
  FloatBuffer values_, grads_;  // gamma | beta (ones and zeros without affine), and grads
  NormStats stats_;
  std::vector<float> sum_gdy_, sum_gdy_xhat_;
  const Tensor* x_ = nullptr;
  Tensor y_, dx_;
};

}  // namespace normlab
