#include "group_norm.hpp"

#include <algorithm>
#include <cmath>

#include "../error.hpp"

namespace normlab {

GroupNorm::GroupNorm(int groups, int channels, float eps, bool affine)
    : groups_(groups), channels_(channels), eps_(eps), affine_(affine) {
  check_arg(groups > 0, "group_norm: groups must be positive, got ", groups);
  check_arg(channels > 0, "group_norm: channels must be positive, got ", channels);
  check_arg(channels % groups == 0, "group_norm: groups ", groups, " does not divide channels ",
            channels);
  check_arg(eps > 0.0f && std::isfinite(eps), "group_norm: eps must be positive and finite, got ",
            eps);
  values_.assign(2 * std::size_t(channels), 0.0f);
  grads_.assign(2 * std::size_t(channels), 0.0f);
  Rng rng(0);
  init(rng);
}

Shape GroupNorm::output_shape(const Shape& x) const {
  check_arg(x.size() > 0, "group_norm: input ", x.str(), " is empty");
  check_arg(x.c == channels_, "group_norm: input ", x.str(), " has ", x.c, " channels, expected ",
            channels_);
  return x;
}

const Tensor& GroupNorm::forward(const Tensor& x, Mode) {
  x_ = nullptr;
  const Shape s = output_shape(x.shape());
  const NormDims d{s.n, s.c, s.plane()};
  const std::size_t stats = std::size_t(s.n) * groups_;
  stats_.mean.resize(stats);
  stats_.var.resize(stats);
  stats_.rstd.resize(stats);
  group_moments_f32(d, groups_, x.data(), stats_.mean.data(), stats_.var.data());
  for (std::size_t i = 0; i < stats; ++i)
    stats_.rstd[i] = float(1.0 / std::sqrt(double(stats_.var[i]) + double(eps_)));
  stats_.values_per_statistic = std::size_t(channels_ / groups_) * s.plane();
  Tensor& y = output(y_);
  y.resize(s);
  group_normalize_f32(d, groups_, x.data(), stats_.mean.data(), stats_.rstd.data(), gamma(),
                      beta(), y.data());
  x_ = &x;
  return y;
}

const Tensor& GroupNorm::backward(const Tensor& dy) {
  check_arg(x_ != nullptr, "group_norm: backward called before forward");
  check_arg(dy.shape() == x_->shape(), "group_norm: dy has shape ", dy.shape().str(),
            ", expected ", x_->shape().str(), " (the output of the last forward)");
  const Shape s = x_->shape();
  const NormDims d{s.n, s.c, s.plane()};
  sum_gdy_.resize(stats_.mean.size());
  sum_gdy_xhat_.resize(stats_.mean.size());
  group_grad_sums_f32(d, groups_, x_->data(), dy.data(), stats_.mean.data(), stats_.rstd.data(),
                      gamma(), sum_gdy_.data(), sum_gdy_xhat_.data(),
                      affine_ ? grads_.data() : nullptr,
                      affine_ ? grads_.data() + channels_ : nullptr);
  Tensor& dx = input_grad(dx_);
  dx.resize(s);
  group_normalize_backward_f32(d, groups_, x_->data(), dy.data(), stats_.mean.data(),
                               stats_.rstd.data(), gamma(), sum_gdy_.data(),
                               sum_gdy_xhat_.data(), dx.data());
  return dx;
}

std::vector<Param> GroupNorm::params() {
  if (!affine_) return {};
  const std::size_t c = std::size_t(channels_);
  return {Param{"gamma", values_.data(), grads_.data(), c, {channels_}, false},
          Param{"beta", values_.data() + c, grads_.data() + c, c, {channels_}, false}};
}

void GroupNorm::init(Rng&) {
  std::fill(values_.begin(), values_.begin() + channels_, 1.0f);
  std::fill(values_.begin() + channels_, values_.end(), 0.0f);
}

double GroupNorm::forward_flops(const Shape& x) const { return 4.0 * double(x.sample_size()); }

}  // namespace normlab
