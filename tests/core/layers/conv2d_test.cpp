#include "core/layers/conv2d.hpp"

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

struct ConvCase {
  int n, in, out, kernel, stride, pad, groups, h, w;
  bool bias;
};

std::ostream& operator<<(std::ostream& os, const ConvCase& c) {
  return os << "n=" << c.n << " in=" << c.in << " out=" << c.out << " k=" << c.kernel
            << " stride=" << c.stride << " pad=" << c.pad << " groups=" << c.groups << " " << c.h
            << "x" << c.w << (c.bias ? " bias" : " no bias");
}

// Odd shapes covering every path: im2col+gemm, pointwise (x is its own column matrix),
// depthwise kernels, grouped convs that are neither, the one-input-channel kernels.
const std::vector<ConvCase> kCases = {
    {1, 3, 4, 3, 1, 1, 1, 7, 5, true},      // 3×3 "same", H≠W
    {2, 4, 6, 3, 2, 1, 2, 9, 8, true},      // groups 2, stride 2
    {2, 6, 6, 3, 2, 1, 3, 8, 8, true},      // groups 3
    {3, 5, 5, 3, 1, 1, 5, 6, 11, true},     // depthwise
    {2, 4, 4, 5, 2, 2, 4, 9, 7, false},     // depthwise k5 s2 p2, no bias
    {1, 3, 6, 3, 1, 0, 3, 5, 6, true},      // groups == in but out = 2·in: general path
    {2, 8, 16, 1, 1, 0, 1, 5, 3, true},     // pointwise
    {2, 6, 4, 1, 1, 0, 2, 4, 7, true},      // pointwise, grouped
    {1, 4, 3, 1, 2, 0, 1, 7, 6, true},      // 1×1 stride 2: not pointwise
    {1, 4, 3, 1, 1, 1, 1, 3, 4, true},      // 1×1 pad 1: not pointwise
    {2, 2, 3, 7, 3, 2, 1, 13, 10, true},    // k7 s3 p2
    {3, 1, 8, 5, 1, 2, 1, 12, 9, true},     // first-layer shape, N=3: one-channel kernels
    {2, 1, 5, 3, 1, 1, 1, 6, 19, true},     // one channel, rows of 2⅜ AVX vectors: partial tiles
    {2, 1, 1, 3, 1, 0, 1, 5, 4, false},     // 1→1, pad 0
    {2, 1, 4, 3, 2, 1, 1, 7, 7, true},      // one channel, stride 2: lowered
    {1, 3, 2, 3, 3, 0, 1, 10, 11, false},   // stride 3 pad 0
    {2, 2, 2, 3, 1, 1, 1, 1, 1, true},      // 1×1 input, kernel covers padding
    {2, 16, 32, 3, 1, 1, 1, 14, 14, true},  // preset-like
    {1, 32, 16, 7, 1, 3, 1, 8, 9, true},    // long reduction: 32·49 terms
    // Winograd (3×3, stride 1, ungrouped, in and out ≥ 4): odd planes, clipped tiles, pad 0.
    // Pad 2, whose corner outputs round on a larger scale than the direct sum, is covered
    // with its own bound by tests/core/kernels/winograd_test.cpp.
    {3, 5, 7, 3, 1, 1, 1, 9, 6, true},
    {2, 6, 4, 3, 1, 0, 1, 7, 8, false},     // pad 0
    {2, 4, 3, 3, 1, 1, 1, 5, 5, true},      // out < 4: lowered
};

std::vector<double> param_values(Conv2d& conv, int i) {
  Param p = conv.params()[i];
  return rl::to_double(p.value, p.size);
}

// Float32 sums of K terms round by at most ~K·2⁻²⁴·Σ|terms| (sequential) and in practice far
// less (observed ≤ 5e-7·Σ|terms| here, K ≤ 1568); 2e-5·Σ|terms| leaves a 40× margin, while an
// indexing bug moves values by a sizeable fraction of Σ|terms|.
constexpr double kRel = 2e-5;
constexpr double kAtol = 1e-6;  // outputs whose terms all vanish

