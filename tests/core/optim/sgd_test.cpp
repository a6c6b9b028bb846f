#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <vector>

#include "core/error.hpp"
#include "core/optim/sgd.hpp"
#include "support/check.hpp"

using namespace normlab;

namespace {

// Two parameters: "weight" (decays) and "bias" (decay = false), with grads set per step.
struct Params {
  std::vector<float> w{0.5f, -1.25f, 2.0f, 0.0f, 3.5f}, gw = std::vector<float>(5);
  std::vector<float> b{0.1f, -0.2f}, gb = std::vector<float>(2);
  std::vector<Param> list() {
    return {Param{"weight", w.data(), gw.data(), w.size(), {5}, true},
            Param{"bias", b.data(), gb.data(), b.size(), {2}, false}};
  }
  void set_grads(int step) {
    for (std::size_t i = 0; i < gw.size(); ++i) gw[i] = std::sin(1.0f + i + 3.0f * step);
    for (std::size_t i = 0; i < gb.size(); ++i) gb[i] = std::cos(2.0f + i + 5.0f * step);
  }
};

// PyTorch's SGD in double (torch/optim/sgd.py, dampening 0) for one parameter tensor.
struct SgdReference {
  double lr, mu, wd;
  bool nesterov;
  std::vector<double> w, buf;
  void step(const std::vector<float>& grad) {
    bool first = buf.empty();
    if (first) buf.resize(w.size());
    for (std::size_t i = 0; i < w.size(); ++i) {
      double g = grad[i] + wd * w[i];
      if (mu != 0.0) {
        buf[i] = first ? g : mu * buf[i] + g;
        g = nesterov ? g + mu * buf[i] : buf[i];
      }
      w[i] -= lr * g;
    }
  }
};

}  // namespace

TEST_CASE("sgd without momentum takes one plain gradient step", "[optim][sgd]") {
  Params p;
  p.set_grads(0);
  std::vector<float> w0 = p.w;
  Sgd opt(p.list(), SgdOptions{0.1});
  opt.step();
  for (std::size_t i = 0; i < p.w.size(); ++i)
    CHECK(p.w[i] == Approx(w0[i] - 0.1 * p.gw[i]).margin(1e-7));  // one float rounding
  CHECK(opt.steps() == 1);
}

TEST_CASE("sgd with momentum and weight decay follows PyTorch over several steps", "[optim][sgd]") {
  for (bool nesterov : {false, true}) {
    Params p;
    SgdOptions o;
    o.lr = 0.05;
    o.momentum = 0.9;
    o.nesterov = nesterov;
    o.weight_decay = 1e-2;
    Sgd opt(p.list(), o);
    SgdReference rw{0.05, 0.9, 1e-2, nesterov, {p.w.begin(), p.w.end()}, {}};
    SgdReference rb{0.05, 0.9, 1e-2, nesterov, {p.b.begin(), p.b.end()}, {}};
    for (int s = 0; s < 5; ++s) {
      p.set_grads(s);
      opt.step();
      rw.step(p.gw);
      rb.step(p.gb);
      INFO("nesterov " << nesterov << ", step " << s + 1);
      // Float32 arithmetic on values of order 1, a few roundings per step: 1e-6 is ample.
      REQUIRE_CLOSE(p.w.data(), rw.w.data(), p.w.size(), 1e-6, 1e-6);
      REQUIRE_CLOSE(p.b.data(), rb.w.data(), p.b.size(), 1e-6, 1e-6);
    }
    // The first step's buffer is the gradient itself (no (1 − μ) damping, as PyTorch).
    REQUIRE(opt.momentum_buffer(0).size() == 5);
  }
}

TEST_CASE("sgd decays norm and bias params only when asked", "[optim][sgd]") {
  Params p;
  std::fill(p.gb.begin(), p.gb.end(), 0.0f);
  std::fill(p.gw.begin(), p.gw.end(), 0.0f);
  SgdOptions o;
  o.lr = 0.1;
  o.weight_decay = 0.5;
  std::vector<float> b0 = p.b;
  Sgd all(p.list(), o);
  all.step();  // PyTorch default: every param decays, b *= 1 − lr·wd
  CHECK(p.b[0] == Approx(b0[0] * 0.95).epsilon(1e-6));
  CHECK(p.w[0] == Approx(0.5 * 0.95).epsilon(1e-6));
  o.decay_norm_and_bias = false;
  std::vector<float> b1 = p.b, w1 = p.w;
  Sgd skip(p.list(), o);
  skip.step();
  CHECK(p.b == b1);  // decay = false and zero grad: untouched
  CHECK(p.w[0] == Approx(w1[0] * 0.95).epsilon(1e-6));
}

TEST_CASE("sgd reset forgets the momentum buffers", "[optim][sgd]") {
  Params p, q;
  SgdOptions o;
  o.lr = 0.1;
  o.momentum = 0.9;
  Sgd used(p.list(), o);
  for (int s = 0; s < 3; ++s) {
    p.set_grads(s);
    used.step();
  }
  used.reset();
  CHECK(used.steps() == 0);
  CHECK(used.momentum_buffer(0).empty());
  // After reset a step from the same weights equals a fresh optimizer's first step.
  q.w = p.w;
  q.b = p.b;
  Sgd fresh(q.list(), o);
  p.set_grads(7);
  q.set_grads(7);
  used.step();
  fresh.step();
  CHECK(p.w == q.w);
  CHECK(p.b == q.b);
}

TEST_CASE("sgd rejects invalid hyperparameters naming the value", "[optim][sgd]") {
  Params p;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_WITH(Sgd(p.list(), SgdOptions{-0.1}), "sgd: lr = -0.1, expected a finite value ≥ 0");
  CHECK_THROWS_AS(Sgd(p.list(), SgdOptions{nan}), ArgumentError);
  SgdOptions o;
  o.momentum = 1.0;
  CHECK_THROWS_WITH(Sgd(p.list(), o), "sgd: momentum = 1, expected a value in [0, 1)");
  o.momentum = nan;
  CHECK_THROWS_AS(Sgd(p.list(), o), ArgumentError);
  o.momentum = 0.0;
  o.nesterov = true;
  CHECK_THROWS_WITH(Sgd(p.list(), o), "sgd: nesterov needs momentum > 0, got momentum = 0");
  o.nesterov = false;
  o.weight_decay = -1e-4;
  CHECK_THROWS_AS(Sgd(p.list(), o), ArgumentError);
  Sgd ok(p.list(), SgdOptions{0.1});
  CHECK_THROWS_AS(ok.set_lr(nan), ArgumentError);
  CHECK_THROWS_AS(ok.set_lr(std::numeric_limits<double>::infinity()), ArgumentError);
  CHECK(ok.lr() == 0.1);
}
