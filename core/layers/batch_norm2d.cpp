#include "batch_norm2d.hpp"

#include <algorithm>
#include <cmath>

#include "../error.hpp"

namespace normlab {

BatchNorm2d::BatchNorm2d(int channels, BatchNormOptions o) : channels_(channels), options_(o) {
  check_arg(channels > 0, "batch_norm2d: channels must be positive, got ", channels);
  check_arg(o.eps > 0.0f && std::isfinite(o.eps),
            "batch_norm2d: eps must be positive and finite, got ", o.eps);
  check_arg(o.momentum >= 0.0f && o.momentum <= 1.0f,
            "batch_norm2d: momentum must be in [0, 1], got ", o.momentum);
  const std::size_t c = std::size_t(channels);
  values_.assign(2 * c, 0.0f);
  grads_.assign(2 * c, 0.0f);
  running_mean_.assign(c, 0.0f);
  running_var_.assign(c, 1.0f);
  stats_.mean.assign(c, 0.0f);
  stats_.var.assign(c, 0.0f);
  stats_.rstd.assign(c, 0.0f);
  sum_gdy_.assign(c, 0.0f);
  sum_gdy_xhat_.assign(c, 0.0f);
  Rng rng(0);
  init(rng);
}

Shape BatchNorm2d::output_shape(const Shape& x) const {
  check_arg(x.size() > 0, "batch_norm2d: input ", x.str(), " is empty");
  check_arg(x.c == channels_, "batch_norm2d: input ", x.str(), " has ", x.c,
            " channels, expected ", channels_);
  return x;
}

const Tensor& BatchNorm2d::forward(const Tensor& x, Mode mode) {
  x_ = nullptr;
  const Shape s = output_shape(x.shape());
  const NormDims d{s.n, s.c, s.plane()};
  const std::size_t count = std::size_t(s.n) * s.plane();
  const std::size_t c = std::size_t(channels_);
  if (mode == Mode::Train) {
    check_arg(count > 1, "batch_norm2d: expected more than 1 value per channel in train mode, ",
              "got input ", s.str(), " (N·H·W = 1)");
    batch_mean_.resize(c);
    batch_var_.resize(c);
    channel_moments_f32(d, x.data(), batch_mean_.data(), batch_var_.data());
    stats_.mean = batch_mean_;
    stats_.var = batch_var_;
    const double m = options_.momentum;
    const double var_scale =
        options_.unbiased_running_var ? double(count) / double(count - 1) : 1.0;
    for (std::size_t k = 0; k < c; ++k) {
      running_mean_[k] = float((1.0 - m) * running_mean_[k] + m * batch_mean_[k]);
      running_var_[k] = float((1.0 - m) * running_var_[k] + m * var_scale * batch_var_[k]);
    }
    ++num_batches_tracked_;
  } else {
    stats_.mean = running_mean_;
    stats_.var = running_var_;
  }
  for (std::size_t k = 0; k < c; ++k)
    stats_.rstd[k] = float(1.0 / std::sqrt(double(stats_.var[k]) + double(options_.eps)));
  stats_.values_per_statistic = count;

  Tensor& y = output(y_);
  y.resize(s);
  channel_normalize_f32(d, x.data(), stats_.mean.data(), stats_.rstd.data(), gamma(), beta(),
                        y.data());
  mode_ = mode;
  x_ = &x;
  return y;
}

const Tensor& BatchNorm2d::backward(const Tensor& dy) {
  check_arg(x_ != nullptr, "batch_norm2d: backward called before forward");
  check_arg(dy.shape() == x_->shape(), "batch_norm2d: dy has shape ", dy.shape().str(),
            ", expected ", x_->shape().str(), " (the output of the last forward)");
  const Shape s = x_->shape();
  const NormDims d{s.n, s.c, s.plane()};
  float* dgamma = options_.affine ? grads_.data() : nullptr;
  float* dbeta = options_.affine ? grads_.data() + channels_ : nullptr;
  Tensor& dx = input_grad(dx_);
  dx.resize(s);
  if (mode_ == Mode::Train || options_.affine)
    channel_grad_sums_f32(d, x_->data(), dy.data(), stats_.mean.data(), stats_.rstd.data(),
                          gamma(), sum_gdy_.data(), sum_gdy_xhat_.data(), dgamma, dbeta);
  if (mode_ == Mode::Train)
    channel_normalize_backward_f32(d, x_->data(), dy.data(), stats_.mean.data(),
                                   stats_.rstd.data(), gamma(), sum_gdy_.data(),
                                   sum_gdy_xhat_.data(), dx.data());
  else
    // Running statistics are constants of the eval forward: only the affine map remains.
    channel_scale_backward_f32(d, dy.data(), stats_.rstd.data(), gamma(), dx.data());
  return dx;
}

std::vector<Param> BatchNorm2d::params() {
  if (!options_.affine) return {};
  const std::size_t c = std::size_t(channels_);
  return {Param{"gamma", values_.data(), grads_.data(), c, {channels_}, false},
          Param{"beta", values_.data() + c, grads_.data() + c, c, {channels_}, false}};
}

std::vector<Buffer> BatchNorm2d::buffers() {
  return {Buffer{"running_mean", running_mean_.data(), running_mean_.size()},
          Buffer{"running_var", running_var_.data(), running_var_.size()}};
}

void BatchNorm2d::init(Rng&) {
  std::fill(values_.begin(), values_.begin() + channels_, 1.0f);
  std::fill(values_.begin() + channels_, values_.end(), 0.0f);
  std::fill(running_mean_.begin(), running_mean_.end(), 0.0f);
  std::fill(running_var_.begin(), running_var_.end(), 1.0f);
  num_batches_tracked_ = 0;
}

double BatchNorm2d::forward_flops(const Shape& x) const { return 4.0 * double(x.sample_size()); }

}  // namespace normlab
