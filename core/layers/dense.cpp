#include "dense.hpp"

#include <cmath>

#include "../error.hpp"
#include "../kernels/elementwise.hpp"
#include "../kernels/gemm.hpp"
#include "../memory_budget.hpp"

namespace normlab {

Dense::Dense(int in_features, int out_features, bool bias)
    : in_(in_features), out_(out_features), has_bias_(bias) {
  check_arg(in_ > 0, "dense: in_features must be positive, got ", in_);
  check_arg(out_ > 0, "dense: out_features must be positive, got ", out_);
  require_parameter_memory(uint64_t(out_) * uint64_t(in_) + uint64_t(out_), msg("dense ", in_, "→", out_));
  std::size_t total = weight_size() + (bias ? std::size_t(out_) : 0);
  values_.assign(total, 0.0f);
  grads_.assign(total, 0.0f);
  // Usable as constructed; models re-initialize every layer from their own seed.
  Rng rng(0);
  init(rng);
}

Shape Dense::output_shape(const Shape& x) const {
  check_arg(x.n > 0, "dense: empty batch, input ", x.str());
  check_arg(x.sample_size() == std::size_t(in_), "dense: input ", x.str(), " has C·H·W = ",
            x.sample_size(), " features, expected in_features = ", in_);
  return Shape{x.n, out_, 1, 1};
}

const Tensor& Dense::forward(const Tensor& x, Mode) {
  x_ = nullptr;
  const Shape ys = output_shape(x.shape());
  y_.resize(ys);
  // Y (N×out) = X (N×in) · Wᵀ
  gemm_f32(Trans::No, Trans::Yes, ys.n, out_, in_, 1.0f, x.data(), in_, weight(), in_, 0.0f,
           y_.data(), out_);
  if (has_bias_) add_channel_bias_f32(y_.data(), bias(), ys.n, out_, 1);
  x_ = &x;
  return y_;
}

const Tensor& Dense::backward(const Tensor& dy) {
  backward_params(dy);
  const int n = x_->shape().n;
  Tensor& dx = input_grad(dx_);
  dx.resize(x_->shape());
  // dX (N×in) = dY (N×out) · W (out×in)
  gemm_f32(Trans::No, Trans::No, n, in_, out_, 1.0f, dy.data(), out_, weight(), in_, 0.0f,
           dx.data(), in_);
  return dx;
}

void Dense::backward_params(const Tensor& dy) {
  check_arg(x_ != nullptr, "dense: backward called before forward");
  check_arg(dy.shape() == y_.shape(), "dense: dy has shape ", dy.shape().str(), ", expected ",
            y_.shape().str(), " (the output of the last forward)");
  const Tensor& x = *x_;
  const int n = x.shape().n;
  // dW (out×in) += dYᵀ (out×N) · X (N×in)
  gemm_f32(Trans::Yes, Trans::No, out_, in_, n, 1.0f, dy.data(), out_, x.data(), in_, 1.0f,
           grads_.data(), in_);
  if (has_bias_) channel_sum_f32(dy.data(), n, out_, 1, grads_.data() + weight_size());
}

std::vector<Param> Dense::params() {
  std::vector<Param> ps;
  ps.push_back(Param{"weight", values_.data(), grads_.data(), weight_size(), {out_, in_}, true});
  if (has_bias_)
    ps.push_back(Param{"bias", values_.data() + weight_size(), grads_.data() + weight_size(),
                       std::size_t(out_), {out_}, false});
  return ps;
}

void Dense::init(Rng& rng) {
  const float bound = 1.0f / std::sqrt(float(in_));
  for (float& v : values_) v = rng.uniform(-bound, bound);
}

double Dense::forward_flops(const Shape&) const { return 2.0 * in_ * out_; }

}  // namespace normlab
