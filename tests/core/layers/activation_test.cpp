#include "core/layers/activation.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <functional>
#include <iterator>
#include <limits>
#include <memory>
#include <vector>

#include "core/error.hpp"
#include "reference/layers.hpp"
#include "support/check.hpp"
#include "support/gradcheck.hpp"

namespace normlab {
namespace {

namespace rl = ref::layers;

struct ActivationCase {
  std::function<LayerPtr()> make;
  std::string kind;
  std::function<double(double)> f, df;
};

std::vector<ActivationCase> cases() {
  return {
      {[] { return std::make_unique<Relu>(); }, "relu", rl::relu, rl::relu_grad},
      {[] { return std::make_unique<LeakyRelu>(0.2f); }, "leaky_relu",
       [](double x) { return rl::leaky_relu(x, double(0.2f)); },
       [](double x) { return rl::leaky_relu_grad(x, double(0.2f)); }},
      {[] { return std::make_unique<Gelu>(); }, "gelu", rl::gelu_tanh, rl::gelu_tanh_grad},
      {[] { return std::make_unique<Silu>(); }, "silu", rl::silu, rl::silu_grad},
      {[] { return std::make_unique<Sigmoid>(); }, "sigmoid", rl::sigmoid, rl::sigmoid_grad},
  };
}

// Spans the saturated tails and zero; an odd size exercises the SIMD tail.
Tensor wide_input() {
  Tensor x = test::random_tensor(Shape{3, 5, 7, 3}, 77, -8.0f, 8.0f);
  const float special[] = {0.0f, -0.0f, 30.0f, -30.0f, 88.0f, -88.0f, 1e-6f, -1e-6f};
  for (std::size_t i = 0; i < std::size(special); ++i) x[i * 31] = special[i];
  return x;
}

TEST_CASE("activations match their double definitions forward and backward",
          "[layers][activation]") {
  const Tensor x = wide_input();
  const Tensor dy = test::random_tensor(x.shape(), 78);
  for (const ActivationCase& c : cases()) {
    INFO(c.kind);
    LayerPtr layer = c.make();
    CHECK(layer->kind() == c.kind);
    CHECK(layer->params().empty());
    CHECK(layer->forward_flops(x.shape()) == 0.0);
    const Tensor& y = layer->forward(x, Mode::Train);
    REQUIRE(y.shape() == x.shape());
    std::vector<double> want(x.size()), dwant(x.size());
    for (std::size_t i = 0; i < x.size(); ++i) {
      want[i] = c.f(x[i]);
      dwant[i] = double(dy[i]) * c.df(x[i]);
    }
    // Float32 exp/tanh are good to a few ulps; SIMD polynomial versions to ~1e-6 relative.
    // 1e-5 relative + 1e-6 absolute (for outputs near 0) is above both and far below any
    // formula mistake (e.g. erf-GELU vs tanh-GELU differ by up to 5e-4).
    REQUIRE_CLOSE(y.data(), want.data(), want.size(), 1e-6, 1e-5);
    const Tensor& dx = layer->backward(dy);
    REQUIRE(dx.shape() == x.shape());
    REQUIRE_CLOSE(dx.data(), dwant.data(), dwant.size(), 1e-6, 1e-5);
  }
}

TEST_CASE("activation gradients match finite differences of the float layers",
          "[layers][activation]") {
  // Keep |x| ≥ 0.1 so the ±eps probes never straddle the ReLU kink at 0.
  Tensor x = test::random_tensor(Shape{2, 3, 4, 5}, 5, -3.0f, 3.0f);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] += x[i] >= 0 ? 0.1f : -0.1f;
  for (const ActivationCase& c : cases()) {
    INFO(c.kind);
    LayerPtr layer = c.make();
    // gradcheck.hpp defaults: float32 rounding of y limits FD accuracy to ~1e-2 relative.
    test::check_gradients(*layer, x, 9);
  }
}

TEST_CASE("activation backward reads the last forward, not the current input contents",
          "[layers][activation]") {
  // Sigmoid's gradient comes from its stored output: y·(1−y) at x = 0 is 1/4.
  Sigmoid s;
  const Tensor x(Shape{1, 4, 1, 1}, 0.0f);
  s.forward(x, Mode::Eval);
  const Tensor& dx = s.backward(Tensor(Shape{1, 4, 1, 1}, 2.0f));
  for (std::size_t i = 0; i < dx.size(); ++i) CHECK(dx[i] == Approx(0.5f));
}

TEST_CASE("activations reject bad arguments, empty batches and misuse of backward",
          "[layers][activation][errors]") {
  using Catch::Contains;
  REQUIRE_THROWS_AS(LeakyRelu(std::numeric_limits<float>::quiet_NaN()), ArgumentError);
  REQUIRE_THROWS_WITH(LeakyRelu(std::numeric_limits<float>::quiet_NaN()),
                      Contains("leaky_relu: slope must be finite, got nan"));
  REQUIRE_THROWS_WITH(LeakyRelu(std::numeric_limits<float>::infinity()),
                      Contains("slope must be finite"));
  CHECK(LeakyRelu().slope() == 0.01f);
  for (const ActivationCase& c : cases()) {
    INFO(c.kind);
    LayerPtr layer = c.make();
    REQUIRE_THROWS_WITH(layer->backward(Tensor(Shape{1, 2, 1, 1})),
                        Contains(c.kind + ": backward called before forward"));
    REQUIRE_THROWS_WITH(layer->forward(Tensor(Shape{0, 2, 3, 3}), Mode::Train),
                        Contains(c.kind + ": empty batch"));
    layer->forward(Tensor(Shape{2, 3, 1, 1}), Mode::Train);
    REQUIRE_THROWS_WITH(layer->backward(Tensor(Shape{2, 3, 1, 2})),
                        Contains(c.kind + ": dy has shape (2,3,1,2), expected (2,3,1,1)"));
  }
}

}  // namespace
}  // namespace normlab
