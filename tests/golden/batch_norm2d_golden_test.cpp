// BatchNorm2d against PyTorch's nn.BatchNorm2d in float64 (fixtures batch_norm2d_*.txt from
// make_golden.py): train forward + backward on (4,3,5,5), a Dense-like (8,6,1,1) and without
// affine; running mean/var (unbiased, momentum 0.1) after 1 and 3 train steps; eval forward
// + backward with those running statistics.
#include <catch2/catch.hpp>

#include <string>

#include "core/layers/batch_norm2d.hpp"
#include "golden/golden.hpp"

namespace normlab {
namespace {

// Statistics are reduced over at most N·H·W = 100 values; float32 rounding of x̂ and of the
// two backward reductions Σdy, Σdy·x̂ gives errors of a few 1e-7 of the O(1) outputs. dx
// cancels (dy − mean(dy) − x̂·mean(dy·x̂)), so its near-0 entries need the floor 1e-6.
constexpr double kRtol = 1e-5;
constexpr double kAtol = 1e-6;

BatchNormOptions options_of(const golden::Fixture& fx) {
  BatchNormOptions o;
  o.momentum = float(fx.scalar("momentum"));
  o.eps = float(fx.scalar("eps"));
  o.affine = !fx.has("affine") || fx.integer("affine") != 0;
  o.unbiased_running_var = true;
  return o;
}

TEST_CASE("batch_norm2d train forward and backward match PyTorch", "[golden][batch_norm2d]") {
  const std::string name =
      GENERATE(as<std::string>{}, "batch_norm2d_train_4x3x5x5", "batch_norm2d_train_8x6x1x1",
               "batch_norm2d_train_noaffine");
  golden::Fixture fx(name);
  const Tensor x = fx.to_tensor("x");
  BatchNorm2d bn(x.shape().c, options_of(fx));
  const bool affine = fx.integer("affine") != 0;
  REQUIRE(bn.params().size() == (affine ? 2u : 0u));
  if (affine) {
    golden::load_param(bn.params(), "gamma", fx, "gamma");
    golden::load_param(bn.params(), "beta", fx, "beta");
  }

  GOLDEN_CHECK_TENSOR(fx, "y", bn.forward(x, Mode::Train), kAtol, kRtol);
  // Running stats start at (0, 1); one step moves them by momentum·batch statistic.
  GOLDEN_CHECK(fx, "running_mean", bn.running_mean().data(), bn.running_mean().size(), kAtol,
               kRtol);
  GOLDEN_CHECK(fx, "running_var", bn.running_var().data(), bn.running_var().size(), kAtol,
               kRtol);
  bn.zero_grad();
  GOLDEN_CHECK_TENSOR(fx, "dx", bn.backward(fx.to_tensor("dy")), kAtol, kRtol);
  if (affine) {
    // dgamma = Σ dy·x̂ and dbeta = Σ dy over 100 (or 8) values of O(1).
    const Param g = golden::find_param(bn.params(), "gamma");
    const Param b = golden::find_param(bn.params(), "beta");
    GOLDEN_CHECK(fx, "dgamma", g.grad, g.size, kAtol, kRtol);
    GOLDEN_CHECK(fx, "dbeta", b.grad, b.size, kAtol, kRtol);
  }
}

TEST_CASE("batch_norm2d running statistics after three train steps match PyTorch",
          "[golden][batch_norm2d]") {
  golden::Fixture fx("batch_norm2d_running_eval");
  BatchNorm2d bn(int(fx.tensor("gamma").size()), options_of(fx));
  golden::load_param(bn.params(), "gamma", fx, "gamma");
  golden::load_param(bn.params(), "beta", fx, "beta");
  for (int k = 1; k <= fx.integer("steps"); ++k) {
    const std::string s = std::to_string(k);
    const Tensor x = fx.to_tensor("x_" + s);
    bn.forward(x, Mode::Train);
    INFO("after train step " << k);
    GOLDEN_CHECK(fx, "running_mean_" + s, bn.running_mean().data(), bn.running_mean().size(),
                 kAtol, kRtol);
    GOLDEN_CHECK(fx, "running_var_" + s, bn.running_var().data(), bn.running_var().size(),
                 kAtol, kRtol);
  }
}

TEST_CASE("batch_norm2d eval forward and backward after three train steps match PyTorch",
          "[golden][batch_norm2d]") {
  golden::Fixture fx("batch_norm2d_running_eval");
  BatchNorm2d bn(int(fx.tensor("gamma").size()), options_of(fx));
  golden::load_param(bn.params(), "gamma", fx, "gamma");
  golden::load_param(bn.params(), "beta", fx, "beta");
  for (int k = 1; k <= fx.integer("steps"); ++k) {
    const Tensor x = fx.to_tensor("x_" + std::to_string(k));
    bn.forward(x, Mode::Train);
  }
  bn.zero_grad();
  const Tensor x = fx.to_tensor("x_eval");
  GOLDEN_CHECK_TENSOR(fx, "y_eval", bn.forward(x, Mode::Eval), kAtol, kRtol);
  GOLDEN_CHECK_TENSOR(fx, "dx_eval", bn.backward(fx.to_tensor("dy_eval")), kAtol, kRtol);
  const Param g = golden::find_param(bn.params(), "gamma");
  const Param b = golden::find_param(bn.params(), "beta");
  GOLDEN_CHECK(fx, "dgamma_eval", g.grad, g.size, kAtol, kRtol);
  GOLDEN_CHECK(fx, "dbeta_eval", b.grad, b.size, kAtol, kRtol);
}

}  // namespace
}  // namespace normlab
