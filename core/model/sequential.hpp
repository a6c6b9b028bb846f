#pragma once
// Layers applied one after the other: y = f_k(…f_1(f_0(x))). Children are named by
// index ("0", "1", …), so parameters read "3.weight", "5.body.0.gamma".
//  forward(x, mode): each child's output feeds the next (it stays alive, owned by that
//    child, until the next forward — the layer contract's guarantee for backward). A ReLU
//    after a child whose output_overwritable() is true works in place: its output is that
//    child's buffer.
//  backward(dy): children in reverse; returns the first child's dx (fresh, assigned).
//    Children write their dx into two buffers the Sequential lends them in turn: dy of a
//    child is then never the buffer it writes, and a dx is overwritten only after the
//    child before has consumed it. A child that is backward_in_place() (an activation, a
//    normalization, dropout) gets the buffer its dy arrives in instead, so a chain such as
//    norm → ReLU → pool keeps all its gradients in one buffer.
//    Nested Sequentials keep their own pair, since a Residual around one still needs its
//    dy afterwards.
//    A child that can write its dx over its input (input_grad_over_input: a convolution, a
//    dense layer) does so when nothing reads that input in backward: the child before
//    owns it and never reads it (output_overwritable), or is an in-place ReLU, which then
//    keeps a mask. The children before it that are backward_in_place find their dy there
//    and write their dx over it too: such a chain needs no buffer at all.
//  Those two buffers are idle during forward, so they also hold outputs nobody reads after
//    the next child's forward: a child that accepts_lent_output() and is followed, directly
//    or behind an in-place ReLU, by a child whose backward does not read its input (a pool,
//    dropout, flatten) writes its output there (the ReLU then keeps a mask of its own): in
//    the buffer its own input is not in, the first if it may.
//    Such an output is valid until the next backward, as the forward hook needs.
//    A child that is cheap_to_recompute() (a convolution of one input channel), followed by
//    one that reads its input in backward and writes dx over dy (a normalization), also
//    writes its output there: backward runs its forward again just before the next child's
//    backward, into the buffer that child's dy is not in.
//  An empty Sequential is the identity (it copies x).
//  forward_flops sums the children's, with the shape propagated through them.
#include <cstddef>
#include <vector>

#include "container.hpp"

namespace normlab {

class Sequential final : public Container {
 public:
  Sequential() = default;
  Sequential(const Sequential&) = delete;  // children hold pointers to grads_
  Sequential& operator=(const Sequential&) = delete;

  // Appends a layer (not null); returns *this for chaining.
  Sequential& add(LayerPtr layer);
  std::size_t size() const { return layers_.size(); }
  Layer& at(std::size_t i);

  std::string kind() const override { return "sequential"; }
  // Propagates x through every child; a child's error is prefixed with its index and kind.
  Shape output_shape(const Shape& x) const override;
  const Tensor& forward(const Tensor& x, Mode mode) override;
  const Tensor& backward(const Tensor& dy) override;
  // The children after the first with parameters run backward, that one backward_params,
  // and those before it (no parameters, only dx to compute) nothing.
  void backward_params(const Tensor& dy) override;
  // Index of the first child with parameters (size() if none): backward_params computes
  // no dx there or before it.
  std::size_t first_trainable() const { return first_trainable_; }
  // False when only backward_params will run (a model's net): train forwards then size the
  // buffers without the dx that backward_params never computes. backward still works.
  void set_input_grad_wanted(bool on) { input_grad_wanted_ = on; }
  // Which of the two buffers child i writes its dx into, or -1 (a nested Sequential, or a
  // child writing dx over its input or over its dy there).
  int input_grad_buffer(std::size_t i) const {
    return i < input_grad_.size() ? input_grad_[i] : -1;
  }
  // Which of the two buffers child i writes its output into, or -1 for its own.
  int lent_output(std::size_t i) const { return i < lent_output_.size() ? lent_output_[i] : -1; }
  std::vector<NamedLayer> named_children() override;
  double forward_flops(const Shape& x) const override;

 private:
  std::vector<LayerPtr> layers_;
  bool forwarded_ = false;  // a forward has run (backward needs one)
  Shape y_shape_;           // output shape of the last forward
  Tensor y_, dx_;           // used only when empty (identity)
  Tensor grads_[2];         // the children's input gradients, lent in turn
  std::size_t first_trainable_ = 0;  // index of the first child with parameters, or size()
  std::vector<int> input_grad_;       // per child: the buffer lent for its dx, or -1
  int next_grad_ = 0;                 // the buffer the next child appended writes dx into
  std::vector<int> lent_output_;      // per child: the buffer lent for its output, or -1
  // Per child, where dx goes when not in a buffer of input_grad_: over the child's input
  // or over its dy (which is such an input), tensors known only once forward has run.
  enum class DxOver : char { Buffer, Input, Dy };
  std::vector<DxOver> dx_over_;
  std::vector<char> recomputed_;      // per child: its output is recomputed in backward
  std::vector<const Tensor*> inputs_;  // per child: its input in the last forward
  Mode mode_ = Mode::Train;           // of the last forward
  Shape reserved_for_;                // the input shape the buffers were last sized for
  bool input_grad_wanted_ = true;

  // Lends the last child's output (or, behind an in-place ReLU, the output the ReLU works
  // on) a buffer, if that child accepts one: called when a child that does not read its
  // input in backward is appended.
  void lend_output_to_last();
  // Lends the last child's output a buffer and has it recomputed before the next child's
  // backward, if it is cheap_to_recompute(): called when a child that reads its input in
  // backward, and writes its dx over its dy, is appended.
  void recompute_last();
  // Has the last child write its dx over its input, if nothing reads that in backward:
  // called when a child that is input_grad_over_input() is appended.
  void write_dx_over_input();
  // The buffer child k's output is in (behind an in-place ReLU, its producer's), or -1.
  int output_buffer(std::size_t k) const;
  // Child i's backward, after recomputing the output it reads if it was dropped.
  const Tensor& child_backward(std::size_t i, const Tensor& dy);
  // Grows both buffers to their largest use by a train step on input shape x, before any
  // child writes one: allocated once, they leave no holes in the heap as they would growing.
  void reserve_buffers(const Shape& x);

  void check_dy(const Tensor& dy) const;  // a forward ran, and dy has its output's shape
};

}  // namespace normlab
