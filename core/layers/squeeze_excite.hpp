#pragma once
// Squeeze-and-excitation (Hu et al. 2018), SiLU inside as in EfficientNet:
//   s = mean over H,W of x                      (N,C,1,1)
//   gate = σ(expand(silu(reduce(s))))           reduce: 1×1 conv C→R, expand: R→C, with biases
//   y[n,c,:] = x[n,c,:]·gate[n,c]
// x: (N,C,H,W) → y: same shape. backward(dy) ASSIGNS dx and ADDS into the inner convs'
// gradients. children() are the inner layers in forward order (for probes); params() are
// theirs, named "reduce.weight", "reduce.bias", "expand.weight", "expand.bias".
// forward_flops counts the two 1×1 convs (2·C·R each); pooling and gating have no MACs.
// forward keeps a pointer to x for backward.
#include "activation.hpp"
#include "conv2d.hpp"
#include "layer.hpp"
#include "pool.hpp"

namespace normlab {

class SqueezeExcite final : public Layer {
 public:
  SqueezeExcite(int channels, int reduced_channels);

  std::string kind() const override { return "squeeze_excite"; }
  Shape output_shape(const Shape& x) const override;
  const Tensor& forward(const Tensor& x, Mode mode) override;
  const Tensor& backward(const Tensor& dy) override;

  std::vector<Param> params() override;
  std::vector<Layer*> children() override;
  void init(Rng& rng) override;
  double forward_flops(const Shape& x) const override;

  int channels() const { return channels_; }
  int reduced_channels() const { return reduced_; }
  // gate of the last forward, (N,C,1,1); throws ArgumentError before any forward.
  const Tensor& gate() const;

 private:
  int channels_, reduced_;
  GlobalAvgPool2d pool_;
  Conv2d reduce_, expand_;
  Silu act_;
  Sigmoid gate_;
  const Tensor* x_ = nullptr;
  const Tensor* g_ = nullptr;  // gate_'s output of the last forward
  Tensor y_, dgate_, dx_;
};

}  // namespace normlab
