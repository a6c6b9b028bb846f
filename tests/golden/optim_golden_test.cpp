// Optimizers against torch.optim (fixtures optim_*.txt from make_golden.py): two params,
// "w" (3×4, takes weight decay) and "b" (3, a bias: decays only in the *_decay_all cases,
// otherwise it is skipped through Param::decay = false and decay_norm_and_bias = false),
// three steps with fixed gradients, values compared after every step.
#include <catch2/catch.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/optim/adam.hpp"
#include "core/optim/sgd.hpp"
#include "golden/golden.hpp"

namespace normlab {
namespace {

// Parameters are O(1) (w) and O(0.1) (b); each step moves them by ≈ lr·|g| ≥ 1e-3. After
// three float32 updates the rounding is a few 1e-7 relative, so rtol 1e-5 with a floor of
// 1e-7 catches any wrong term (a missed bias correction or decay is ≥ 1e-5 absolute).
constexpr double kRtol = 1e-5;
constexpr double kAtol = 1e-7;

// The two parameters, owning their value and grad buffers.
struct Params {
  std::vector<float> w, b, gw, gb;
  std::vector<Param> list() {
    Param pw{"w", w.data(), gw.data(), w.size(), {3, 4}, true};
    Param pb{"b", b.data(), gb.data(), b.size(), {3}, false};
    return {pw, pb};
  }
};

// Runs the fixture's steps on an optimizer built by `make` over the two params.
void run_steps(const golden::Fixture& fx,
               const std::function<std::unique_ptr<Optimizer>(std::vector<Param>)>& make) {
  Params p;
  p.w = fx.floats("w_0");
  p.b = fx.floats("b_0");
  p.gw.assign(p.w.size(), 0.0f);
  p.gb.assign(p.b.size(), 0.0f);
  auto opt = make(p.list());
  for (int s = 1; s <= fx.integer("steps"); ++s) {
    const std::string k = std::to_string(s);
    fx.copy_to("grad_w_" + k, p.gw.data(), p.gw.size());
    fx.copy_to("grad_b_" + k, p.gb.data(), p.gb.size());
    opt->step();
    INFO("after step " << s);
    GOLDEN_CHECK(fx, "w_" + k, p.w.data(), p.w.size(), kAtol, kRtol);
    GOLDEN_CHECK(fx, "b_" + k, p.b.data(), p.b.size(), kAtol, kRtol);
  }
}

TEST_CASE("sgd with momentum, nesterov and weight decay matches torch.optim.SGD",
          "[golden][optim][sgd]") {
  const std::string name =
      GENERATE(as<std::string>{}, "optim_sgd_momentum", "optim_sgd_momentum_decay_all",
               "optim_sgd_nesterov", "optim_sgd_plain");
  golden::Fixture fx(name);
  run_steps(fx, [&](std::vector<Param> params) {
    SgdOptions o;
    o.lr = fx.scalar("lr");
    o.momentum = fx.scalar("momentum");
    o.nesterov = fx.integer("nesterov") != 0;
    o.weight_decay = fx.scalar("weight_decay");
    o.decay_norm_and_bias = fx.integer("decay_bias") != 0;
    return std::unique_ptr<Optimizer>(new Sgd(std::move(params), o));
  });
}

TEST_CASE("adam and adamw match torch.optim.Adam and AdamW", "[golden][optim][adam]") {
  const std::string name =
      GENERATE(as<std::string>{}, "optim_adam", "optim_adamw", "optim_adamw_decay_all");
  golden::Fixture fx(name);
  run_steps(fx, [&](std::vector<Param> params) {
    AdamOptions o;
    o.lr = fx.scalar("lr");
    o.beta1 = fx.scalar("beta1");
    o.beta2 = fx.scalar("beta2");
    o.eps = fx.scalar("eps");
    o.weight_decay = fx.scalar("weight_decay");
    o.decoupled = fx.integer("decoupled") != 0;
    o.decay_norm_and_bias = fx.integer("decay_bias") != 0;
    return std::unique_ptr<Optimizer>(new Adam(std::move(params), o));
  });
}

}  // namespace
}  // namespace normlab
