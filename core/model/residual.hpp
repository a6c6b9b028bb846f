#pragma once
// y = body(x) + shortcut(x); a null shortcut is the identity (y = body(x) + x).
// Children are named "body" and "shortcut", so parameters read "body.0.weight".
//  Both branches must produce the same shape: output_shape and forward throw
//  ArgumentError naming both shapes otherwise.
//  backward(dy): dx = body.backward(dy) + shortcut.backward(dy) (or + dy for the
//  identity): fresh, assigned. No activation after the sum: add one after the block.
//  forward_flops: body + shortcut; the add is not a multiply-add and counts 0.
#include "container.hpp"

namespace normlab {

class Residual final : public Container {
 public:
  explicit Residual(LayerPtr body, LayerPtr shortcut = nullptr);

  std::string kind() const override { return "residual"; }
  bool output_overwritable() const override { return true; }
  Shape output_shape(const Shape& x) const override;
  const Tensor& forward(const Tensor& x, Mode mode) override;
  const Tensor& backward(const Tensor& dy) override;
  std::vector<NamedLayer> named_children() override;
  double forward_flops(const Shape& x) const override;

  Layer& body() { return *body_; }
  Layer* shortcut() { return shortcut_.get(); }  // nullptr: identity

 private:
  LayerPtr body_, shortcut_;
  bool forwarded_ = false;
  Tensor y_, dx_;
};

}  // namespace normlab
