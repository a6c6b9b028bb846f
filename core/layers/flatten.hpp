#pragma once
// (N,C,H,W) → (N, C·H·W, 1, 1), the layout a Dense layer reads. Values are copied in
// NCHW order. backward(dy) ASSIGNS dx, shaped like the last input. No parameters, no flops.
#include "layer.hpp"

namespace normlab {

class Flatten final : public Layer {
 public:
  Flatten() = default;

  std::string kind() const override { return "flatten"; }
  bool backward_reads_input() const override { return false; }
  bool output_overwritable() const override { return true; }
  bool accepts_lent_output() const override { return true; }
  Shape output_shape(const Shape& x) const override;
  const Tensor& forward(const Tensor& x, Mode mode) override;
  const Tensor& backward(const Tensor& dy) override;

 private:
  bool ready_ = false;
  Shape x_shape_, y_shape_;  // y_ stays empty when lent
  Tensor y_, dx_;
};

}  // namespace normlab
