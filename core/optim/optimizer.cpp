#include "optimizer.hpp"

#include <cmath>
#include <limits>

#include "../error.hpp"

namespace normlab {

void check_hyper(const char* who, const char* what, double v, double lo, double hi,
                 bool hi_inclusive) {
  bool ok = std::isfinite(v) && v >= lo && (hi_inclusive ? v <= hi : v < hi);
  if (ok) return;
  if (hi == std::numeric_limits<double>::infinity())
    throw ArgumentError(msg(who, ": ", what, " = ", v, ", expected a finite value ≥ ", lo));
  throw ArgumentError(msg(who, ": ", what, " = ", v, ", expected a value in [", lo, ", ", hi,
                          hi_inclusive ? "]" : ")"));
}

Optimizer::Optimizer(std::string name, std::vector<Param> params, double lr)
    : name_(std::move(name)), params_(std::move(params)) {
  set_lr(lr);
}

void Optimizer::set_lr(double lr) {
  check_hyper(name_.c_str(), "lr", lr, 0.0, std::numeric_limits<double>::infinity(), true);
  lr_ = lr;
}

double Optimizer::decay_of(std::size_t k, double weight_decay, bool decay_norm_and_bias) const {
  return (decay_norm_and_bias || params_[k].decay) ? weight_decay : 0.0;
}

}  // namespace normlab
