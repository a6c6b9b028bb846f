// GroupNorm against the double reference (tests/reference/norms.hpp) in both modes for every
// group count dividing C, the reference against central differences in double, the float
// layer against the gradient check, and its two ends: G = C (InstanceNorm) and G = 1.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/layers/group_norm.hpp"
#include "core/layers/layer_norm2d.hpp"
#include "reference/norms.hpp"
#include "support/check.hpp"
#include "support/gradcheck.hpp"
#include "support/norm_cases.hpp"

namespace {

using namespace normlab;
using namespace normlab::test::norm_cases;
namespace rn = normlab::ref::norms;
using Catch::Matchers::Contains;
// N = 1..5, C ∈ {1,3,7,16}, H×W ∈ {1×1, 3×3, 5×5, 28×28, 1×3, 5×3}.
std::vector<int> divisors(int c) {
  std::vector<int> out;
  for (int g = 1; g <= c; ++g)
    if (c % g == 0) out.push_back(g);
  return out;
}

// Direct per-(n, channel range) normalization with gamma 1, beta 0: two loops in double.
Vec normalize_ranges(const Tensor& x, int channels_per_stat, double eps) {
  const Shape s = x.shape();
  const std::size_t len = std::size_t(channels_per_stat) * s.plane();
  Vec y(x.size());
  for (std::size_t start = 0; start < x.size(); start += len) {
    double mean = 0.0, var = 0.0;
    for (std::size_t i = start; i < start + len; ++i) mean += x[i] / double(len);
    for (std::size_t i = start; i < start + len; ++i) var += (x[i] - mean) * (x[i] - mean) / double(len);
    for (std::size_t i = start; i < start + len; ++i) y[i] = (x[i] - mean) / std::sqrt(var + eps);
  }
  return y;
}

}  // namespace

TEST_CASE("group_norm forward and backward match the double reference in both modes",
          "[layers][group_norm]") {
  uint64_t seed = 1;
  int checked = 0;
  for (Shape s : layer_shapes())
    for (int groups : divisors(s.c))
      for (Mode mode : {Mode::Train, Mode::Eval}) {
        INFO("input " << s.str() << " groups " << groups << (mode == Mode::Train ? " train" : " eval"));
        GroupNorm gn(groups, s.c);
        randomize_affine(gn, s.c, ++seed);
        check_against_reference(gn, rn::Spec{rn::Layout::Group, s, groups}, mode, 1e-5, seed + 1);
        seed += 2;  // x and dy
        REQUIRE(gn.stats().mean.size() == std::size_t(s.n) * groups);
        ++checked;
      }
  // 24 shapes per C, divisor counts 1 + 2 + 2 + 5, two modes.
  REQUIRE(checked == 24 * 10 * 2);
}

TEST_CASE("the group norm reference backward matches central differences in double",
          "[layers][group_norm][reference]") {
  uint64_t seed = 2000;
  for (auto [s, groups] : {std::pair{Shape{2, 4, 2, 2}, 2}, {Shape{1, 6, 1, 3}, 3},
                           {Shape{3, 2, 2, 1}, 2}, {Shape{2, 3, 1, 2}, 1}}) {
    INFO("input " << s.str() << " groups " << groups);
    check_reference_against_fd(rn::Spec{rn::Layout::Group, s, groups}, 1e-5, ++seed);
  }
}

TEST_CASE("group_norm passes the float gradient check in train and eval mode",
          "[layers][group_norm][gradcheck]") {
  uint64_t seed = 3000;
  for (auto [s, groups] : {std::pair{Shape{2, 4, 3, 3}, 2}, {Shape{1, 3, 2, 3}, 3},
                           {Shape{3, 6, 1, 1}, 1}, {Shape{2, 2, 2, 2}, 2}}) {
    for (Mode mode : {Mode::Train, Mode::Eval}) {
      INFO("input " << s.str() << " groups " << groups << (mode == Mode::Train ? " train" : " eval"));
      GroupNorm gn(groups, s.c);
      randomize_affine(gn, s.c, ++seed);
      test::GradCheckOptions o;
      o.mode = mode;
      const Tensor x = test::random_tensor(s, ++seed);
      test::check_gradients(gn, x, ++seed, o);
    }
  }
}

TEST_CASE("group_norm with groups == channels is instance norm", "[layers][group_norm]") {
  for (Shape s : {Shape{3, 4, 5, 5}, Shape{2, 7, 1, 9}, Shape{1, 16, 28, 28}}) {
    INFO("input " << s.str());
    GroupNorm instance(s.c, s.c);
    const Tensor x = test::random_tensor(s, 31, -2.0f, 6.0f);
    const Tensor& y = instance.forward(x, Mode::Train);
    Vec want = normalize_ranges(x, 1, 1e-5);
    REQUIRE(instance.stats().mean.size() == std::size_t(s.n) * s.c);  // one per (n, c)
    // O(1) outputs, a few float roundings.
    REQUIRE_CLOSE(y.data(), want.data(), y.size(), 1e-5, 1e-5);
  }
}

