#include "probes.hpp"

#include <cmath>
#include <deque>

#include "../error.hpp"
#include "norm_state.hpp"

namespace normlab {
namespace {

double l2(const float* v, std::size_t n) {
  double s = 0.0;
  for (std::size_t i = 0; i < n; ++i) s += double(v[i]) * double(v[i]);
  return std::sqrt(s);
}

}  // namespace

Prober::Prober(Model& model, ProbeConfig config)
    : model_(model), config_(config), samples_(std::size_t(config.capacity > 0 ? config.capacity : 1)) {
  check_arg(config.every >= 0, "probes: every = ", config.every, ", expected ≥ 0 (0 = off)");
  check_arg(config.capacity >= 1, "probes: capacity = ", config.capacity, ", expected ≥ 1");
  check_arg(config.activation_sample >= 1, "probes: activation_sample = ",
            config.activation_sample, ", expected ≥ 1");
  if (!enabled()) return;
  norm_layers_ = model_.norm_layers();
  Source input;
  input.kind = Source::Input;
  trace(model_.net(), "", "", input);
}

Prober::~Prober() {
  if (active_) model_.set_forward_hook(nullptr);
}

Prober::Source Prober::trace(Layer& node, const std::string& name, const std::string& prefix,
                             Source input) {
  if (auto* c = dynamic_cast<Container*>(&node)) {
    auto children = c->named_children();
    const std::string kind = node.kind();
    if (kind == "sequential") {
      Source cur = input;
      for (auto& ch : children) cur = trace(*ch.layer, prefix + ch.name, prefix + ch.name + ".", cur);
      return cur;
    }
    if (kind == "residual") {
      Source sum;
      sum.kind = Source::Sum;
      Source body, shortcut = input;
      for (auto& ch : children) {
        Source out = trace(*ch.layer, prefix + ch.name, prefix + ch.name + ".", input);
        (ch.name == "shortcut" ? shortcut : body) = out;
      }
      sum.terms = {body, shortcut};
      return sum;
    }
    for (auto& ch : children) trace(*ch.layer, prefix + ch.name, prefix + ch.name + ".", Source{});
    return Source{};
  }
  for (auto& n : norm_layers_)
    if (n.name == name) norm_inputs_[name] = input;
  Source leaf;
  leaf.kind = Source::Leaf;
  leaf.leaf = name;
  return leaf;
}

const Tensor* Prober::materialize(const Source& s, const Tensor& x, std::deque<Tensor>& temps) const {
  switch (s.kind) {
    case Source::Input:
      return &x;
    case Source::Leaf: {
      auto it = outputs_.find(s.leaf);
      return it == outputs_.end() ? nullptr : it->second;
    }
    case Source::Sum: {
      const Tensor* first = materialize(s.terms[0], x, temps);
      if (!first) return nullptr;
      temps.push_back(*first);
      Tensor& sum = temps.back();
      for (std::size_t k = 1; k < s.terms.size(); ++k) {
        const Tensor* t = materialize(s.terms[k], x, temps);
        if (!t || t->shape() != sum.shape()) return nullptr;
        for (std::size_t i = 0; i < sum.size(); ++i) sum[i] += (*t)[i];
      }
      return &sum;
    }
    case Source::Unknown:
      break;
  }
  return nullptr;
}

void Prober::begin_forward() {
  if (!enabled()) return;
  active_ = true;
  ++computations_;
  pending_ = ProbeSample{};
  outputs_.clear();
  model_.set_forward_hook([this](const std::string& name, Layer& layer, const Tensor& y) {
    outputs_[name] = &y;
    ActivationProbe a;
    a.name = name;
    a.kind = layer.kind();
    ActivationSummary s = summarize_activation(y.data(), y.size(),
                                               std::size_t(config_.activation_sample), scratch_);
    a.mean = s.mean;
    a.std = s.std;
    a.p15 = s.p15;
    a.p50 = s.p50;
    a.p85 = s.p85;
    ActivationSummary unit = channel_percentiles(y, 0, std::size_t(config_.activation_sample), scratch_);
    a.unit_p15 = unit.p15;
    a.unit_p50 = unit.p50;
    a.unit_p85 = unit.p85;
    if (a.kind == "relu") a.dead_fraction = dead_unit_fraction(y);
    pending_.activations.push_back(std::move(a));
  });
}

void Prober::end_forward(const Tensor& x) {
  if (!active_) return;
  model_.set_forward_hook(nullptr);
  for (auto& n : norm_layers_) {
    NormProbe p;
    p.name = n.name;
    p.kind = n.layer->kind();
    read_norm_state(*n.layer, p);
    std::deque<Tensor> temps;
    auto it = norm_inputs_.find(n.name);
    const Tensor* input = it == norm_inputs_.end() ? nullptr : materialize(it->second, x, temps);
    // Computed from the input itself, so every norm kind reports the same per-channel
    // estimator; read_norm_state's batch statistics stand in when the input is unknown.
    if (input) channel_mean_var(*input, p.batch_mean, p.batch_var);
    pending_.norms.push_back(std::move(p));
  }
  outputs_.clear();
}

void Prober::before_update(const std::vector<Param>& params) {
  if (!active_) return;
  weights_before_.resize(params.size());
  pending_.params.clear();
  for (std::size_t k = 0; k < params.size(); ++k) {
    const Param& p = params[k];
    weights_before_[k].assign(p.value, p.value + p.size);
    ParamProbe q;
    q.name = p.name;
    q.grad_norm = float(l2(p.grad, p.size));
    q.weight_norm = float(l2(p.value, p.size));
    pending_.params.push_back(std::move(q));
  }
}

void Prober::after_update(long step, int epoch, double loss, double lr,
                          const std::vector<Param>& params) {
  if (!active_) return;
  for (std::size_t k = 0; k < params.size() && k < pending_.params.size(); ++k) {
    const Param& p = params[k];
    double d = 0.0;
    for (std::size_t i = 0; i < p.size; ++i) {
      double diff = double(p.value[i]) - double(weights_before_[k][i]);
      d += diff * diff;
    }
    double w = pending_.params[k].weight_norm;
    pending_.params[k].update_ratio = w > 0.0 ? float(std::sqrt(d) / w) : 0.0f;
  }
  pending_.step = step;
  pending_.epoch = epoch;
  pending_.loss = float(loss);
  pending_.lr = float(lr);
  samples_.push(std::move(pending_));
  pending_ = ProbeSample{};
  active_ = false;
}

void Prober::abort() {
  if (!active_) return;
  model_.set_forward_hook(nullptr);
  outputs_.clear();
  pending_ = ProbeSample{};
  active_ = false;
}

}  // namespace normlab
