#include "tensor.hpp"

#include <algorithm>

#include "error.hpp"

namespace normlab {

std::string Shape::str() const { return msg("(", n, ",", c, ",", h, ",", w, ")"); }

void Tensor::reshape(Shape shape) {
  check_arg(shape.size() == shape_.size(), "reshape: ", shape_.str(), " has ", shape_.size(),
            " values, ", shape.str(), " needs ", shape.size());
  shape_ = shape;
}

void Tensor::fill(float v) { std::fill(data_.begin(), data_.begin() + size(), v); }

}  // namespace normlab
