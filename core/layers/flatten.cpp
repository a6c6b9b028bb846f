#include "flatten.hpp"

#include <algorithm>

#include "../error.hpp"

namespace normlab {

Shape Flatten::output_shape(const Shape& x) const {
  check_arg(x.n > 0, "flatten: empty batch, input ", x.str());
  check_arg(x.c > 0 && x.h > 0 && x.w > 0, "flatten: input ", x.str(),
            " has an empty dimension");
  return Shape{x.n, int(x.sample_size()), 1, 1};
}

const Tensor& Flatten::forward(const Tensor& x, Mode) {
  ready_ = false;
  y_shape_ = output_shape(x.shape());
  Tensor& y = output(y_);
  y.resize(y_shape_);
  std::copy(x.data(), x.data() + x.size(), y.data());
  x_shape_ = x.shape();
  ready_ = true;
  return y;
}

const Tensor& Flatten::backward(const Tensor& dy) {
  check_arg(ready_, "flatten: backward called before forward");
  check_arg(dy.shape() == y_shape_, "flatten: dy has shape ", dy.shape().str(), ", expected ",
            y_shape_.str(), " (the output of the last forward)");
  Tensor& dx = input_grad(dx_);
  dx.resize(x_shape_);
  std::copy(dy.data(), dy.data() + dy.size(), dx.data());
  return dx;
}

}  // namespace normlab
