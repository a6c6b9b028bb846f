#pragma once
// 2-D convolution, PyTorch's Conv2d (square kernel, zero padding, grouped).
//  x: (N, in, H, W) → y: (N, out, oh, ow), oh = (H + 2·pad − k)/stride + 1 (floor).
//  params: "weight" (out, in/groups, k, k), "bias" (out) when enabled.
//  backward(dy) ASSIGNS dx and ADDS into dweight, dbias (layer.hpp contract).
// Lowering:
//  - a 3×3 stride-1 ungrouped conv with pad ≤ 2 and at least kWinogradMinChannels input and
//    output channels: Winograd F(2×2, 3×3) (kernels/winograd.hpp) for all three passes;
//  - a stride-1 conv of ONE input channel (a first layer on grayscale images) whose output
//    rows are at least two SIMD vectors wide: the direct kernels of
//    kernels/one_channel_conv.hpp for y and dweight; dx, which a first layer never needs, is
//    lowered;
//  - depthwise (groups == in == out): the direct depthwise kernels;
//  - otherwise, per sample and group, im2col + gemm_f32; a 1×1 stride-1 pad-0 conv uses x
//    as its column matrix directly.
// Workspaces are reused, so steps after the first with a given shape allocate nothing.
// forward keeps a pointer to x for backward.
#include "layer.hpp"
#include "../kernels/im2col.hpp"
#include "../kernels/one_channel_conv.hpp"
#include "../kernels/winograd.hpp"

namespace normlab {

// Auto: Winograd or the one-channel kernels where they apply (see above), else the lowering.
// Lowered: always the lowering (im2col + gemm, pointwise, depthwise), for comparisons in
// tests and benchmarks.
enum class ConvAlgorithm { Auto, Lowered };

struct Conv2dOptions {
  int stride = 1;
  int pad = 0;
  int groups = 1;
  bool bias = true;
  ConvAlgorithm algorithm = ConvAlgorithm::Auto;
};

class Conv2d final : public Layer {
 public:
  Conv2d(int in_channels, int out_channels, int kernel, Conv2dOptions o = {});

  std::string kind() const override { return "conv2d"; }
  bool output_overwritable() const override { return true; }
  bool accepts_lent_output() const override { return true; }
  bool cheap_to_recompute() const override { return in_ == 1 && opt_.groups == 1; }
  bool input_grad_over_input() const override { return true; }
  Shape output_shape(const Shape& x) const override;
  const Tensor& forward(const Tensor& x, Mode mode) override;
  const Tensor& backward(const Tensor& dy) override;
  void backward_params(const Tensor& dy) override;

  std::vector<Param> params() override;
  // weight and bias uniform in ±1/√fan_in, fan_in = in/groups·k·k (PyTorch's default).
  void init(Rng& rng) override;
  // 2·out·(in/groups)·k·k·oh·ow; the bias add is not counted.
  double forward_flops(const Shape& x) const override;

  int in_channels() const { return in_; }
  int out_channels() const { return out_; }
  int kernel() const { return k_; }
  const Conv2dOptions& options() const { return opt_; }
  float* weight() { return values_.data(); }
  float* bias() { return opt_.bias ? values_.data() + weight_size() : nullptr; }
  // Of one group of one sample of input x.
  ConvGeometry geometry(const Shape& x) const;
  // Which kernels input x runs on: the one-channel ones (see above) or Winograd, whose
  // shape is that of input x; memory estimates ask too.
  bool is_one_channel(const Shape& x) const;
  bool is_winograd(const Shape& x) const;
  Winograd3x3 winograd_shape(const Shape& x) const;

 private:
  std::size_t weight_size() const { return std::size_t(out_) * (in_ / opt_.groups) * k_ * k_; }
  bool is_depthwise() const { return opt_.groups == in_ && opt_.groups == out_; }
  bool is_pointwise() const { return k_ == 1 && opt_.stride == 1 && opt_.pad == 0; }
  // Parameter gradients, and dx unless !want_dx; returns dx (nullptr when skipped).
  Tensor* backward_pass(const Tensor& dy, bool want_dx);
  // Input gradient (unless dx is null) and, if want_dw, weight gradient by im2col + gemm,
  // per sample and group.
  void backward_lowered(const Tensor& dy, Tensor* dx, bool want_dw);

  int in_, out_, k_;
  Conv2dOptions opt_;
  FloatBuffer values_, grads_;  // weight | bias, and their gradients, one block each
  const Tensor* x_ = nullptr;   // input of the last forward
  Shape y_shape_;               // of the last forward (y_ stays empty when lent)
  Tensor y_, dx_;
  FloatBuffer cols_, dcols_;    // im2col workspace of one group
  FloatBuffer filters_, work_;  // Winograd transformed filters and workspace
};

// With fewer input or output channels, the GEMMs of some Winograd pass are too thin (one of
// their sides is the channel count) to pay for its transforms: measured on a first layer.
constexpr int kWinogradMinChannels = 4;

}  // namespace normlab
