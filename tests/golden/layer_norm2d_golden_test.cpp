// LayerNorm2dChannels and LayerNorm2dSample against PyTorch's nn.LayerNorm in float64
// (fixtures layer_norm2d_*.txt from make_golden.py): per pixel across C (PyTorch: permute to
// NHWC, LayerNorm(C), permute back), with and without affine, and per sample across C×H×W
// (LayerNorm([C,H,W]) with elementwise affine); forward, dx, dgamma, dbeta.
#include <catch2/catch.hpp>

#include "core/layers/layer_norm2d.hpp"
#include "golden/golden.hpp"

namespace normlab {
namespace {

// Statistics over C = 5..6 or C·H·W = 100 values, x̂ and the backward reductions rounded in
// float32: a few 1e-7 of the O(1) outputs; dx cancels, so near-0 entries need floor 1e-6.
constexpr double kRtol = 1e-5;
constexpr double kAtol = 1e-6;

void check_norm(Layer& norm, const golden::Fixture& fx, bool affine) {
  if (affine) {
    golden::load_param(norm.params(), "gamma", fx, "gamma");
    golden::load_param(norm.params(), "beta", fx, "beta");
  } else {
    REQUIRE(norm.params().empty());
  }
  const Tensor x = fx.to_tensor("x");
  GOLDEN_CHECK_TENSOR(fx, "y", norm.forward(x, Mode::Train), kAtol, kRtol);
  norm.zero_grad();
  GOLDEN_CHECK_TENSOR(fx, "dx", norm.backward(fx.to_tensor("dy")), kAtol, kRtol);
  if (affine) {
    const Param g = golden::find_param(norm.params(), "gamma");
    const Param b = golden::find_param(norm.params(), "beta");
    GOLDEN_CHECK(fx, "dgamma", g.grad, g.size, kAtol, kRtol);
    GOLDEN_CHECK(fx, "dbeta", b.grad, b.size, kAtol, kRtol);
  }
}

TEST_CASE("layer_norm2d over channels matches PyTorch LayerNorm(C) on NHWC",
          "[golden][layer_norm2d]") {
  const std::string name =
      GENERATE(as<std::string>{}, "layer_norm2d_channels", "layer_norm2d_channels_noaffine");
  golden::Fixture fx(name);
  const bool affine = fx.integer("affine") != 0;
  LayerNorm2dChannels norm(fx.tensor("x").shape().c, float(fx.scalar("eps")), affine);
  check_norm(norm, fx, affine);
}

TEST_CASE("layer_norm2d over C×H×W matches PyTorch LayerNorm([C,H,W])",
          "[golden][layer_norm2d]") {
  golden::Fixture fx("layer_norm2d_sample");
  const Shape s = fx.tensor("x").shape();
  LayerNorm2dSample norm(s.c, s.h, s.w, float(fx.scalar("eps")));
  check_norm(norm, fx, true);
}

}  // namespace
}  // namespace normlab
