#pragma once
// The contract every layer follows.
//  - forward(x, mode) returns y, owned by the layer and valid until its next forward (in a
//    Sequential, until the next backward may write gradients there: sequential.hpp).
//    The layer may keep a pointer to x for backward: x must stay alive and unchanged
//    until backward has run (containers guarantee this).
//  - backward(dy) returns dx, fresh each call (assigned, not accumulated), and ADDS the
//    parameter gradients into the grad buffers; they accumulate until zero_grad().
//    dx lives in the layer's own buffer, or in one its container lent it (sequential.hpp),
//    which for a layer that is backward_in_place() may be the one dy is in: either way it
//    is valid until the next backward through that container.
//  - backward uses the mode of the preceding forward; calling it without a forward, or
//    with dy of another shape than y, throws ArgumentError.
//  - Mode is an argument, never guessed from the batch size.
#include <memory>
#include <string>
#include <vector>

#include "../rng.hpp"
#include "../tensor.hpp"

namespace normlab {

enum class Mode { Train, Eval };

// A trainable tensor: value and gradient live in buffers owned by the layer.
struct Param {
  std::string name;        // "weight", "bias", "gamma", "beta"
  float* value = nullptr;
  float* grad = nullptr;
  std::size_t size = 0;
  std::vector<int> shape;  // e.g. {out, in/groups, kh, kw}
  bool decay = true;       // weight decay applies (false for biases and norm affine params)
};

// A non-trainable state tensor that is saved with the model (BatchNorm running stats).
struct Buffer {
  std::string name;
  float* value = nullptr;
  std::size_t size = 0;
};

class Layer {
 public:
  virtual ~Layer() = default;

  virtual std::string kind() const = 0;  // "conv2d", "batch_norm2d", ...
  // Output shape for input shape x; throws ArgumentError naming the mismatch.
  virtual Shape output_shape(const Shape& x) const = 0;
  virtual const Tensor& forward(const Tensor& x, Mode mode) = 0;
  virtual const Tensor& backward(const Tensor& dy) = 0;
  // backward for a caller that has no use for dx (a model's first trainable layer: nobody
  // needs the gradient of the images). Adds the parameter gradients exactly as backward
  // does; layers that can, skip computing dx (conv2d, dense, sequential).
  virtual void backward_params(const Tensor& dy) { backward(dy); }

  virtual std::vector<Param> params() { return {}; }
  virtual std::vector<Buffer> buffers() { return {}; }
  // Sub-layers of containers and composite layers, in forward order.
  virtual std::vector<Layer*> children() { return {}; }
  // (Re)initialize parameters from rng (PyTorch's default schemes).
  virtual void init(Rng&) {}
  // Multiply-adds ×2 of one forward pass over ONE sample of shape x (N ignored).
  virtual double forward_flops(const Shape&) const { return 0.0; }
  // True when forward's output is the layer's own buffer and backward never reads it, so
  // the layer after may overwrite it (Sequential lets a ReLU work in place there).
  virtual bool output_overwritable() const { return false; }
  // False when backward needs nothing of x (pools keep argmax, dropout its mask): the
  // buffer x was in may then be reused once forward has read it.
  virtual bool backward_reads_input() const { return true; }
  // True when forward can write y into a buffer its container lends (lend_output).
  virtual bool accepts_lent_output() const { return false; }
  // True when backward may write dx over dy: same shape, and each dx value written only
  // once the dy values it needs are read (elementwise layers, normalizations). Sequential
  // then lends it the buffer its dy arrives in.
  virtual bool backward_in_place() const { return false; }
  // True when forward costs little next to the layers after it (a convolution of one input
  // channel), so a Sequential may drop y after the next layer's forward and run forward
  // again, on the same x, just before that layer's backward needs y.
  virtual bool cheap_to_recompute() const { return false; }
  // True when backward has read each part of x for the last time before it writes dx
  // there (the parameter gradients first, then dx), so dx may be written over x: a
  // Sequential does so when nothing else reads x in backward.
  virtual bool input_grad_over_input() const { return false; }

  void zero_grad();
  std::size_t param_count();

  // Where backward writes dx from now on: a buffer the container owns (nullptr: the
  // layer's own). Sequential lends two buffers in turn, since each dx dies as soon as
  // the layer before has consumed it (and the same one again to a backward_in_place()).
  void lend_input_grad(Tensor* buffer) { lent_dx_ = buffer; }
  // Where forward writes y from now on (nullptr: the layer's own buffer), for a layer that
  // accepts_lent_output(). Sequential lends one when nothing reads y after the next layer's
  // forward; y is then valid until the next backward, not until the next forward.
  void lend_output(Tensor* buffer) { lent_y_ = buffer; }

 protected:
  Tensor& input_grad(Tensor& own) { return lent_dx_ ? *lent_dx_ : own; }
  Tensor& output(Tensor& own) { return lent_y_ ? *lent_y_ : own; }

 private:
  Tensor* lent_dx_ = nullptr;
  Tensor* lent_y_ = nullptr;
};

using LayerPtr = std::unique_ptr<Layer>;

}  // namespace normlab
