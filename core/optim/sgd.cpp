#include "sgd.hpp"

#include <limits>

#include "../error.hpp"

namespace normlab {

Sgd::Sgd(std::vector<Param> params, SgdOptions options)
    : Optimizer("sgd", std::move(params), options.lr), o_(options), buf_(params_.size()) {
  const double inf = std::numeric_limits<double>::infinity();
  check_hyper("sgd", "momentum", o_.momentum, 0.0, 1.0, false);
  check_hyper("sgd", "weight_decay", o_.weight_decay, 0.0, inf, true);
  check_arg(!o_.nesterov || o_.momentum > 0.0, "sgd: nesterov needs momentum > 0, got momentum = ",
            o_.momentum);
}

void Sgd::reset() {
  for (auto& b : buf_) b.clear();
  steps_ = 0;
}

std::vector<std::vector<float>*> Sgd::state_buffers() {
  std::vector<std::vector<float>*> out;
  for (auto& b : buf_) out.push_back(&b);
  return out;
}

void Sgd::step() {
  // Coefficients rounded to float once, as PyTorch's float kernels do with their scalars.
  const float lr = float(lr_), mu = float(o_.momentum);
  for (std::size_t k = 0; k < params_.size(); ++k) {
    Param& p = params_[k];
    const float wd = float(decay_of(k, o_.weight_decay, o_.decay_norm_and_bias));
    float* w = p.value;
    const float* grad = p.grad;
    if (mu == 0.0f) {
      for (std::size_t i = 0; i < p.size; ++i) w[i] -= lr * (grad[i] + wd * w[i]);
      continue;
    }
    std::vector<float>& buf = buf_[k];
    const bool first = buf.empty();
    if (first) buf.resize(p.size);
    for (std::size_t i = 0; i < p.size; ++i) {
      float g = grad[i] + wd * w[i];
      float b = first ? g : mu * buf[i] + g;
      buf[i] = b;
      w[i] -= lr * (o_.nesterov ? g + mu * b : b);
    }
  }
  ++steps_;
}

}  // namespace normlab
