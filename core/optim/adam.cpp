#include "adam.hpp"

#include <cmath>
#include <limits>

#include "../error.hpp"
#include "integer_power.hpp"

namespace normlab {

Adam::Adam(std::vector<Param> params, AdamOptions options)
    : Optimizer(options.decoupled ? "adamw" : "adam", std::move(params), options.lr),
      o_(options),
      m_(params_.size()),
      v_(params_.size()) {
  const double inf = std::numeric_limits<double>::infinity();
  const char* who = o_.decoupled ? "adamw" : "adam";
  check_hyper(who, "beta1", o_.beta1, 0.0, 1.0, false);
  check_hyper(who, "beta2", o_.beta2, 0.0, 1.0, false);
  check_hyper(who, "weight_decay", o_.weight_decay, 0.0, inf, true);
  check_arg(std::isfinite(o_.eps) && o_.eps > 0.0, who, ": eps = ", o_.eps,
            ", expected a finite value > 0");
}

void Adam::reset() {
  for (auto& m : m_) m.clear();
  for (auto& v : v_) v.clear();
  steps_ = 0;
}

std::vector<std::vector<float>*> Adam::state_buffers() {
  std::vector<std::vector<float>*> out;
  for (auto& m : m_) out.push_back(&m);
  for (auto& v : v_) out.push_back(&v);
  return out;
}

void Adam::step() {
  ++steps_;
  // Scalars in double (as PyTorch computes them in Python), rounded to float for the loop.
  const double bias1 = 1.0 - integer_power(o_.beta1, steps_);
  const double bias2_sqrt = std::sqrt(1.0 - integer_power(o_.beta2, steps_));
  const float b1 = float(o_.beta1), b2 = float(o_.beta2);
  const float one_b1 = float(1.0 - o_.beta1), one_b2 = float(1.0 - o_.beta2);
  const float step_size = float(lr_ / bias1);
  const float bias2_sqrt_f = float(bias2_sqrt);
  const float eps = float(o_.eps);
  for (std::size_t k = 0; k < params_.size(); ++k) {
    Param& p = params_[k];
    const double wd = decay_of(k, o_.weight_decay, o_.decay_norm_and_bias);
    float* w = p.value;
    const float* grad = p.grad;
    if (m_[k].empty()) {
      m_[k].assign(p.size, 0.0f);
      v_[k].assign(p.size, 0.0f);
    }
    float* m = m_[k].data();
    float* v = v_[k].data();
    const float l2 = o_.decoupled ? 0.0f : float(wd);
    const float shrink = o_.decoupled ? float(1.0 - lr_ * wd) : 1.0f;
    for (std::size_t i = 0; i < p.size; ++i) {
      float wi = w[i] * shrink;
      float g = grad[i] + l2 * w[i];
      m[i] = b1 * m[i] + one_b1 * g;
      v[i] = b2 * v[i] + one_b2 * g * g;
      w[i] = wi - step_size * m[i] / (std::sqrt(v[i]) / bias2_sqrt_f + eps);
    }
  }
}

}  // namespace normlab
