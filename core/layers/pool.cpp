#include "pool.hpp"

#include "../error.hpp"
#include "../kernels/im2col.hpp"

namespace normlab {
namespace {

// Constructor checks shared by max and average pooling; returns the effective stride.
int checked_stride(const char* kind, int kernel, int stride, int pad) {
  check_arg(kernel > 0, kind, ": kernel must be positive, got ", kernel);
  check_arg(stride >= 0, kind, ": stride must be non-negative (0 means kernel), got ", stride);
  check_arg(pad >= 0, kind, ": pad must be non-negative, got ", pad);
  check_arg(2 * pad <= kernel, kind, ": pad must be at most kernel/2 = ", kernel / 2, ", got ",
            pad);
  return stride == 0 ? kernel : stride;
}

void check_input(const char* kind, const Shape& x) {
  check_arg(x.n > 0, kind, ": empty batch, input ", x.str());
  check_arg(x.c > 0 && x.h > 0 && x.w > 0, kind, ": input ", x.str(), " has an empty dimension");
}

Shape window_output(const char* kind, const Shape& x, int kernel, int stride, int pad) {
  check_input(kind, x);
  check_arg(x.h + 2 * pad >= kernel && x.w + 2 * pad >= kernel, kind, ": kernel ", kernel,
            " is larger than the padded input ", x.h + 2 * pad, "x", x.w + 2 * pad, " (input ",
            x.str(), ", pad ", pad, ")");
  return Shape{x.n, x.c, conv_out_size(x.h, kernel, stride, pad),
               conv_out_size(x.w, kernel, stride, pad)};
}

PoolGeometry geometry_of(const Shape& x, const Shape& y, int kernel, int stride, int pad) {
  PoolGeometry g;
  g.channels = x.c;
  g.height = x.h;
  g.width = x.w;
  g.kernel = kernel;
  g.stride = stride;
  g.pad = pad;
  g.out_h = y.h;
  g.out_w = y.w;
  return g;
}

void check_dy(const char* kind, bool ready, const Tensor& dy, const Shape& y) {
  check_arg(ready, kind, ": backward called before forward");
  check_arg(dy.shape() == y, kind, ": dy has shape ", dy.shape().str(), ", expected ", y.str(),
            " (the output of the last forward)");
}

}  // namespace

MaxPool2d::MaxPool2d(int kernel, int stride, int pad)
    : kernel_(kernel), stride_(checked_stride("max_pool2d", kernel, stride, pad)), pad_(pad) {}

Shape MaxPool2d::output_shape(const Shape& x) const {
  return window_output("max_pool2d", x, kernel_, stride_, pad_);
}

const Tensor& MaxPool2d::forward(const Tensor& x, Mode) {
  ready_ = false;
  y_shape_ = output_shape(x.shape());
  Tensor& y = output(y_);
  y.resize(y_shape_);
  argmax_.resize(y_shape_.size() * max_pool2d_argmax_bytes(kernel_));
  geometry_ = geometry_of(x.shape(), y_shape_, kernel_, stride_, pad_);
  max_pool2d_f32(geometry_, y_shape_.n, x.data(), y.data(), argmax_.data());
  ready_ = true;
  return y;
}

const Tensor& MaxPool2d::backward(const Tensor& dy) {
  check_dy("max_pool2d", ready_, dy, y_shape_);
  Tensor& dx = input_grad(dx_);
  dx.resize(Shape{dy.shape().n, geometry_.channels, geometry_.height, geometry_.width});
  max_pool2d_backward_f32(geometry_, dy.shape().n, dy.data(), argmax_.data(), dx.data());
  return dx;
}

AvgPool2d::AvgPool2d(int kernel, int stride, int pad)
    : kernel_(kernel), stride_(checked_stride("avg_pool2d", kernel, stride, pad)), pad_(pad) {}

Shape AvgPool2d::output_shape(const Shape& x) const {
  return window_output("avg_pool2d", x, kernel_, stride_, pad_);
}

const Tensor& AvgPool2d::forward(const Tensor& x, Mode) {
  ready_ = false;
  y_shape_ = output_shape(x.shape());
  Tensor& y = output(y_);
  y.resize(y_shape_);
  geometry_ = geometry_of(x.shape(), y_shape_, kernel_, stride_, pad_);
  avg_pool2d_f32(geometry_, y_shape_.n, x.data(), y.data());
  ready_ = true;
  return y;
}

const Tensor& AvgPool2d::backward(const Tensor& dy) {
  check_dy("avg_pool2d", ready_, dy, y_shape_);
  Tensor& dx = input_grad(dx_);
  dx.resize(Shape{dy.shape().n, geometry_.channels, geometry_.height, geometry_.width});
  avg_pool2d_backward_f32(geometry_, dy.shape().n, dy.data(), dx.data());
  return dx;
}

Shape GlobalAvgPool2d::output_shape(const Shape& x) const {
  check_input("global_avg_pool2d", x);
  return Shape{x.n, x.c, 1, 1};
}

const Tensor& GlobalAvgPool2d::forward(const Tensor& x, Mode) {
  ready_ = false;
  y_shape_ = output_shape(x.shape());
  Tensor& y = output(y_);
  y.resize(y_shape_);
  x_shape_ = x.shape();
  global_avg_pool_f32(x_shape_.n, x_shape_.c, x_shape_.plane(), x.data(), y.data());
  ready_ = true;
  return y;
}

const Tensor& GlobalAvgPool2d::backward(const Tensor& dy) {
  check_dy("global_avg_pool2d", ready_, dy, y_shape_);
  Tensor& dx = input_grad(dx_);
  dx.resize(x_shape_);
  global_avg_pool_backward_f32(x_shape_.n, x_shape_.c, x_shape_.plane(), dy.data(), dx.data());
  return dx;
}

}  // namespace normlab