TEST_CASE("conv2d forward and backward match the double reference on odd shapes",
          "[layers][conv2d]") {
  for (const ConvCase& c : kCases)
  for (ConvAlgorithm algorithm : {ConvAlgorithm::Auto, ConvAlgorithm::Lowered}) {
    INFO(c << (algorithm == ConvAlgorithm::Auto ? ", auto" : ", lowered"));
    Conv2d conv(c.in, c.out, c.kernel,
                Conv2dOptions{c.stride, c.pad, c.groups, c.bias, algorithm});
    Rng rng(11);
    conv.init(rng);
    const rl::ConvSpec spec{c.in, c.out, c.kernel, c.stride, c.pad, c.groups};
    const Tensor x = test::random_tensor(Shape{c.n, c.in, c.h, c.w}, 100 + c.in);
    const rl::DTensor xd = rl::to_double(x);
    const std::vector<double> w = param_values(conv, 0);
    const std::vector<double> b = c.bias ? param_values(conv, 1) : std::vector<double>{};

    const Tensor& y = conv.forward(x, Mode::Train);
    const rl::DTensor want = rl::conv2d_forward(xd, spec, w, b);
    REQUIRE(y.shape() == want.shape);
    const rl::DTensor mag = rl::conv2d_forward(rl::abs_of(xd), spec, rl::abs_of(w), rl::abs_of(b));
    REQUIRE(rl::scaled_mismatch(y.data(), want.v, mag.v, kRel, kAtol) == "");

    const Tensor dy = test::random_tensor(y.shape(), 200 + c.out);
    const rl::DTensor dyd = rl::to_double(dy);
    conv.zero_grad();
    const Tensor& dx = conv.backward(dy);
    REQUIRE(dx.shape() == x.shape());
    const rl::ConvGrads g = rl::conv2d_backward(xd, spec, w, dyd);
    const rl::ConvGrads gm =
        rl::conv2d_backward(rl::abs_of(xd), spec, rl::abs_of(w), rl::abs_of(dyd));
    INFO("dx");
    REQUIRE(rl::scaled_mismatch(dx.data(), g.dx.v, gm.dx.v, kRel, kAtol) == "");
    INFO("dweight");
    REQUIRE(rl::scaled_mismatch(conv.params()[0].grad, g.dw, gm.dw, kRel, kAtol) == "");
    if (c.bias) {
      INFO("dbias");
      REQUIRE(rl::scaled_mismatch(conv.params()[1].grad, g.db, gm.db, kRel, kAtol) == "");
    }
  }
}

TEST_CASE("conv2d reference backward matches central differences in double",
          "[layers][conv2d][reference]") {
  // Small cases: FD costs two reference forwards per coordinate.
  const std::vector<ConvCase> cases = {{2, 4, 6, 3, 2, 1, 2, 5, 4, true},
                                       {1, 3, 3, 3, 1, 2, 3, 4, 3, true},
                                       {1, 2, 3, 5, 3, 1, 1, 7, 6, true}};
  for (const ConvCase& c : cases) {
    INFO(c);
    const rl::ConvSpec spec{c.in, c.out, c.kernel, c.stride, c.pad, c.groups};
    rl::DTensor x = rl::to_double(test::random_tensor(Shape{c.n, c.in, c.h, c.w}, 1));
    Tensor wf = test::random_tensor(Shape{c.out, c.in / c.groups, c.kernel, c.kernel}, 2);
    std::vector<double> w = rl::to_double(wf.data(), wf.size());
    Tensor bf = test::random_tensor(Shape{c.out, 1, 1, 1}, 3);
    std::vector<double> b = rl::to_double(bf.data(), bf.size());
    const rl::DTensor gy =
        rl::to_double(test::random_tensor(rl::conv2d_output_shape(x.shape, spec), 4));
    auto loss = [&] { return rl::project(rl::conv2d_forward(x, spec, w, b).v, gy.v); };
    const rl::ConvGrads g = rl::conv2d_backward(x, spec, w, gy);
    // The loss is linear in each coordinate, so central differences are exact up to
    // double rounding (~1e-16·|L|/eps ≈ 1e-12).
    const double eps = 1e-4, tol = 1e-9;
    std::vector<double> fd = rl::numeric_gradient(loss, x.v, eps);
    REQUIRE(test::mismatch(fd.data(), g.dx.v.data(), fd.size(), tol, tol) == "");
    fd = rl::numeric_gradient(loss, w, eps);
    REQUIRE(test::mismatch(fd.data(), g.dw.data(), fd.size(), tol, tol) == "");
    fd = rl::numeric_gradient(loss, b, eps);
    REQUIRE(test::mismatch(fd.data(), g.db.data(), fd.size(), tol, tol) == "");
  }
}

TEST_CASE("conv2d gradients match finite differences of the float layer", "[layers][conv2d]") {
  const std::vector<ConvCase> cases = {{2, 4, 6, 3, 2, 1, 2, 6, 5, true},
                                       {2, 3, 3, 3, 1, 1, 3, 5, 4, true},
                                       {1, 4, 6, 1, 1, 0, 2, 3, 5, true},
                                       {1, 2, 3, 5, 3, 2, 1, 8, 7, false},
                                       {2, 1, 5, 3, 1, 1, 1, 4, 17, true}};  // one channel
  for (const ConvCase& c : cases) {
    INFO(c);
    Conv2d conv(c.in, c.out, c.kernel, Conv2dOptions{c.stride, c.pad, c.groups, c.bias});
    Rng rng(5);
    conv.init(rng);
    // Defaults of gradcheck.hpp: float32 rounding of y limits the FD accuracy to ~1e-2 rel.
    test::check_gradients(conv, test::random_tensor(Shape{c.n, c.in, c.h, c.w}, 9), 17);
  }
}

