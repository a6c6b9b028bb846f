#pragma once
// LayerNorm for NCHW activations, in the two flavours named for what they normalize over.
// Both behave the same in train and eval mode. x, y: (N,C,H,W).
//  LayerNorm2dChannels: per pixel across channels (ConvNeXt, nnott): statistic (n,h,w) over
//    the C values x[n,:,h,w]; params "gamma", "beta" of shape (C).
//    stats() entry n·H·W + h·W + w; values_per_statistic = C.
//  LayerNorm2dSample: per sample across C×H×W, PyTorch's LayerNorm([C,H,W]): statistic n
//    over the C·H·W values of the sample; elementwise params "gamma", "beta" of shape (C,H,W).
//    stats() entry n; values_per_statistic = C·H·W.
// Params are absent without affine. backward ASSIGNS dx and ADDS into dgamma, dbeta.
// forward keeps a pointer to x.
#include <vector>

#include "../kernels/norm_stats.hpp"
#include "layer.hpp"

namespace normlab {

class LayerNorm2dChannels final : public Layer {
 public:
  explicit LayerNorm2dChannels(int channels, float eps = 1e-6f, bool affine = true);

  std::string kind() const override { return "layer_norm2d_channels"; }
  bool output_overwritable() const override { return true; }
  bool accepts_lent_output() const override { return true; }
  bool backward_in_place() const override { return true; }
  Shape output_shape(const Shape& x) const override;
  const Tensor& forward(const Tensor& x, Mode mode) override;
  const Tensor& backward(const Tensor& dy) override;

  std::vector<Param> params() override;
  void init(Rng& rng) override;  // gamma = 1, beta = 0
  double forward_flops(const Shape& x) const override;

  int channels() const { return channels_; }
  float eps() const { return eps_; }
  bool affine() const { return affine_; }
  const NormStats& stats() const { return stats_; }
  std::size_t values_per_statistic() const { return stats_.values_per_statistic; }
  float* gamma() { return values_.data(); }
  float* beta() { return values_.data() + channels_; }

 private:
  int channels_;
  float eps_;
  bool affine_;
  FloatBuffer values_, grads_;  // gamma | beta (ones and zeros without affine), and grads
  NormStats stats_;
  std::vector<float> sum_gdy_, sum_gdy_xhat_;
  const Tensor* x_ = nullptr;
  Tensor y_, dx_;
};

class LayerNorm2dSample final : public Layer {
 public:
  LayerNorm2dSample(int channels, int height, int width, float eps = 1e-5f, bool affine = true);

  std::string kind() const override { return "layer_norm2d_sample"; }
  bool output_overwritable() const override { return true; }
  bool accepts_lent_output() const override { return true; }
  bool backward_in_place() const override { return true; }
  Shape output_shape(const Shape& x) const override;
  const Tensor& forward(const Tensor& x, Mode mode) override;
  const Tensor& backward(const Tensor& dy) override;

  std::vector<Param> params() override;
  void init(Rng& rng) override;  // gamma = 1, beta = 0
  double forward_flops(const Shape& x) const override;

  int channels() const { return channels_; }
  int height() const { return height_; }
  int width() const { return width_; }
  float eps() const { return eps_; }
  bool affine() const { return affine_; }
  const NormStats& stats() const { return stats_; }
  std::size_t values_per_statistic() const { return stats_.values_per_statistic; }
  float* gamma() { return values_.data(); }
  float* beta() { return values_.data() + sample_size(); }

 private:
  std::size_t sample_size() const { return std::size_t(channels_) * height_ * width_; }

  int channels_, height_, width_;
  float eps_;
  bool affine_;
  FloatBuffer values_, grads_;  // gamma | beta, each (C,H,W), and grads
  NormStats stats_;
  std::vector<float> sum_gdy_, sum_gdy_xhat_;
  const Tensor* x_ = nullptr;
  Tensor y_, dx_;
};

}  // namespace normlab