TEST_CASE("group_norm with one group normalizes over C×H×W like layer_norm2d_sample",
          "[layers][group_norm]") {
  for (Shape s : {Shape{3, 4, 5, 5}, Shape{2, 7, 1, 9}, Shape{1, 16, 28, 28}}) {
    INFO("input " << s.str());
    GroupNorm one(1, s.c);
    const Tensor x = test::random_tensor(s, 41, -2.0f, 6.0f);
    const Tensor dy = test::random_tensor(s, 42);
    Tensor y = one.forward(x, Mode::Train);
    Vec want = normalize_ranges(x, s.c, 1e-5);
    REQUIRE(one.stats().mean.size() == std::size_t(s.n));
    REQUIRE(one.values_per_statistic() == s.sample_size());
    REQUIRE_CLOSE(y.data(), want.data(), y.size(), 1e-5, 1e-5);  // O(1) outputs
    // With default affine the two layers compute the same function, by different kernels
    // (per-channel and per-element affine), so equal up to float rounding.
    LayerNorm2dSample ln(s.c, s.h, s.w);
    const Tensor& y_ln = ln.forward(x, Mode::Train);
    REQUIRE_CLOSE(y_ln.data(), y.data(), y.size(), 1e-6, 1e-6);
    Tensor dx = one.backward(dy);
    const Tensor& dx_ln = ln.backward(dy);
    REQUIRE_CLOSE(dx_ln.data(), dx.data(), dx.size(), 1e-6, 1e-6);
  }
}

TEST_CASE("group_norm describes its params and takes affine = false", "[layers][group_norm]") {
  GroupNorm gn(2, 6);
  REQUIRE(gn.kind() == "group_norm");
  REQUIRE(gn.groups() == 2);
  REQUIRE(gn.eps() == 1e-5f);
  auto params = gn.params();
  REQUIRE(params.size() == 2);
  REQUIRE(params[0].name == "gamma");
  REQUIRE(params[1].name == "beta");
  REQUIRE(params[0].shape == std::vector<int>{6});
  REQUIRE_FALSE(params[0].decay);
  REQUIRE_FALSE(params[1].decay);
  REQUIRE(params[0].value[5] == 1.0f);
  REQUIRE(params[1].value[5] == 0.0f);
  REQUIRE(gn.output_shape(Shape{2, 6, 3, 3}) == Shape{2, 6, 3, 3});

  GroupNorm plain(2, 6, 1e-5f, false);
  REQUIRE(plain.params().empty());
  const Shape s{2, 6, 3, 3};
  const Tensor x = test::random_tensor(s, 3);
  const Tensor dy = test::random_tensor(s, 4);
  Tensor y = gn.forward(x, Mode::Train);
  REQUIRE_CLOSE(plain.forward(x, Mode::Train).data(), y.data(), y.size(), 0.0, 0.0);
  Tensor dx = gn.backward(dy);
  REQUIRE_CLOSE(plain.backward(dy).data(), dx.data(), dx.size(), 0.0, 0.0);
}

TEST_CASE("group_norm rejects bad arguments with messages that name them",
          "[layers][group_norm]") {
  const float nan = std::nanf(""), inf = std::numeric_limits<float>::infinity();
  REQUIRE_THAT(argument_error([] { GroupNorm(0, 4); }),
               Contains("group_norm") && Contains("groups") && Contains("0"));
  REQUIRE_THAT(argument_error([] { GroupNorm(2, 0); }), Contains("channels") && Contains("0"));
  REQUIRE_THAT(argument_error([] { GroupNorm(3, 8); }),
               Contains("groups 3 does not divide channels 8"));
  REQUIRE_THAT(argument_error([] { GroupNorm(2, 4, 0.0f); }), Contains("eps"));
  REQUIRE_THAT(argument_error([=] { GroupNorm(2, 4, nan); }), Contains("eps") && Contains("nan"));
  REQUIRE_THAT(argument_error([=] { GroupNorm(2, 4, inf); }), Contains("eps"));

  GroupNorm gn(2, 8);
  REQUIRE_THAT(argument_error([&] { gn.forward(Tensor(Shape{2, 6, 4, 4}), Mode::Train); }),
               Contains("6 channels, expected 8") && Contains("(2,6,4,4)"));
  REQUIRE_THAT(argument_error([&] { gn.forward(Tensor(Shape{2, 8, 0, 4}), Mode::Train); }),
               Contains("empty"));
  REQUIRE_THAT(argument_error([&] { gn.backward(Tensor(Shape{2, 8, 4, 4})); }),
               Contains("before forward"));
  const Tensor x = test::random_tensor(Shape{2, 8, 4, 4}, 1);
  gn.forward(x, Mode::Train);
  REQUIRE_THAT(argument_error([&] { gn.backward(Tensor(Shape{1, 8, 4, 4})); }),
               Contains("dy") && Contains("(1,8,4,4)") && Contains("(2,8,4,4)"));
}