TEST_CASE("conv2d exposes PyTorch-shaped parameters initialized in ±1/sqrt(fan_in)",
          "[layers][conv2d]") {
  Conv2d conv(8, 12, 3, Conv2dOptions{1, 1, 4, true});
  auto ps = conv.params();
  REQUIRE(ps.size() == 2);
  CHECK(ps[0].name == "weight");
  CHECK(ps[0].shape == std::vector<int>{12, 2, 3, 3});
  CHECK(ps[0].size == 12u * 2 * 3 * 3);
  CHECK(ps[0].decay);
  CHECK(ps[1].name == "bias");
  CHECK(ps[1].shape == std::vector<int>{12});
  CHECK_FALSE(ps[1].decay);
  CHECK(conv.param_count() == 12u * 2 * 9 + 12);

  Rng rng(3);
  conv.init(rng);
  const float bound = 1.0f / std::sqrt(2.0f * 9.0f);  // fan_in = in/groups·k·k = 18
  for (auto& p : conv.params()) {
    float lo = 1, hi = -1;
    for (std::size_t i = 0; i < p.size; ++i) {
      lo = std::min(lo, p.value[i]);
      hi = std::max(hi, p.value[i]);
    }
    INFO(p.name << " in [" << lo << ", " << hi << "], bound " << bound);
    CHECK(lo >= -bound);
    CHECK(hi <= bound);
    // 216 uniform draws reach within 10% of both ends except with tiny probability (0.9^216).
    if (p.size > 100) {
      CHECK(lo < -0.9f * bound);
      CHECK(hi > 0.9f * bound);
    }
  }

  // Same seed, same values.
  Conv2d other(8, 12, 3, Conv2dOptions{1, 1, 4, true});
  Rng rng2(3);
  other.init(rng2);
  REQUIRE_CLOSE(other.params()[0].value, conv.params()[0].value, ps[0].size, 0.0, 0.0);

  Conv2d no_bias(3, 4, 1, Conv2dOptions{1, 0, 1, false});
  REQUIRE(no_bias.params().size() == 1);
}

TEST_CASE("conv2d forward_flops is twice the multiply-adds of one sample", "[layers][conv2d]") {
  // 2·out·(in/groups)·k·k·oh·ow: 28×28 "same" 3×3 conv 1→8 = 2·8·1·9·784.
  CHECK(Conv2d(1, 8, 3, Conv2dOptions{1, 1}).forward_flops(Shape{1, 1, 28, 28}) ==
        2.0 * 8 * 9 * 784);
  // Grouped, strided: 8→16 groups 4, k3 s2 p1 on 14×14 → 7×7.
  CHECK(Conv2d(8, 16, 3, Conv2dOptions{2, 1, 4}).forward_flops(Shape{5, 8, 14, 14}) ==
        2.0 * 16 * 2 * 9 * 49);
}

TEST_CASE("conv2d output shape follows floor((H + 2·pad − k)/stride) + 1", "[layers][conv2d]") {
  CHECK(Conv2d(3, 5, 3, Conv2dOptions{2, 1}).output_shape(Shape{2, 3, 28, 27}) ==
        Shape{2, 5, 14, 14});
  CHECK(Conv2d(3, 5, 7, Conv2dOptions{3, 0}).output_shape(Shape{1, 3, 7, 12}) == Shape{1, 5, 1, 2});
}

TEST_CASE("conv2d backward assigns dx afresh on every call", "[layers][conv2d]") {
  // dx is assigned (layer.hpp), so stale values from a previous step must not leak in.
  for (const ConvCase& c :
       {ConvCase{2, 4, 6, 3, 2, 1, 2, 7, 6, true}, ConvCase{1, 3, 3, 3, 1, 1, 3, 5, 5, true},
        ConvCase{2, 4, 2, 1, 1, 0, 1, 3, 4, true}}) {
    INFO(c);
    Conv2d conv(c.in, c.out, c.kernel, Conv2dOptions{c.stride, c.pad, c.groups, c.bias});
    const Tensor x = test::random_tensor(Shape{c.n, c.in, c.h, c.w}, 1);
    const Tensor dy = test::random_tensor(conv.output_shape(x.shape()), 2);
    conv.forward(x, Mode::Train);
    const Tensor& dx = conv.backward(dy);
    const std::vector<float> first(dx.data(), dx.data() + dx.size());
    conv.forward(x, Mode::Train);
    REQUIRE_CLOSE(conv.backward(dy).data(), first.data(), first.size(), 0.0, 0.0);
  }
}

