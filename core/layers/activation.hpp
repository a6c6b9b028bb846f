#pragma once
// Elementwise activations: y has x's shape; backward(dy) ASSIGNS dx; no parameters.
// forward keeps a pointer to x for backward (Sigmoid reads its own output instead).
// A Relu set in place writes y over x and returns x (see Relu::set_in_place).
// forward_flops is 0: it counts multiply-adds, and these layers have none.
#include <cstdint>
#include <vector>

#include "layer.hpp"

namespace normlab {

// The shared plumbing: shape checks, output/gradient buffers, the backward guard.
class Activation : public Layer {
 public:
  Shape output_shape(const Shape& x) const override;
  const Tensor& forward(const Tensor& x, Mode mode) override;
  const Tensor& backward(const Tensor& dy) override;
  bool backward_in_place() const override { return true; }

 protected:
  // y = f(x); may also record what backward needs (Relu's mask).
  virtual void apply(const float* x, float* y, std::size_t n) = 0;
  // x and y are the last forward's input and output.
  virtual void gradient(const float* x, const float* y, const float* dy, float* dx,
                        std::size_t n) const = 0;
  bool in_place_ = false;

 private:
  const Tensor* x_ = nullptr;
  Shape y_shape_;  // of the last forward (y_ stays empty in place)
  Tensor y_, dx_;
};

class Relu final : public Activation {
 public:
  std::string kind() const override { return "relu"; }
  // Overwrite x with y instead of filling a buffer of its own: the gradient needs only
  // the sign of x, which max(x, 0) keeps. Only for an x nobody reads afterwards (Sequential
  // decides, from the layer before: Layer::output_overwritable).
  void set_in_place(bool on) { in_place_ = on; }
  bool in_place() const { return in_place_; }
  // Keep the sign of y, one bit per value, for backward instead of reading x again: for
  // an in-place Relu whose buffer is overwritten before backward (Sequential decides).
  void set_keeps_mask(bool on) { keeps_mask_ = on; }
  bool keeps_mask() const { return keeps_mask_; }

 protected:
  void apply(const float* x, float* y, std::size_t n) override;
  void gradient(const float* x, const float* y, const float* dy, float* dx,
                std::size_t n) const override;

 private:
  bool keeps_mask_ = false;
  std::vector<uint32_t> mask_;  // y > 0 as bits, from the last forward when keeps_mask_
};

// y = x for x > 0, slope·x otherwise (slope must be finite).
class LeakyRelu final : public Activation {
 public:
  explicit LeakyRelu(float slope = 0.01f);
  std::string kind() const override { return "leaky_relu"; }
  float slope() const { return slope_; }

 protected:
  void apply(const float* x, float* y, std::size_t n) override;
  void gradient(const float* x, const float* y, const float* dy, float* dx,
                std::size_t n) const override;

 private:
  float slope_;
};

// Tanh approximation, PyTorch's GELU(approximate='tanh').
class Gelu final : public Activation {
 public:
  std::string kind() const override { return "gelu"; }

 protected:
  void apply(const float* x, float* y, std::size_t n) override;
  void gradient(const float* x, const float* y, const float* dy, float* dx,
                std::size_t n) const override;
};

// y = x·σ(x)
class Silu final : public Activation {
 public:
  std::string kind() const override { return "silu"; }

 protected:
  void apply(const float* x, float* y, std::size_t n) override;
  void gradient(const float* x, const float* y, const float* dy, float* dx,
                std::size_t n) const override;
};

// y = 1/(1+e^−x); backward uses y: dx = dy·y·(1−y).
class Sigmoid final : public Activation {
 public:
  std::string kind() const override { return "sigmoid"; }

 protected:
  void apply(const float* x, float* y, std::size_t n) override;
  void gradient(const float* x, const float* y, const float* dy, float* dx,
                std::size_t n) const override;
};

}  // namespace normlab
