#pragma once
// Fully connected layer, PyTorch's Linear: y = x·Wᵀ + b.
//  x: (N, C, H, W) with C·H·W == in_features, read as (N, in_features) (implicit flatten)
//  y: (N, out_features, 1, 1)
//  params: "weight" (out, in), "bias" (out) when enabled.
//  backward(dy) ASSIGNS dx (shaped like x) and ADDS into dweight, dbias.
// forward keeps a pointer to x for backward.
#include "layer.hpp"

namespace normlab {

class Dense final : public Layer {
 public:
  Dense(int in_features, int out_features, bool bias = true);

  std::string kind() const override { return "dense"; }
  bool output_overwritable() const override { return true; }
  bool input_grad_over_input() const override { return true; }
  Shape output_shape(const Shape& x) const override;
  const Tensor& forward(const Tensor& x, Mode mode) override;
  const Tensor& backward(const Tensor& dy) override;
  void backward_params(const Tensor& dy) override;

  std::vector<Param> params() override;
  // weight and bias uniform in ±1/√in_features (PyTorch's default).
  void init(Rng& rng) override;
  // 2·in·out; the bias add is not counted.
  double forward_flops(const Shape& x) const override;

  int in_features() const { return in_; }
  int out_features() const { return out_; }
  float* weight() { return values_.data(); }
  float* bias() { return has_bias_ ? values_.data() + weight_size() : nullptr; }

 private:
  std::size_t weight_size() const { return std::size_t(out_) * in_; }

  int in_, out_;
  bool has_bias_;
  FloatBuffer values_, grads_;  // weight | bias, and their gradients
  const Tensor* x_ = nullptr;
  Tensor y_, dx_;
};

}  // namespace normlab
