// Activations against PyTorch (fixtures activation_*.txt from make_golden.py): ReLU,
// GELU(approximate='tanh'), SiLU, Sigmoid, LeakyReLU(0.01); forward and dx on x spread
// over about ±9, so the saturating tails are covered.
#include <catch2/catch.hpp>

#include "core/layers/activation.hpp"
#include "golden/golden.hpp"

namespace normlab {
namespace {

// float32 exp/tanh are good to a few ulp (≈2e-7 relative). In the tails y or dx come
// from differences like 1−σ(x) that lose relative precision but stay tiny in absolute
// terms, hence the floor 1e-6.
constexpr double kRtol = 1e-5;
constexpr double kAtol = 1e-6;

void check_activation(Layer& act, const std::string& name) {
  golden::Fixture fx(name);
  const Tensor x = fx.to_tensor("x");
  GOLDEN_CHECK_TENSOR(fx, "y", act.forward(x, Mode::Train), kAtol, kRtol);
  GOLDEN_CHECK_TENSOR(fx, "dx", act.backward(fx.to_tensor("dy")), kAtol, kRtol);
}

TEST_CASE("relu matches PyTorch forward and backward", "[golden][activation]") {
  Relu act;
  check_activation(act, "activation_relu");
}

TEST_CASE("gelu matches PyTorch GELU tanh approximation forward and backward",
          "[golden][activation]") {
  Gelu act;
  check_activation(act, "activation_gelu_tanh");
}

TEST_CASE("silu matches PyTorch forward and backward", "[golden][activation]") {
  Silu act;
  check_activation(act, "activation_silu");
}

TEST_CASE("sigmoid matches PyTorch forward and backward", "[golden][activation]") {
  Sigmoid act;
  check_activation(act, "activation_sigmoid");
}

TEST_CASE("leaky_relu 0.01 matches PyTorch forward and backward", "[golden][activation]") {
  golden::Fixture fx("activation_leaky_relu");
  LeakyRelu act(float(fx.scalar("slope")));
  check_activation(act, "activation_leaky_relu");
}

}  // namespace
}  // namespace normlab
