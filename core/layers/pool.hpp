#pragma once
// Pooling, PyTorch's MaxPool2d / AvgPool2d (floor mode; average counts padded zeros) and
// AdaptiveAvgPool2d(1). x: (N,C,H,W) → y: (N,C,oh,ow), oh = (H + 2·pad − k)/stride + 1.
// stride 0 means stride = kernel. pad ≤ kernel/2 (as PyTorch requires), so every max
// window holds at least one real pixel. backward(dy) ASSIGNS dx; no parameters.
// forward_flops is 0: pooling has no multiply-adds. Between forward and backward MaxPool2d
// keeps where in its window each maximum was: one byte per output for kernel ≤ 16, two up
// to 256, four beyond (kernels/pool.hpp).
#include <cstdint>
#include <vector>

#include "layer.hpp"
#include "../kernels/pool.hpp"

namespace normlab {

class MaxPool2d final : public Layer {
 public:
  explicit MaxPool2d(int kernel, int stride = 0, int pad = 0);

  std::string kind() const override { return "max_pool2d"; }
  bool backward_reads_input() const override { return false; }
  bool output_overwritable() const override { return true; }
  bool accepts_lent_output() const override { return true; }
  Shape output_shape(const Shape& x) const override;
  const Tensor& forward(const Tensor& x, Mode mode) override;
  const Tensor& backward(const Tensor& dy) override;

  int kernel() const { return kernel_; }
  int stride() const { return stride_; }
  int pad() const { return pad_; }

 private:
  int kernel_, stride_, pad_;
  bool ready_ = false;           // a forward has run
  PoolGeometry geometry_;        // of the last forward
  std::vector<uint8_t> argmax_;  // per output, its window code (max_pool2d_argmax_bytes each)
  Shape y_shape_;                // of the last forward (y_ stays empty when lent)
  Tensor y_, dx_;
};

class AvgPool2d final : public Layer {
 public:
  explicit AvgPool2d(int kernel, int stride = 0, int pad = 0);

  std::string kind() const override { return "avg_pool2d"; }
  bool backward_reads_input() const override { return false; }
  bool output_overwritable() const override { return true; }
  bool accepts_lent_output() const override { return true; }
  Shape output_shape(const Shape& x) const override;
  const Tensor& forward(const Tensor& x, Mode mode) override;
  const Tensor& backward(const Tensor& dy) override;

  int kernel() const { return kernel_; }
  int stride() const { return stride_; }
  int pad() const { return pad_; }

 private:
  int kernel_, stride_, pad_;
  bool ready_ = false;
  PoolGeometry geometry_;
  Shape y_shape_;
  Tensor y_, dx_;
};

// (N,C,H,W) → (N,C,1,1), the mean of each plane.
class GlobalAvgPool2d final : public Layer {
 public:
  GlobalAvgPool2d() = default;

  std::string kind() const override { return "global_avg_pool2d"; }
  bool backward_reads_input() const override { return false; }
  bool output_overwritable() const override { return true; }
  bool accepts_lent_output() const override { return true; }
  Shape output_shape(const Shape& x) const override;
  const Tensor& forward(const Tensor& x, Mode mode) override;
  const Tensor& backward(const Tensor& dy) override;

 private:
  bool ready_ = false;
  Shape x_shape_, y_shape_;
  Tensor y_, dx_;
};

}  // namespace normlab