TEST_CASE("conv2d reuses its output buffer for a repeated shape", "[layers][conv2d]") {
  Conv2d conv(2, 3, 3, Conv2dOptions{1, 1});
  const Tensor x = test::random_tensor(Shape{2, 2, 6, 6}, 1);
  const float* first = conv.forward(x, Mode::Train).data();
  const float* second = conv.forward(x, Mode::Train).data();
  CHECK(first == second);
}

TEST_CASE("conv2d rejects bad constructor arguments with messages naming them",
          "[layers][conv2d][errors]") {
  using Catch::Contains;
  REQUIRE_THROWS_AS(Conv2d(0, 4, 3), ArgumentError);
  REQUIRE_THROWS_WITH(Conv2d(0, 4, 3), Contains("conv2d: in_channels must be positive, got 0"));
  REQUIRE_THROWS_WITH(Conv2d(3, -1, 3), Contains("out_channels must be positive, got -1"));
  REQUIRE_THROWS_WITH(Conv2d(3, 4, 0), Contains("kernel must be positive, got 0"));
  REQUIRE_THROWS_WITH(Conv2d(3, 4, 3, Conv2dOptions{0}),
                      Contains("stride must be positive, got 0"));
  REQUIRE_THROWS_WITH(Conv2d(3, 4, 3, Conv2dOptions{1, -1}),
                      Contains("pad must be non-negative, got -1"));
  REQUIRE_THROWS_WITH(Conv2d(3, 4, 3, Conv2dOptions{1, 0, 0}),
                      Contains("groups must be positive, got 0"));
  REQUIRE_THROWS_WITH(Conv2d(6, 4, 3, Conv2dOptions{1, 0, 4}),
                      Contains("groups=4 must divide in_channels=6"));
  REQUIRE_THROWS_WITH(Conv2d(6, 4, 3, Conv2dOptions{1, 0, 3}),
                      Contains("groups=3 must divide out_channels=4"));
}

TEST_CASE("conv2d rejects bad inputs and misuse of backward with messages naming them",
          "[layers][conv2d][errors]") {
  using Catch::Contains;
  Conv2d conv(8, 4, 5, Conv2dOptions{1, 1});
  REQUIRE_THROWS_WITH(conv.backward(Tensor(Shape{1, 4, 4, 4})),
                      Contains("conv2d: backward called before forward"));
  REQUIRE_THROWS_WITH(conv.forward(Tensor(Shape{2, 3, 9, 9}), Mode::Train),
                      Contains("conv2d: input (2,3,9,9) has 3 channels, expected 8"));
  REQUIRE_THROWS_WITH(conv.forward(Tensor(Shape{0, 8, 9, 9}), Mode::Train),
                      Contains("conv2d: empty batch"));
  REQUIRE_THROWS_WITH(conv.forward(Tensor(Shape{1, 8, 2, 9}), Mode::Train),
                      Contains("conv2d: kernel 5 is larger than the padded input 4x11"));
  const Tensor x(Shape{2, 8, 6, 6}, 0.5f);
  const Tensor& y = conv.forward(x, Mode::Train);
  REQUIRE(y.shape() == Shape{2, 4, 4, 4});
  REQUIRE_THROWS_WITH(conv.backward(Tensor(Shape{2, 4, 4, 5})),
                      Contains("conv2d: dy has shape (2,4,4,5), expected (2,4,4,4)"));
  // A forward that throws leaves nothing stale for backward.
  REQUIRE_THROWS(conv.forward(Tensor(Shape{2, 3, 6, 6}), Mode::Train));
  REQUIRE_THROWS_WITH(conv.backward(Tensor(Shape{2, 4, 4, 4})),
                      Contains("backward called before forward"));
}

TEST_CASE("conv2d backward_params adds backward's parameter gradients and writes no dx",
          "[layers][conv2d]") {
  // One-channel, Winograd (3×3 stride 1, ≥ 4 channels each side), pointwise and grouped paths.
  for (const ConvCase& c :
       {ConvCase{2, 1, 3, 3, 1, 1, 1, 6, 16, true}, ConvCase{2, 4, 6, 3, 1, 1, 1, 8, 8, true},
        ConvCase{3, 4, 2, 1, 1, 0, 1, 3, 4, false}, ConvCase{2, 4, 6, 3, 2, 1, 2, 7, 6, true}}) {
    INFO(c);
    const Conv2dOptions o{c.stride, c.pad, c.groups, c.bias};
    Conv2d a(c.in, c.out, c.kernel, o), b(c.in, c.out, c.kernel, o);
    Rng ra(5), rb(5);
    a.init(ra);
    b.init(rb);
    const Tensor x = test::random_tensor(Shape{c.n, c.in, c.h, c.w}, 1);
    test::check_backward_params(a, b, x, test::random_tensor(a.output_shape(x.shape()), 2));
  }
}

}  // namespace
}  // namespace normlab
