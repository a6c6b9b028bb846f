#include "core/layers/pool.hpp"

#include <catch2/catch.hpp>
#include <numeric>
#include <vector>

#include "core/error.hpp"
#include "reference/layers.hpp"
#include "support/check.hpp"
#include "support/gradcheck.hpp"

namespace normlab {
namespace {

namespace rl = ref::layers;

struct PoolCase {
  Shape x;
  int kernel, stride, pad;  // stride 0: the layer's default (= kernel)
};

std::ostream& operator<<(std::ostream& os, const PoolCase& c) {
  return os << c.x.str() << " k=" << c.kernel << " stride=" << c.stride << " pad=" << c.pad;
}

const std::vector<PoolCase> kCases = {
    {Shape{1, 2, 7, 5}, 2, 2, 0},  {Shape{2, 3, 8, 9}, 3, 2, 1}, {Shape{3, 1, 6, 11}, 3, 1, 1},
    {Shape{2, 2, 10, 7}, 3, 3, 0}, {Shape{1, 4, 5, 5}, 2, 1, 1}, {Shape{2, 3, 9, 12}, 5, 2, 2},
    {Shape{1, 1, 1, 1}, 1, 1, 0},  {Shape{1, 2, 3, 2}, 2, 0, 0}, {Shape{2, 2, 28, 28}, 2, 0, 0},
    {Shape{1, 3, 2, 7}, 3, 2, 1},  // output rows whose windows are half padding
};

// Kernels above 16, whose argmax codes take two or four bytes; max pooling only (averages
// of that many values would need their own tolerance).
const std::vector<PoolCase> kWideKernelCases = {
    {Shape{1, 2, 20, 23}, 17, 3, 8},  // windows clipped by the padding on every side
    {Shape{1, 1, 258, 260}, 257, 1, 0},
};

rl::PoolSpec spec_of(const PoolCase& c) {
  return rl::PoolSpec{c.kernel, c.stride == 0 ? c.kernel : c.stride, c.pad};
}

TEST_CASE("max_pool2d forward and backward match the double reference on odd shapes",
          "[layers][pool]") {
  std::vector<PoolCase> cases = kCases;
  cases.insert(cases.end(), kWideKernelCases.begin(), kWideKernelCases.end());
  for (const PoolCase& c : cases) {
    INFO(c);
    MaxPool2d pool(c.kernel, c.stride, c.pad);
    const Tensor x = test::random_tensor(c.x, 3);
    const rl::DTensor xd = rl::to_double(x);
    const Tensor& y = pool.forward(x, Mode::Train);
    const rl::DTensor want = rl::max_pool2d_forward(xd, spec_of(c));
    REQUIRE(y.shape() == want.shape);
    // A maximum is a selection: exact.
    REQUIRE_CLOSE(y.data(), want.v.data(), want.size(), 0.0, 0.0);
    const Tensor dy = test::random_tensor(y.shape(), 4);
    const Tensor& dx = pool.backward(dy);
    REQUIRE(dx.shape() == c.x);
    const rl::DTensor dwant = rl::max_pool2d_backward(xd, spec_of(c), rl::to_double(dy));
    // Overlapping windows add a few dy values (|dy| ≤ 1; at most 36 with kernel 17, stride
    // 3) in float: 1e-6 covers the rounding.
    REQUIRE_CLOSE(dx.data(), dwant.v.data(), dwant.size(), 1e-6, 1e-6);
  }
}

TEST_CASE("avg_pool2d forward and backward match the double reference on odd shapes",
          "[layers][pool]") {
  for (const PoolCase& c : kCases) {
    INFO(c);
    AvgPool2d pool(c.kernel, c.stride, c.pad);
    const Tensor x = test::random_tensor(c.x, 5);
    const rl::DTensor xd = rl::to_double(x);
    const Tensor& y = pool.forward(x, Mode::Train);
    const rl::DTensor want = rl::avg_pool2d_forward(xd, spec_of(c));
    REQUIRE(y.shape() == want.shape);
    // Float mean of ≤ 25 values in [−1, 1]: rounding ≤ 25·2⁻²⁴ ≈ 1.5e-6; 1e-5 is above that.
    REQUIRE_CLOSE(y.data(), want.v.data(), want.size(), 1e-5, 1e-5);
    const Tensor dy = test::random_tensor(y.shape(), 6);
    const Tensor& dx = pool.backward(dy);
    REQUIRE(dx.shape() == c.x);
    const rl::DTensor dwant = rl::avg_pool2d_backward(c.x, spec_of(c), rl::to_double(dy));
    REQUIRE_CLOSE(dx.data(), dwant.v.data(), dwant.size(), 1e-5, 1e-5);
  }
}

TEST_CASE("global_avg_pool2d averages each plane and spreads the gradient evenly",
          "[layers][pool]") {
  for (Shape s : {Shape{1, 1, 1, 1}, Shape{2, 3, 5, 7}, Shape{3, 4, 28, 28}}) {
    INFO(s.str());
    GlobalAvgPool2d pool;
    const Tensor x = test::random_tensor(s, 7);
    const Tensor& y = pool.forward(x, Mode::Train);
    REQUIRE(y.shape() == Shape{s.n, s.c, 1, 1});
    const rl::DTensor want = rl::global_avg_pool_forward(rl::to_double(x));
    // Float mean of ≤ 784 values in [−1, 1], summed in blocks: 1e-5 absolute covers it.
    REQUIRE_CLOSE(y.data(), want.v.data(), want.size(), 1e-5, 1e-5);
    const Tensor dy = test::random_tensor(y.shape(), 8);
    const Tensor& dx = pool.backward(dy);
    REQUIRE(dx.shape() == s);
    const rl::DTensor dwant = rl::global_avg_pool_backward(s, rl::to_double(dy));
    REQUIRE_CLOSE(dx.data(), dwant.v.data(), dwant.size(), 1e-7, 1e-6);  // one division
  }
}

TEST_CASE("pool reference backwards match central differences in double",
          "[layers][pool][reference]") {
  // Distinct values 0.05 apart, so eps = 1e-4 never changes which pixel wins a max window.
  rl::DTensor x(Shape{2, 2, 5, 6});
  std::iota(x.v.begin(), x.v.end(), 0.0);
  Rng rng(3);
  rng.shuffle(x.v.begin(), x.v.end());
  for (double& v : x.v) v *= 0.05;
  const double eps = 1e-4, tol = 1e-9;  // piecewise linear: FD exact up to rounding
  for (rl::PoolSpec p : {rl::PoolSpec{3, 2, 1}, rl::PoolSpec{2, 1, 0}, rl::PoolSpec{3, 3, 1}}) {
    INFO("k=" << p.kernel << " stride=" << p.stride << " pad=" << p.pad);
    const rl::DTensor g = rl::to_double(test::random_tensor(rl::pool_output_shape(x.shape, p), 9));
    auto max_loss = [&] { return rl::project(rl::max_pool2d_forward(x, p).v, g.v); };
    std::vector<double> fd = rl::numeric_gradient(max_loss, x.v, eps);
    rl::DTensor dx = rl::max_pool2d_backward(x, p, g);
    REQUIRE(test::mismatch(fd.data(), dx.v.data(), fd.size(), tol, tol) == "");
    auto avg_loss = [&] { return rl::project(rl::avg_pool2d_forward(x, p).v, g.v); };
    fd = rl::numeric_gradient(avg_loss, x.v, eps);
    dx = rl::avg_pool2d_backward(x.shape, p, g);
    REQUIRE(test::mismatch(fd.data(), dx.v.data(), fd.size(), tol, tol) == "");
  }
  const rl::DTensor g = rl::to_double(test::random_tensor(Shape{2, 2, 1, 1}, 10));
  auto gap_loss = [&] { return rl::project(rl::global_avg_pool_forward(x).v, g.v); };
  std::vector<double> fd = rl::numeric_gradient(gap_loss, x.v, eps);
  rl::DTensor dx = rl::global_avg_pool_backward(x.shape, g);
  REQUIRE(test::mismatch(fd.data(), dx.v.data(), fd.size(), tol, tol) == "");
}

TEST_CASE("pool gradients match finite differences of the float layers", "[layers][pool]") {
  // Values 0.05 apart: the default eps = 1e-2 never swaps a max window's winner.
  Tensor x(Shape{2, 2, 5, 6});
  std::vector<int> order(x.size());
  std::iota(order.begin(), order.end(), 0);
  Rng rng(4);
  rng.shuffle(order.begin(), order.end());
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = 0.05f * float(order[i]) - 3.0f;
  // gradcheck.hpp defaults: float32 rounding limits FD accuracy to ~1e-2 relative.
  MaxPool2d max_pool(3, 2, 1);
  test::check_gradients(max_pool, x, 11);
  AvgPool2d avg_pool(3, 2, 1);
  test::check_gradients(avg_pool, x, 12);
  GlobalAvgPool2d gap;
  test::check_gradients(gap, x, 13);
}

TEST_CASE("pool layers report kinds, default stride and no flops", "[layers][pool]") {
  MaxPool2d max_pool(3);
  CHECK(max_pool.kind() == "max_pool2d");
  CHECK(max_pool.stride() == 3);
  CHECK(max_pool.output_shape(Shape{2, 4, 28, 28}) == Shape{2, 4, 9, 9});
  AvgPool2d avg_pool(2, 1, 1);
  CHECK(avg_pool.kind() == "avg_pool2d");
  CHECK(avg_pool.output_shape(Shape{1, 1, 5, 4}) == Shape{1, 1, 6, 5});
  CHECK(GlobalAvgPool2d().kind() == "global_avg_pool2d");
  CHECK(max_pool.forward_flops(Shape{1, 4, 28, 28}) == 0.0);
  CHECK(avg_pool.params().empty());
}

TEST_CASE("pool layers reject bad arguments and inputs with messages naming them",
          "[layers][pool][errors]") {
  using Catch::Contains;
  REQUIRE_THROWS_AS(MaxPool2d(0), ArgumentError);
  REQUIRE_THROWS_WITH(MaxPool2d(0), Contains("max_pool2d: kernel must be positive, got 0"));
  REQUIRE_THROWS_WITH(AvgPool2d(2, -1), Contains("avg_pool2d: stride must be non-negative"));
  REQUIRE_THROWS_WITH(MaxPool2d(2, 2, -1),
                      Contains("max_pool2d: pad must be non-negative, got -1"));
  REQUIRE_THROWS_WITH(MaxPool2d(3, 1, 2),
                      Contains("max_pool2d: pad must be at most kernel/2 = 1, got 2"));

  MaxPool2d pool(5, 1, 1);
  REQUIRE_THROWS_WITH(pool.backward(Tensor(Shape{1, 1, 1, 1})),
                      Contains("max_pool2d: backward called before forward"));
  REQUIRE_THROWS_WITH(pool.forward(Tensor(Shape{1, 2, 2, 8}), Mode::Train),
                      Contains("max_pool2d: kernel 5 is larger than the padded input 4x10"));
  REQUIRE_THROWS_WITH(pool.forward(Tensor(Shape{0, 2, 8, 8}), Mode::Train),
                      Contains("max_pool2d: empty batch"));
  pool.forward(Tensor(Shape{1, 2, 6, 6}), Mode::Train);
  REQUIRE_THROWS_WITH(pool.backward(Tensor(Shape{1, 2, 4, 3})),
                      Contains("max_pool2d: dy has shape (1,2,4,3), expected (1,2,4,4)"));

  AvgPool2d avg(3);
  REQUIRE_THROWS_WITH(avg.forward(Tensor(Shape{1, 1, 2, 2}), Mode::Train),
                      Contains("avg_pool2d: kernel 3 is larger than the padded input 2x2"));
  GlobalAvgPool2d gap;
  REQUIRE_THROWS_WITH(gap.backward(Tensor(Shape{1, 1, 1, 1})),
                      Contains("global_avg_pool2d: backward called before forward"));
  REQUIRE_THROWS_WITH(gap.forward(Tensor(Shape{0, 3, 2, 2}), Mode::Train),
                      Contains("global_avg_pool2d: empty batch"));
  gap.forward(Tensor(Shape{2, 3, 2, 2}), Mode::Train);
  REQUIRE_THROWS_WITH(gap.backward(Tensor(Shape{2, 3, 2, 2})),
                      Contains("global_avg_pool2d: dy has shape (2,3,2,2), expected (2,3,1,1)"));
}

}  // namespace
}  // namespace normlab
