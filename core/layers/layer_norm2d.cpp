#include "layer_norm2d.hpp"

#include <algorithm>
#include <cmath>

#include "../error.hpp"
#include "../memory_budget.hpp"

namespace normlab {
namespace {

void compute_rstd(NormStats& s, float eps) {
  s.rstd.resize(s.var.size());
  for (std::size_t i = 0; i < s.var.size(); ++i)
    s.rstd[i] = float(1.0 / std::sqrt(double(s.var[i]) + double(eps)));
}

}  // namespace

// ---- LayerNorm2dChannels ---------------------------------------------------------------------

LayerNorm2dChannels::LayerNorm2dChannels(int channels, float eps, bool affine)
    : channels_(channels), eps_(eps), affine_(affine) {
  check_arg(channels > 0, "layer_norm2d_channels: channels must be positive, got ", channels);
  check_arg(eps > 0.0f && std::isfinite(eps),
            "layer_norm2d_channels: eps must be positive and finite, got ", eps);
  values_.assign(2 * std::size_t(channels), 0.0f);
  grads_.assign(2 * std::size_t(channels), 0.0f);
  Rng rng(0);
  init(rng);
}

Shape LayerNorm2dChannels::output_shape(const Shape& x) const {
  check_arg(x.size() > 0, "layer_norm2d_channels: input ", x.str(), " is empty");
  check_arg(x.c == channels_, "layer_norm2d_channels: input ", x.str(), " has ", x.c,
            " channels, expected ", channels_);
  return x;
}

const Tensor& LayerNorm2dChannels::forward(const Tensor& x, Mode) {
  x_ = nullptr;
  const Shape s = output_shape(x.shape());
  const NormDims d{s.n, s.c, s.plane()};
  const std::size_t stats = std::size_t(s.n) * s.plane();
  stats_.mean.resize(stats);
  stats_.var.resize(stats);
  pixel_moments_f32(d, x.data(), stats_.mean.data(), stats_.var.data());
  compute_rstd(stats_, eps_);
  stats_.values_per_statistic = std::size_t(channels_);
  Tensor& y = output(y_);
  y.resize(s);
  pixel_normalize_f32(d, x.data(), stats_.mean.data(), stats_.rstd.data(), gamma(), beta(),
                      y.data());
  x_ = &x;
  return y;
}

const Tensor& LayerNorm2dChannels::backward(const Tensor& dy) {
  check_arg(x_ != nullptr, "layer_norm2d_channels: backward called before forward");
  check_arg(dy.shape() == x_->shape(), "layer_norm2d_channels: dy has shape ", dy.shape().str(),
            ", expected ", x_->shape().str(), " (the output of the last forward)");
  const Shape s = x_->shape();
  const NormDims d{s.n, s.c, s.plane()};
  sum_gdy_.resize(stats_.mean.size());
  sum_gdy_xhat_.resize(stats_.mean.size());
  pixel_grad_sums_f32(d, x_->data(), dy.data(), stats_.mean.data(), stats_.rstd.data(), gamma(),
                      sum_gdy_.data(), sum_gdy_xhat_.data(),
                      affine_ ? grads_.data() : nullptr,
                      affine_ ? grads_.data() + channels_ : nullptr);
  Tensor& dx = input_grad(dx_);
  dx.resize(s);
  pixel_normalize_backward_f32(d, x_->data(), dy.data(), stats_.mean.data(), stats_.rstd.data(),
                               gamma(), sum_gdy_.data(), sum_gdy_xhat_.data(), dx.data());
  return dx;
}

std::vector<Param> LayerNorm2dChannels::params() {
  if (!affine_) return {};
  const std::size_t c = std::size_t(channels_);
  return {Param{"gamma", values_.data(), grads_.data(), c, {channels_}, false},
          Param{"beta", values_.data() + c, grads_.data() + c, c, {channels_}, false}};
}

void LayerNorm2dChannels::init(Rng&) {
  std::fill(values_.begin(), values_.begin() + channels_, 1.0f);
  std::fill(values_.begin() + channels_, values_.end(), 0.0f);
}

double LayerNorm2dChannels::forward_flops(const Shape& x) const {
  return 4.0 * double(x.sample_size());
}

// ---- LayerNorm2dSample -----------------------------------------------------------------------

LayerNorm2dSample::LayerNorm2dSample(int channels, int height, int width, float eps, bool affine)
    : channels_(channels), height_(height), width_(width), eps_(eps), affine_(affine) {
  check_arg(channels > 0, "layer_norm2d_sample: channels must be positive, got ", channels);
  check_arg(height > 0, "layer_norm2d_sample: height must be positive, got ", height);
  check_arg(width > 0, "layer_norm2d_sample: width must be positive, got ", width);
  check_arg(eps > 0.0f && std::isfinite(eps),
            "layer_norm2d_sample: eps must be positive and finite, got ", eps);
  require_parameter_memory(2 * uint64_t(channels) * uint64_t(height) * uint64_t(width),
                           msg("layer_norm2d_sample over (", channels, ",", height, ",", width, ")"));
  values_.assign(2 * sample_size(), 0.0f);
  grads_.assign(2 * sample_size(), 0.0f);
  Rng rng(0);
  init(rng);
}

Shape LayerNorm2dSample::output_shape(const Shape& x) const {
  check_arg(x.size() > 0, "layer_norm2d_sample: input ", x.str(), " is empty");
  check_arg(x.c == channels_ && x.h == height_ && x.w == width_, "layer_norm2d_sample: input ",
            x.str(), " has samples of shape (", x.c, ",", x.h, ",", x.w, "), expected (",
            channels_, ",", height_, ",", width_, ")");
  return x;
}

const Tensor& LayerNorm2dSample::forward(const Tensor& x, Mode) {
  x_ = nullptr;
  const Shape s = output_shape(x.shape());
  const NormDims d{s.n, s.c, s.plane()};
  stats_.mean.resize(std::size_t(s.n));
  stats_.var.resize(std::size_t(s.n));
  // One group of all channels: the sample's C·H·W values are contiguous.
  group_moments_f32(d, 1, x.data(), stats_.mean.data(), stats_.var.data());
  compute_rstd(stats_, eps_);
  stats_.values_per_statistic = sample_size();
  Tensor& y = output(y_);
  y.resize(s);
  sample_normalize_f32(d, x.data(), stats_.mean.data(), stats_.rstd.data(), gamma(), beta(),
                       y.data());
  x_ = &x;
  return y;
}

const Tensor& LayerNorm2dSample::backward(const Tensor& dy) {
  check_arg(x_ != nullptr, "layer_norm2d_sample: backward called before forward");
  check_arg(dy.shape() == x_->shape(), "layer_norm2d_sample: dy has shape ", dy.shape().str(),
            ", expected ", x_->shape().str(), " (the output of the last forward)");
  const Shape s = x_->shape();
  const NormDims d{s.n, s.c, s.plane()};
  sum_gdy_.resize(std::size_t(s.n));
  sum_gdy_xhat_.resize(std::size_t(s.n));
  sample_grad_sums_f32(d, x_->data(), dy.data(), stats_.mean.data(), stats_.rstd.data(), gamma(),
                       sum_gdy_.data(), sum_gdy_xhat_.data(), affine_ ? grads_.data() : nullptr,
                       affine_ ? grads_.data() + sample_size() : nullptr);
  Tensor& dx = input_grad(dx_);
  dx.resize(s);
  sample_normalize_backward_f32(d, x_->data(), dy.data(), stats_.mean.data(), stats_.rstd.data(),
                                gamma(), sum_gdy_.data(), sum_gdy_xhat_.data(), dx.data());
  return dx;
}

std::vector<Param> LayerNorm2dSample::params() {
  if (!affine_) return {};
  const std::size_t n = sample_size();
  const std::vector<int> shape{channels_, height_, width_};
  return {Param{"gamma", values_.data(), grads_.data(), n, shape, false},
          Param{"beta", values_.data() + n, grads_.data() + n, n, shape, false}};
}

void LayerNorm2dSample::init(Rng&) {
  std::fill(values_.begin(), values_.begin() + sample_size(), 1.0f);
  std::fill(values_.begin() + sample_size(), values_.end(), 0.0f);
}

double LayerNorm2dSample::forward_flops(const Shape& x) const {
  return 4.0 * double(x.sample_size());
}

}  // namespace normlab
