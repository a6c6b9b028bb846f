#include "core/layers/squeeze_excite.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "reference/layers.hpp"
#include "support/check.hpp"
#include "support/gradcheck.hpp"

namespace normlab {
namespace {

namespace rl = ref::layers;

rl::SeParams params_of(SqueezeExcite& se) {
  auto ps = se.params();
  REQUIRE(ps.size() == 4);
  auto d = [](const Param& p) { return rl::to_double(p.value, p.size); };
  return rl::SeParams{d(ps[0]), d(ps[1]), d(ps[2]), d(ps[3])};
}

TEST_CASE("squeeze_excite forward and backward match the double reference",
          "[layers][squeeze_excite]") {
  for (Shape s : {Shape{1, 4, 1, 1}, Shape{2, 8, 5, 7}, Shape{3, 6, 9, 4}, Shape{2, 16, 7, 7}}) {
    const int reduced = s.c / 4 + 1;
    INFO("x " << s.str() << " reduced " << reduced);
    SqueezeExcite se(s.c, reduced);
    Rng rng(1);
    se.init(rng);
    const rl::SeParams p = params_of(se);
    const Tensor x = test::random_tensor(s, 2, -2.0f, 2.0f);
    const rl::DTensor xd = rl::to_double(x);
    const Tensor& y = se.forward(x, Mode::Train);
    REQUIRE(y.shape() == s);
    const rl::SeForward want = rl::squeeze_excite_forward(xd, p);
    // y = x·gate with gate ∈ (0,1) computed through two tiny dense layers, pooling and
    // float exp: a few ulps of |x| ≤ 2; 1e-5 absolute + 1e-5 relative covers it.
    REQUIRE_CLOSE(y.data(), want.y.v.data(), want.y.size(), 1e-5, 1e-5);
    REQUIRE_CLOSE(se.gate().data(), want.gate.v.data(), want.gate.size(), 1e-6, 1e-5);

    const Tensor dy = test::random_tensor(s, 3);
    se.zero_grad();
    const Tensor& dx = se.backward(dy);
    REQUIRE(dx.shape() == s);
    const rl::SeGrads g = rl::squeeze_excite_backward(xd, p, rl::to_double(dy));
    // Gate gradients are plane-long float dot products (≤ 49 terms of size ≤ 2) passed
    // through the small layers: 1e-5 relative, 1e-5 absolute.
    REQUIRE_CLOSE(dx.data(), g.dx.v.data(), g.dx.size(), 1e-5, 1e-5);
    auto ps = se.params();
    const std::vector<double>* dwant[] = {&g.dp.reduce_w, &g.dp.reduce_b, &g.dp.expand_w,
                                          &g.dp.expand_b};
    for (int i = 0; i < 4; ++i) {
      INFO(ps[i].name);
      REQUIRE(ps[i].size == dwant[i]->size());
      REQUIRE_CLOSE(ps[i].grad, dwant[i]->data(), ps[i].size, 1e-5, 1e-5);
    }
  }
}

TEST_CASE("squeeze_excite reference backward matches central differences in double",
          "[layers][squeeze_excite][reference]") {
  rl::DTensor x = rl::to_double(test::random_tensor(Shape{2, 6, 3, 4}, 5, -2.0f, 2.0f));
  auto rnd = [](int n, uint64_t seed) {
    Tensor t = test::random_tensor(Shape{n, 1, 1, 1}, seed);
    return rl::to_double(t.data(), t.size());
  };
  rl::SeParams p{rnd(6 * 3, 6), rnd(3, 7), rnd(3 * 6, 8), rnd(6, 9)};
  const rl::DTensor g = rl::to_double(test::random_tensor(x.shape, 10));
  auto loss = [&] { return rl::project(rl::squeeze_excite_forward(x, p).y.v, g.v); };
  const rl::SeGrads grads = rl::squeeze_excite_backward(x, p, g);
  // Smooth function: central-difference truncation error is O(eps²·f''') ≈ 1e-10 at eps 1e-5,
  // rounding ≈ 1e-16·|L|/eps ≈ 1e-10; 1e-8 bounds both.
  const double eps = 1e-5, tol = 1e-8;
  std::vector<double> fd = rl::numeric_gradient(loss, x.v, eps);
  REQUIRE(test::mismatch(fd.data(), grads.dx.v.data(), fd.size(), tol, tol) == "");
  std::vector<double>* params[] = {&p.reduce_w, &p.reduce_b, &p.expand_w, &p.expand_b};
  const std::vector<double>* want[] = {&grads.dp.reduce_w, &grads.dp.reduce_b, &grads.dp.expand_w,
                                       &grads.dp.expand_b};
  for (int i = 0; i < 4; ++i) {
    INFO("parameter " << i);
    fd = rl::numeric_gradient(loss, *params[i], eps);
    REQUIRE(test::mismatch(fd.data(), want[i]->data(), fd.size(), tol, tol) == "");
  }
}

TEST_CASE("squeeze_excite gradients match finite differences of the float layer",
          "[layers][squeeze_excite]") {
  SqueezeExcite se(6, 3);
  Rng rng(2);
  se.init(rng);
  // gradcheck.hpp defaults: float32 rounding of y limits FD accuracy to ~1e-2 relative.
  test::check_gradients(se, test::random_tensor(Shape{2, 6, 4, 3}, 3), 4);
}

TEST_CASE("squeeze_excite backward assigns dx afresh on every call", "[layers][squeeze_excite]") {
  SqueezeExcite se(6, 2);
  const Tensor x = test::random_tensor(Shape{2, 6, 3, 3}, 1);
  const Tensor dy = test::random_tensor(x.shape(), 2);
  se.forward(x, Mode::Train);
  const Tensor& dx = se.backward(dy);
  const std::vector<float> first(dx.data(), dx.data() + dx.size());
  se.forward(x, Mode::Train);
  REQUIRE_CLOSE(se.backward(dy).data(), first.data(), first.size(), 0.0, 0.0);
}

TEST_CASE("squeeze_excite exposes its inner layers and prefixed parameters",
          "[layers][squeeze_excite]") {
  SqueezeExcite se(16, 4);
  CHECK(se.kind() == "squeeze_excite");
  std::vector<std::string> kinds;
  for (Layer* l : se.children()) kinds.push_back(l->kind());
  CHECK(kinds ==
        std::vector<std::string>{"global_avg_pool2d", "conv2d", "silu", "conv2d", "sigmoid"});
  auto ps = se.params();
  REQUIRE(ps.size() == 4);
  CHECK(ps[0].name == "reduce.weight");
  CHECK(ps[0].shape == std::vector<int>{4, 16, 1, 1});
  CHECK(ps[1].name == "reduce.bias");
  CHECK(ps[2].name == "expand.weight");
  CHECK(ps[2].shape == std::vector<int>{16, 4, 1, 1});
  CHECK(ps[3].name == "expand.bias");
  CHECK_FALSE(ps[3].decay);
  CHECK(se.param_count() == 4u * 16 + 4 + 16 * 4 + 16);
  // Two 1×1 convs at 1×1 resolution: 2·16·4 each.
  CHECK(se.forward_flops(Shape{1, 16, 14, 14}) == 2.0 * 2 * 16 * 4);
  // zero_grad reaches the inner convs through params().
  const Tensor x = test::random_tensor(Shape{2, 16, 3, 3}, 1);  // alive until backward (layer.hpp)
  se.forward(x, Mode::Train);
  se.backward(test::random_tensor(Shape{2, 16, 3, 3}, 2));
  se.zero_grad();
  for (auto& p : se.params())
    for (std::size_t i = 0; i < p.size; ++i) REQUIRE(p.grad[i] == 0.0f);
}

TEST_CASE("squeeze_excite rejects bad arguments and inputs with messages naming them",
          "[layers][squeeze_excite][errors]") {
  using Catch::Contains;
  REQUIRE_THROWS_AS(SqueezeExcite(0, 2), ArgumentError);
  REQUIRE_THROWS_WITH(SqueezeExcite(0, 2),
                      Contains("squeeze_excite: channels must be positive, got 0"));
  REQUIRE_THROWS_WITH(SqueezeExcite(8, 0),
                      Contains("squeeze_excite: reduced_channels must be positive, got 0"));
  SqueezeExcite se(8, 2);
  REQUIRE_THROWS_WITH(se.backward(Tensor(Shape{1, 8, 2, 2})),
                      Contains("squeeze_excite: backward called before forward"));
  REQUIRE_THROWS_WITH(se.gate(), Contains("squeeze_excite: gate() called before forward"));
  REQUIRE_THROWS_WITH(se.forward(Tensor(Shape{2, 3, 4, 4}), Mode::Train),
                      Contains("squeeze_excite: input (2,3,4,4) has 3 channels, expected 8"));
  REQUIRE_THROWS_WITH(se.forward(Tensor(Shape{0, 8, 4, 4}), Mode::Train),
                      Contains("squeeze_excite: empty batch"));
  se.forward(Tensor(Shape{2, 8, 4, 4}), Mode::Train);
  REQUIRE_THROWS_WITH(se.backward(Tensor(Shape{2, 8, 4, 3})),
                      Contains("squeeze_excite: dy has shape (2,8,4,3), expected (2,8,4,4)"));
}

}  // namespace
}  // namespace normlab
