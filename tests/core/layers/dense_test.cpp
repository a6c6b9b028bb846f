#include "core/layers/dense.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "core/error.hpp"
#include "reference/layers.hpp"
#include "support/check.hpp"
#include "support/gradcheck.hpp"

namespace normlab {
namespace {

namespace rl = ref::layers;

struct DenseCase {
  Shape x;
  int out;
  bool bias;
};

// Same reasoning as conv2d: float32 dot products of K terms stay far below 2e-5·Σ|terms|
// (the rounding bound grows with K, observed error is ~100× smaller), and any wrong index or
// transpose moves a value by a sizeable fraction of Σ|terms|.
constexpr double kRel = 2e-5;
constexpr double kAtol = 1e-6;

TEST_CASE("dense forward and backward match the double reference on odd shapes",
          "[layers][dense]") {
  const std::vector<DenseCase> cases = {
      {Shape{1, 1, 1, 1}, 1, true},    {Shape{3, 30, 1, 1}, 7, true},
      {Shape{3, 2, 3, 5}, 7, true},     // implicitly flattened (N,C,H,W)
      {Shape{2, 1, 28, 28}, 10, true},  // MNIST pixels straight in
      {Shape{5, 17, 1, 1}, 33, false}, {Shape{2, 64, 3, 3}, 9, true},
  };
  for (const DenseCase& c : cases) {
    const int in = int(c.x.sample_size());
    INFO("x " << c.x.str() << " out " << c.out << (c.bias ? " bias" : " no bias"));
    Dense dense(in, c.out, c.bias);
    Rng rng(21);
    dense.init(rng);
    const Tensor x = test::random_tensor(c.x, 31);
    const rl::DTensor xd = rl::to_double(x);
    auto ps = dense.params();
    const std::vector<double> w = rl::to_double(ps[0].value, ps[0].size);
    const std::vector<double> b =
        c.bias ? rl::to_double(ps[1].value, ps[1].size) : std::vector<double>{};

    const Tensor& y = dense.forward(x, Mode::Train);
    REQUIRE(y.shape() == Shape{c.x.n, c.out, 1, 1});
    const rl::DTensor want = rl::dense_forward(xd, c.out, w, b);
    const rl::DTensor mag = rl::dense_forward(rl::abs_of(xd), c.out, rl::abs_of(w), rl::abs_of(b));
    REQUIRE(rl::scaled_mismatch(y.data(), want.v, mag.v, kRel, kAtol) == "");

    const Tensor dy = test::random_tensor(y.shape(), 41);
    const rl::DTensor dyd = rl::to_double(dy);
    dense.zero_grad();
    const Tensor& dx = dense.backward(dy);
    REQUIRE(dx.shape() == c.x);
    const rl::DenseGrads g = rl::dense_backward(xd, c.out, w, dyd);
    const rl::DenseGrads gm =
        rl::dense_backward(rl::abs_of(xd), c.out, rl::abs_of(w), rl::abs_of(dyd));
    INFO("dx");
    REQUIRE(rl::scaled_mismatch(dx.data(), g.dx.v, gm.dx.v, kRel, kAtol) == "");
    INFO("dweight");
    REQUIRE(rl::scaled_mismatch(ps[0].grad, g.dw, gm.dw, kRel, kAtol) == "");
    if (c.bias) {
      INFO("dbias");
      REQUIRE(rl::scaled_mismatch(ps[1].grad, g.db, gm.db, kRel, kAtol) == "");
    }
  }
}

TEST_CASE("dense reference backward matches central differences in double",
          "[layers][dense][reference]") {
  rl::DTensor x = rl::to_double(test::random_tensor(Shape{3, 2, 2, 3}, 1));
  const int out = 5;
  Tensor wf = test::random_tensor(Shape{out, 12, 1, 1}, 2);
  std::vector<double> w = rl::to_double(wf.data(), wf.size());
  Tensor bf = test::random_tensor(Shape{out, 1, 1, 1}, 3);
  std::vector<double> b = rl::to_double(bf.data(), bf.size());
  const rl::DTensor gy = rl::to_double(test::random_tensor(Shape{3, out, 1, 1}, 4));
  auto loss = [&] { return rl::project(rl::dense_forward(x, out, w, b).v, gy.v); };
  const rl::DenseGrads g = rl::dense_backward(x, out, w, gy);
  // Linear in every coordinate: central differences are exact up to double rounding.
  const double eps = 1e-4, tol = 1e-9;
  std::vector<double> fd = rl::numeric_gradient(loss, x.v, eps);
  REQUIRE(test::mismatch(fd.data(), g.dx.v.data(), fd.size(), tol, tol) == "");
  fd = rl::numeric_gradient(loss, w, eps);
  REQUIRE(test::mismatch(fd.data(), g.dw.data(), fd.size(), tol, tol) == "");
  fd = rl::numeric_gradient(loss, b, eps);
  REQUIRE(test::mismatch(fd.data(), g.db.data(), fd.size(), tol, tol) == "");
}

TEST_CASE("dense gradients match finite differences of the float layer", "[layers][dense]") {
  Dense dense(24, 6);
  Rng rng(4);
  dense.init(rng);
  // Defaults of gradcheck.hpp: float32 rounding of y limits FD accuracy to ~1e-2 relative.
  test::check_gradients(dense, test::random_tensor(Shape{3, 4, 2, 3}, 5), 6);
  Dense no_bias(5, 3, false);
  test::check_gradients(no_bias, test::random_tensor(Shape{2, 5, 1, 1}, 7), 8);
}

TEST_CASE("dense backward assigns dx afresh on every call", "[layers][dense]") {
  Dense dense(12, 5);
  const Tensor x = test::random_tensor(Shape{3, 3, 2, 2}, 1);
  const Tensor dy = test::random_tensor(Shape{3, 5, 1, 1}, 2);
  dense.forward(x, Mode::Train);
  const Tensor& dx = dense.backward(dy);
  const std::vector<float> first(dx.data(), dx.data() + dx.size());
  dense.forward(x, Mode::Train);
  REQUIRE_CLOSE(dense.backward(dy).data(), first.data(), first.size(), 0.0, 0.0);
}

TEST_CASE("dense exposes PyTorch Linear parameters initialized in ±1/sqrt(in)", "[layers][dense]") {
  Dense dense(50, 10);
  auto ps = dense.params();
  REQUIRE(ps.size() == 2);
  CHECK(ps[0].name == "weight");
  CHECK(ps[0].shape == std::vector<int>{10, 50});
  CHECK(ps[0].decay);
  CHECK(ps[1].name == "bias");
  CHECK(ps[1].shape == std::vector<int>{10});
  CHECK_FALSE(ps[1].decay);
  Rng rng(9);
  dense.init(rng);
  const float bound = 1.0f / std::sqrt(50.0f);
  float lo = 1, hi = -1;
  for (std::size_t i = 0; i < ps[0].size; ++i) {
    lo = std::min(lo, ps[0].value[i]);
    hi = std::max(hi, ps[0].value[i]);
  }
  CHECK(lo >= -bound);
  CHECK(hi <= bound);
  // 500 uniform draws reach within 10% of both ends except with probability ~0.9^500.
  CHECK(lo < -0.9f * bound);
  CHECK(hi > 0.9f * bound);
  CHECK(Dense(7, 3, false).params().size() == 1);
}

TEST_CASE("dense forward_flops is 2·in·out", "[layers][dense]") {
  CHECK(Dense(784, 10).forward_flops(Shape{1, 1, 28, 28}) == 2.0 * 784 * 10);
}

TEST_CASE("dense rejects bad arguments and inputs with messages naming them",
          "[layers][dense][errors]") {
  using Catch::Contains;
  REQUIRE_THROWS_AS(Dense(0, 3), ArgumentError);
  REQUIRE_THROWS_WITH(Dense(0, 3), Contains("dense: in_features must be positive, got 0"));
  REQUIRE_THROWS_WITH(Dense(3, -2), Contains("dense: out_features must be positive, got -2"));
  Dense dense(50, 4);
  REQUIRE_THROWS_WITH(dense.backward(Tensor(Shape{2, 4, 1, 1})),
                      Contains("dense: backward called before forward"));
  REQUIRE_THROWS_WITH(dense.forward(Tensor(Shape{2, 3, 4, 4}), Mode::Train),
                      Contains("dense: input (2,3,4,4) has C·H·W = 48 features, expected "
                               "in_features = 50"));
  REQUIRE_THROWS_WITH(dense.forward(Tensor(Shape{0, 50, 1, 1}), Mode::Train),
                      Contains("dense: empty batch"));
  dense.forward(Tensor(Shape{2, 50, 1, 1}, 1.0f), Mode::Train);
  REQUIRE_THROWS_WITH(dense.backward(Tensor(Shape{2, 5, 1, 1})),
                      Contains("dense: dy has shape (2,5,1,1), expected (2,4,1,1)"));
}

TEST_CASE("dense backward_params adds backward's parameter gradients and writes no dx",
          "[layers][dense]") {
  Dense a(12, 5), b(12, 5);
  Rng ra(5), rb(5);
  a.init(ra);
  b.init(rb);
  REQUIRE(a.params().size() == 2);
  test::check_backward_params(a, b, test::random_tensor(Shape{3, 3, 2, 2}, 1),
                              test::random_tensor(Shape{3, 5, 1, 1}, 2));
}

}  // namespace
}  // namespace normlab
