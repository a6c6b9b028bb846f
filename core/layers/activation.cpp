#include "activation.hpp"

#include <cmath>

#include "../error.hpp"
#include "../kernels/elementwise.hpp"

namespace normlab {

Shape Activation::output_shape(const Shape& x) const {
  check_arg(x.n > 0, kind(), ": empty batch, input ", x.str());
  check_arg(x.c > 0 && x.h > 0 && x.w > 0, kind(), ": input ", x.str(), " has an empty dimension");
  return x;
}

const Tensor& Activation::forward(const Tensor& x, Mode) {
  x_ = nullptr;
  const Shape s = output_shape(x.shape());
  // In place, the input tensor is the output: its owner allowed that (see Relu).
  Tensor& y = in_place_ ? const_cast<Tensor&>(x) : y_;
  y.resize(s);
  apply(x.data(), y.data(), x.size());
  y_shape_ = s;
  x_ = &x;
  return y;
}

const Tensor& Activation::backward(const Tensor& dy) {
  check_arg(x_ != nullptr, kind(), ": backward called before forward");
  check_arg(dy.shape() == y_shape_, kind(), ": dy has shape ", dy.shape().str(), ", expected ",
            y_shape_.str(), " (the output of the last forward)");
  Tensor& dx = input_grad(dx_);
  dx.resize(y_shape_);
  gradient(x_->data(), y_.data(), dy.data(), dx.data(), dy.size());
  return dx;
}

void Relu::apply(const float* x, float* y, std::size_t n) {
  if (!keeps_mask_) return relu_f32(x, y, n);
  mask_.resize((n + 31) / 32);
  relu_bits_f32(x, y, mask_.data(), n);
}
void Relu::gradient(const float* x, const float*, const float* dy, float* dx,
                    std::size_t n) const {
  if (keeps_mask_)
    relu_backward_bits_f32(mask_.data(), dy, dx, n);
  else
    relu_backward_f32(x, dy, dx, n);
}

LeakyRelu::LeakyRelu(float slope) : slope_(slope) {
  check_arg(std::isfinite(slope), "leaky_relu: slope must be finite, got ", slope);
}
void LeakyRelu::apply(const float* x, float* y, std::size_t n) {
  leaky_relu_f32(x, y, n, slope_);
}
void LeakyRelu::gradient(const float* x, const float*, const float* dy, float* dx,
                         std::size_t n) const {
  leaky_relu_backward_f32(x, dy, dx, n, slope_);
}

void Gelu::apply(const float* x, float* y, std::size_t n) { gelu_tanh_f32(x, y, n); }
void Gelu::gradient(const float* x, const float*, const float* dy, float* dx,
                    std::size_t n) const {
  gelu_tanh_backward_f32(x, dy, dx, n);
}

void Silu::apply(const float* x, float* y, std::size_t n) { silu_f32(x, y, n); }
void Silu::gradient(const float* x, const float*, const float* dy, float* dx,
                    std::size_t n) const {
  silu_backward_f32(x, dy, dx, n);
}

void Sigmoid::apply(const float* x, float* y, std::size_t n) { sigmoid_f32(x, y, n); }
void Sigmoid::gradient(const float*, const float* y, const float* dy, float* dx,
                       std::size_t n) const {
  sigmoid_backward_f32(y, dy, dx, n);
}

}  // namespace normlab
