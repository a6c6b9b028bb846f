#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <vector>

#include "core/error.hpp"
#include "core/optim/adam.hpp"
#include "support/check.hpp"

using namespace normlab;

namespace {

struct Params {
  std::vector<float> w{0.5f, -1.25f, 2.0f, 0.0f, 3.5f, -0.75f}, gw = std::vector<float>(6);
  std::vector<float> b{0.1f, -0.2f, 0.3f}, gb = std::vector<float>(3);
  std::vector<Param> list() {
    return {Param{"weight", w.data(), gw.data(), w.size(), {6}, true},
            Param{"bias", b.data(), gb.data(), b.size(), {3}, false}};
  }
  void set_grads(int step) {
    for (std::size_t i = 0; i < gw.size(); ++i) gw[i] = std::sin(1.0f + i + 3.0f * step) * (1 + i);
    for (std::size_t i = 0; i < gb.size(); ++i) gb[i] = std::cos(2.0f + i + 5.0f * step) * 0.1f;
  }
};

// PyTorch's Adam/AdamW in double (torch/optim/adam.py, adamw.py; amsgrad off).
struct AdamReference {
  double lr, b1, b2, eps, wd;
  bool decoupled;
  std::vector<double> w, m, v;
  int t = 0;
  void step(const std::vector<float>& grad) {
    ++t;
    if (m.empty()) m.assign(w.size(), 0.0), v.assign(w.size(), 0.0);
    for (std::size_t i = 0; i < w.size(); ++i) {
      double g = grad[i];
      if (decoupled) w[i] *= 1 - lr * wd;
      else g += wd * w[i];
      m[i] = b1 * m[i] + (1 - b1) * g;
      v[i] = b2 * v[i] + (1 - b2) * g * g;
      double mhat_step = lr / (1 - std::pow(b1, t));
      double denom = std::sqrt(v[i]) / std::sqrt(1 - std::pow(b2, t)) + eps;
      w[i] -= mhat_step * m[i] / denom;
    }
  }
};

}  // namespace

TEST_CASE("adam's first step moves each weight by lr against the sign of its gradient",
          "[optim][adam]") {
  Params p;
  p.set_grads(0);
  std::vector<float> w0 = p.w;
  AdamOptions o;
  o.lr = 0.01;
  Adam opt(p.list(), o);
  opt.step();
  // Bias correction makes m̂ = g and √v̂ = |g| at t = 1: Δw = −lr·g/(|g| + eps).
  for (std::size_t i = 0; i < p.w.size(); ++i) {
    double g = p.gw[i];
    CHECK(p.w[i] == Approx(w0[i] - 0.01 * g / (std::fabs(g) + 1e-8)).margin(1e-6));
  }
}

TEST_CASE("adam and adamw follow PyTorch over several steps", "[optim][adam]") {
  for (bool decoupled : {false, true}) {
    Params p;
    AdamOptions o;
    o.lr = 0.01;
    o.beta1 = 0.8;
    o.beta2 = 0.95;
    o.eps = 1e-6;
    o.weight_decay = decoupled ? 0.1 : 1e-2;
    o.decoupled = decoupled;
    Adam opt(p.list(), o);
    CHECK(opt.name() == (decoupled ? "adamw" : "adam"));
    AdamReference rw{o.lr, o.beta1, o.beta2, o.eps, o.weight_decay, decoupled, {p.w.begin(), p.w.end()}, {}, {}};
    AdamReference rb{o.lr, o.beta1, o.beta2, o.eps, o.weight_decay, decoupled, {p.b.begin(), p.b.end()}, {}, {}};
    for (int s = 0; s < 6; ++s) {
      p.set_grads(s);
      opt.step();
      rw.step(p.gw);
      rb.step(p.gb);
      INFO((decoupled ? "adamw" : "adam") << " step " << s + 1);
      // Float32 moments and division: relative error of a few 1e-7 per step on Δw ≈ lr.
      REQUIRE_CLOSE(p.w.data(), rw.w.data(), p.w.size(), 2e-6, 1e-6);
      REQUIRE_CLOSE(p.b.data(), rb.w.data(), p.b.size(), 2e-6, 1e-6);
    }
    REQUIRE_CLOSE(opt.first_moment(0).data(), rw.m.data(), rw.m.size(), 1e-6, 1e-5);
    REQUIRE_CLOSE(opt.second_moment(0).data(), rw.v.data(), rw.v.size(), 1e-6, 1e-5);
  }
}

TEST_CASE("adamw with decay_norm_and_bias off leaves decay-free params undecayed", "[optim][adam]") {
  Params p;
  std::fill(p.gw.begin(), p.gw.end(), 0.0f);
  std::fill(p.gb.begin(), p.gb.end(), 0.0f);
  AdamOptions o = adamw_options(0.1, 0.5);
  o.decay_norm_and_bias = false;
  std::vector<float> w0 = p.w, b0 = p.b;
  Adam opt(p.list(), o);
  opt.step();  // zero grads: m = v = 0, so only the decoupled decay moves the weights
  CHECK(p.b == b0);
  for (std::size_t i = 0; i < p.w.size(); ++i) CHECK(p.w[i] == Approx(w0[i] * 0.95).epsilon(1e-6));
}

TEST_CASE("adam reset restarts bias correction from step one", "[optim][adam]") {
  Params p, q;
  AdamOptions o;
  o.lr = 0.05;
  Adam used(p.list(), o);
  for (int s = 0; s < 4; ++s) {
    p.set_grads(s);
    used.step();
  }
  used.reset();
  CHECK(used.steps() == 0);
  CHECK(used.first_moment(0).empty());
  q.w = p.w;
  q.b = p.b;
  Adam fresh(q.list(), o);
  p.set_grads(9);
  q.set_grads(9);
  used.step();
  fresh.step();
  CHECK(p.w == q.w);
  CHECK(p.b == q.b);
}

TEST_CASE("adam rejects invalid hyperparameters naming the value", "[optim][adam]") {
  Params p;
  AdamOptions o;
  o.beta1 = 1.0;
  CHECK_THROWS_WITH(Adam(p.list(), o), "adam: beta1 = 1, expected a value in [0, 1)");
  o.beta1 = 0.9;
  o.beta2 = -0.1;
  CHECK_THROWS_WITH(Adam(p.list(), o), "adam: beta2 = -0.1, expected a value in [0, 1)");
  o.beta2 = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_AS(Adam(p.list(), o), ArgumentError);
  o.beta2 = 0.999;
  o.eps = 0.0;
  CHECK_THROWS_WITH(Adam(p.list(), o), "adam: eps = 0, expected a finite value > 0");
  o.eps = 1e-8;
  o.lr = -1.0;
  CHECK_THROWS_WITH(Adam(p.list(), o), "adam: lr = -1, expected a finite value ≥ 0");
  AdamOptions w = adamw_options(1e-3, -0.01);
  CHECK_THROWS_WITH(Adam(p.list(), w), "adamw: weight_decay = -0.01, expected a finite value ≥ 0");
}
