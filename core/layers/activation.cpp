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
  y_.resize(output_shape(x.shape()));
  apply(x.data(), y_.data(), x.size());
  x_ = &x;
  return y_;
}

const Tensor& Activation::backward(const Tensor& dy) {
  check_arg(x_ != nullptr, kind(), ": backward called before forward");
  check_arg(dy.shape() == y_.shape(), kind(), ": dy has shape ", dy.shape().str(), ", expected ",
            y_.shape().str(), " (the output of the last forward)");
  dx_.resize(y_.shape());
  gradient(x_->data(), y_.data(), dy.data(), dx_.data(), dy.size());
  return dx_;
}

void Relu::apply(const float* x, float* y, std::size_t n) const { relu_f32(x, y, n); }
void Relu::gradient(const float* x, const float*, const float* dy, float* dx,
                    std::size_t n) const {
  relu_backward_f32(x, dy, dx, n);
}

LeakyRelu::LeakyRelu(float slope) : slope_(slope) {
  check_arg(std::isfinite(slope), "leaky_relu: slope must be finite, got ", slope);
}
void LeakyRelu::apply(const float* x, float* y, std::size_t n) const {
  leaky_relu_f32(x, y, n, slope_);
}
void LeakyRelu::gradient(const float* x, const float*, const float* dy, float* dx,
                         std::size_t n) const {
  leaky_relu_backward_f32(x, dy, dx, n, slope_);
}

void Gelu::apply(const float* x, float* y, std::size_t n) const { gelu_tanh_f32(x, y, n); }
void Gelu::gradient(const float* x, const float*, const float* dy, float* dx,
                    std::size_t n) const {
  gelu_tanh_backward_f32(x, dy, dx, n);
}

void Silu::apply(const float* x, float* y, std::size_t n) const { silu_f32(x, y, n); }
void Silu::gradient(const float* x, const float*, const float* dy, float* dx,
                    std::size_t n) const {
  silu_backward_f32(x, dy, dx, n);
}

void Sigmoid::apply(const float* x, float* y, std::size_t n) const { sigmoid_f32(x, y, n); }
void Sigmoid::gradient(const float*, const float* y, const float* dy, float* dx,
                       std::size_t n) const {
  sigmoid_backward_f32(y, dy, dx, n);
}

}  // namespace normlab
