#include "residual.hpp"

#include "../error.hpp"
#include "../kernels/elementwise.hpp"

namespace normlab {

namespace {

void check_branches(const Shape& body, const Shape& shortcut, bool identity, const Shape& x) {
  check_arg(body == shortcut, "residual: body output ", body.str(), " and ",
            identity ? "identity shortcut " : "shortcut output ", shortcut.str(),
            " differ (input ", x.str(), ")");
}

}  // namespace

Residual::Residual(LayerPtr body, LayerPtr shortcut)
    : body_(std::move(body)), shortcut_(std::move(shortcut)) {
  check_arg(body_ != nullptr, "residual: body must not be null");
}

Shape Residual::output_shape(const Shape& x) const {
  Shape b, s;
  try {
    b = body_->output_shape(x);
  } catch (const ArgumentError& e) {
    throw ArgumentError(msg("body: ", e.what()));
  }
  try {
    s = shortcut_ ? shortcut_->output_shape(x) : x;
  } catch (const ArgumentError& e) {
    throw ArgumentError(msg("shortcut: ", e.what()));
  }
  check_branches(b, s, !shortcut_, x);
  return b;
}

const Tensor& Residual::forward(const Tensor& x, Mode mode) {
  forwarded_ = false;
  const Tensor& b = body_->forward(x, mode);
  notify(0, *body_, b);
  const Tensor* s = &x;
  if (shortcut_) {
    s = &shortcut_->forward(x, mode);
    notify(1, *shortcut_, *s);
  }
  check_branches(b.shape(), s->shape(), !shortcut_, x.shape());
  y_.resize(b.shape());
  add_f32(b.data(), s->data(), y_.data(), y_.size());
  forwarded_ = true;
  return y_;
}

const Tensor& Residual::backward(const Tensor& dy) {
  check_arg(forwarded_, "residual: backward called without a successful forward");
  check_arg(dy.shape() == y_.shape(), "residual: dy has shape ", dy.shape().str(),
            ", expected the output shape ", y_.shape().str());
  const Tensor& db = body_->backward(dy);
  const Tensor& ds = shortcut_ ? shortcut_->backward(dy) : dy;
  Tensor& dx = input_grad(dx_);
  dx.resize(db.shape());
  add_f32(db.data(), ds.data(), dx.data(), dx.size());
  return dx;
}

std::vector<NamedLayer> Residual::named_children() {
  std::vector<NamedLayer> out{{"body", body_.get()}};
  if (shortcut_) out.push_back({"shortcut", shortcut_.get()});
  return out;
}

double Residual::forward_flops(const Shape& x) const {
  return body_->forward_flops(x) + (shortcut_ ? shortcut_->forward_flops(x) : 0.0);
}

}  // namespace normlab
