#pragma once
// BatchNorm2d with PyTorch's semantics. x, y: (N,C,H,W); one statistic per channel over the
// M = N·H·W values x[:,c,:,:].
//  Train: normalizes with the batch mean and BIASED variance, then updates
//    running = (1 − momentum)·running + momentum·batch, using the UNBIASED batch variance
//    (·M/(M−1)) for running_var unless unbiased_running_var is false. M == 1 throws.
//  Eval: normalizes with the running statistics, and backward is that affine map's own:
//    dx = dy·γ·rsqrt(running_var + eps), not the train formula.
//  The mode comes from forward's argument only, never from the batch size.
//  params: "gamma", "beta" (C), absent without affine; buffers: "running_mean", "running_var".
//  backward ASSIGNS dx and ADDS into dgamma, dbeta. forward keeps a pointer to x.
#include <vector>

#include "../kernels/norm_stats.hpp"
#include "layer.hpp"

namespace normlab {

struct BatchNormOptions {
  float momentum = 0.1f;  // weight of the new batch; 1 replaces, 0 keeps
  float eps = 1e-5f;
  bool affine = true;
  bool unbiased_running_var = true;  // false: the biased batch variance feeds running_var
};

class BatchNorm2d final : public Layer {
 public:
  explicit BatchNorm2d(int channels, BatchNormOptions o = {});

  std::string kind() const override { return "batch_norm2d"; }
  bool output_overwritable() const override { return true; }
  bool accepts_lent_output() const override { return true; }
  bool backward_in_place() const override { return true; }
  Shape output_shape(const Shape& x) const override;
  const Tensor& forward(const Tensor& x, Mode mode) override;
  const Tensor& backward(const Tensor& dy) override;

  std::vector<Param> params() override;
  std::vector<Buffer> buffers() override;
  // gamma = 1, beta = 0, running_mean = 0, running_var = 1 (PyTorch's reset_parameters).
  void init(Rng& rng) override;
  // Per value: one multiply-add for the statistics, one for normalize + affine.
  double forward_flops(const Shape& x) const override;

  int channels() const { return channels_; }
  const BatchNormOptions& options() const { return options_; }
  const std::vector<float>& running_mean() const { return running_mean_; }
  const std::vector<float>& running_var() const { return running_var_; }
  // Batch statistics of the last TRAIN forward (biased variance); empty before one.
  const std::vector<float>& batch_mean() const { return batch_mean_; }
  const std::vector<float>& batch_var() const { return batch_var_; }
  // What the last forward normalized with, per channel: the batch statistics in train
  // mode, the running ones in eval mode. values_per_statistic = N·H·W.
  const NormStats& stats() const { return stats_; }
  std::size_t values_per_statistic() const { return stats_.values_per_statistic; }
  // Train forwards since construction or init(), as PyTorch's num_batches_tracked.
  long long num_batches_tracked() const { return num_batches_tracked_; }

  float* gamma() { return values_.data(); }
  float* beta() { return values_.data() + channels_; }

 private:
  int channels_;
  BatchNormOptions options_;
  FloatBuffer values_, grads_;  // gamma | beta (ones and zeros without affine), and grads
  std::vector<float> running_mean_, running_var_;
  std::vector<float> batch_mean_, batch_var_;
  NormStats stats_;
  long long num_batches_tracked_ = 0;
  std::vector<float> sum_gdy_, sum_gdy_xhat_;
  const Tensor* x_ = nullptr;
  Mode mode_ = Mode::Train;
  Tensor y_, dx_;
};

}  // namespace normlab
