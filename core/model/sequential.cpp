#include "sequential.hpp"

#include <algorithm>

#include "../error.hpp"
#include "../layers/activation.hpp"

namespace normlab {

Sequential& Sequential::add(LayerPtr layer) {
  check_arg(layer != nullptr, "sequential: add() got a null layer at index ", layers_.size());
  const bool nested = dynamic_cast<Sequential*>(layer.get()) != nullptr;
  if (!nested) layer->lend_input_grad(&grads_[next_grad_]);
  input_grad_.push_back(nested ? -1 : next_grad_);
  // The child before this one writes its dx over this one's, when it can.
  if (!layer->backward_in_place()) next_grad_ = 1 - next_grad_;
  auto* relu = dynamic_cast<Relu*>(layer.get());
  if (relu && !layers_.empty()) relu->set_in_place(layers_.back()->output_overwritable());
  if (first_trainable_ == layers_.size() && layer->params().empty()) ++first_trainable_;
  if (!layer->backward_reads_input()) lend_output_to_last();
  // An in-place ReLU's output is the last child's: it must stay.
  if (layer->backward_reads_input() && layer->backward_in_place() && !(relu && relu->in_place()))
    recompute_last();
  const bool over_input = !nested && layer->input_grad_over_input();
  layers_.push_back(std::move(layer));
  lent_output_.push_back(-1);
  recomputed_.push_back(false);
  dx_over_.push_back(DxOver::Buffer);
  if (over_input) write_dx_over_input();
  return *this;
}

void Sequential::write_dx_over_input() {
  const std::size_t i = layers_.size() - 1;
  if (i == 0) return;  // its input is the caller's
  auto* relu = dynamic_cast<Relu*>(layers_[i - 1].get());
  if (relu && relu->in_place())
    relu->set_keeps_mask(true);
  else if (!layers_[i - 1]->output_overwritable())
    return;
  dx_over_[i] = DxOver::Input;
  input_grad_[i] = -1;
  for (std::size_t k = i; k-- > 0 && input_grad_[k] >= 0 && layers_[k]->backward_in_place();) {
    dx_over_[k] = DxOver::Dy;
    input_grad_[k] = -1;
  }
}

int Sequential::output_buffer(std::size_t k) const {
  auto* relu = dynamic_cast<Relu*>(layers_[k].get());
  return relu && relu->in_place() ? lent_output_[k - 1] : lent_output_[k];
}

void Sequential::recompute_last() {
  if (layers_.empty()) return;
  const std::size_t p = layers_.size() - 1;
  Layer& producer = *layers_[p];
  // The buffer the new child's dy will not be in: its dx is written over its dy.
  const int buffer = 1 - next_grad_;
  if (!producer.cheap_to_recompute() || !producer.accepts_lent_output() ||
      lent_output_[p] >= 0 || (p > 0 && lent_output_[p - 1] == buffer))  // its input stays
    return;
  producer.lend_output(&grads_[buffer]);
  lent_output_[p] = buffer;
  recomputed_[p] = true;
}

void Sequential::lend_output_to_last() {
  if (layers_.empty()) return;
  std::size_t p = layers_.size() - 1;
  auto* relu = dynamic_cast<Relu*>(layers_[p].get());
  const bool behind_relu = relu && relu->in_place();
  if (behind_relu) --p;  // an in-place ReLU is never the first child
  Layer& producer = *layers_[p];
  if (!producer.accepts_lent_output() || !producer.output_overwritable()) return;
  // Never the buffer its input is in, since forward reads that while writing this.
  const int buffer = p > 0 && output_buffer(p - 1) == 0 ? 1 : 0;
  producer.lend_output(&grads_[buffer]);
  lent_output_[p] = buffer;
  if (behind_relu) relu->set_keeps_mask(true);
}

Layer& Sequential::at(std::size_t i) {
  check_arg(i < layers_.size(), "sequential: index ", i, " out of range, size ", layers_.size());
  return *layers_[i];
}

Shape Sequential::output_shape(const Shape& x) const {
  Shape s = x;
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    try {
      s = layers_[i]->output_shape(s);
    } catch (const ArgumentError& e) {
      throw ArgumentError(msg("layer ", i, " (", layers_[i]->kind(), "): ", e.what()));
    }
  }
  return s;
}

const Tensor& Sequential::forward(const Tensor& x, Mode mode) {
  forwarded_ = false;  // a forward that throws leaves nothing for backward
  const Tensor* y = &x;
  if (layers_.empty()) {
    y_ = x;
    y = &y_;
  }
  if (mode == Mode::Train) reserve_buffers(x.shape());
  inputs_.resize(layers_.size());
  mode_ = mode;
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    inputs_[i] = y;
    y = &layers_[i]->forward(*y, mode);
    notify(i, *layers_[i], *y);
  }
  y_shape_ = y->shape();
  forwarded_ = true;
  return *y;
}

void Sequential::reserve_buffers(const Shape& x) {
  if (x == reserved_for_) return;
  std::size_t need[2] = {0, 0};
  Shape s = x;
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    const int dx = input_grad_wanted_ || i > first_trainable_ ? input_grad_[i] : -1;
    if (dx >= 0) need[dx] = std::max(need[dx], s.size());
    s = layers_[i]->output_shape(s);
    if (lent_output_[i] >= 0) need[lent_output_[i]] = std::max(need[lent_output_[i]], s.size());
  }
  for (int b = 0; b < 2; ++b) grads_[b].resize(Shape{1, int(need[b])});
  reserved_for_ = x;
}

void Sequential::check_dy(const Tensor& dy) const {
  check_arg(forwarded_, "sequential: backward called without a successful forward");
  check_arg(dy.shape() == y_shape_, "sequential: dy has shape ", dy.shape().str(),
            ", expected the output shape ", y_shape_.str());
}

const Tensor& Sequential::backward(const Tensor& dy) {
  check_dy(dy);
  if (layers_.empty()) {
    dx_ = dy;
    return dx_;
  }
  const Tensor* d = &dy;
  for (std::size_t i = layers_.size(); i-- > 0;) d = &child_backward(i, *d);
  return *d;
}

const Tensor& Sequential::child_backward(std::size_t i, const Tensor& dy) {
  if (i > 0 && recomputed_[i - 1]) layers_[i - 1]->forward(*inputs_[i - 1], mode_);
  // Both are a sibling's output that nothing reads any more (write_dx_over_input).
  if (dx_over_[i] == DxOver::Input) layers_[i]->lend_input_grad(const_cast<Tensor*>(inputs_[i]));
  if (dx_over_[i] == DxOver::Dy) layers_[i]->lend_input_grad(const_cast<Tensor*>(&dy));
  return layers_[i]->backward(dy);
}

void Sequential::backward_params(const Tensor& dy) {
  check_dy(dy);
  if (first_trainable_ == layers_.size()) return;
  const Tensor* d = &dy;
  for (std::size_t i = layers_.size(); --i > first_trainable_;) d = &child_backward(i, *d);
  layers_[first_trainable_]->backward_params(*d);
}

std::vector<NamedLayer> Sequential::named_children() {
  std::vector<NamedLayer> out;
  out.reserve(layers_.size());
  for (std::size_t i = 0; i < layers_.size(); ++i)
    out.push_back({std::to_string(i), layers_[i].get()});
  return out;
}

double Sequential::forward_flops(const Shape& x) const {
  double total = 0.0;
  Shape s = x;
  for (auto& l : layers_) {
    total += l->forward_flops(s);
    s = l->output_shape(s);
  }
  return total;
}

}  // namespace normlab
