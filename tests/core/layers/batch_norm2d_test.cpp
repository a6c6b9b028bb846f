// BatchNorm2d against the double reference (tests/reference/norms.hpp) in both modes, the
// reference itself against central differences in double, the float layer against the
// finite-difference gradient check, and PyTorch's running-statistics semantics by hand.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/layers/batch_norm2d.hpp"
#include "reference/norms.hpp"
#include "support/check.hpp"
#include "support/gradcheck.hpp"
#include "support/norm_cases.hpp"

namespace {

using namespace normlab;
using namespace normlab::test::norm_cases;
namespace rn = normlab::ref::norms;
using Catch::Matchers::Contains;

}  // namespace

TEST_CASE("batch_norm2d train forward and backward match the double reference",
          "[layers][batch_norm2d]") {
  int checked = 0;
  uint64_t seed = 1;
  for (Shape s : layer_shapes()) {
    if (s.n * s.plane() == 1) continue;  // train mode needs two values per channel
    INFO("input " << s.str());
    BatchNorm2d bn(s.c);
    randomize_affine(bn, s.c, ++seed);
    const rn::Forward want = check_against_reference(bn, rn::Spec{rn::Layout::Channel, s},
                                                     Mode::Train, 1e-5, seed + 1);
    seed += 2;  // x and dy
    // Probes read the batch statistics: a few float roundings of values of magnitude ≤ 1.
    REQUIRE_CLOSE(bn.batch_mean().data(), want.mean.data(), std::size_t(s.c), 2e-7, 1e-6);
    REQUIRE_CLOSE(bn.batch_var().data(), want.var.data(), std::size_t(s.c), 1e-7, 1e-6);
    REQUIRE_CLOSE(bn.stats().rstd.data(), want.rstd.data(), std::size_t(s.c), 0.0, 1e-6);
    ++checked;
  }
  REQUIRE(checked == 92);  // 96 shapes less the four with N·H·W = 1
}

TEST_CASE("batch_norm2d eval forward and backward match the double reference",
          "[layers][batch_norm2d]") {
  uint64_t seed = 500;
  for (Shape s : layer_shapes()) {
    INFO("input " << s.str());
    BatchNorm2d bn(s.c, BatchNormOptions{0.3f});
    randomize_affine(bn, s.c, ++seed);
    // Two train steps on other data give running statistics away from (0, 1).
    Shape train{4, s.c, 3, 3};
    bn.forward(test::random_tensor(train, ++seed, -2.0f, 3.0f), Mode::Train);
    bn.forward(test::random_tensor(train, ++seed, -1.0f, 0.5f), Mode::Train);
    const std::vector<float> rmean = bn.running_mean(), rvar = bn.running_var();

    const Tensor x = test::random_tensor(s, ++seed);
    const Tensor dy = test::random_tensor(s, ++seed);
    const rn::Spec spec{rn::Layout::Channel, s};
    const Vec gamma = dbl(bn.gamma(), s.c), beta = dbl(bn.beta(), s.c);

    const Tensor& y = bn.forward(x, Mode::Eval);
    rn::Forward want = rn::forward_with_stats(spec, dbl(x), gamma, beta, dbl(rmean), dbl(rvar), 1e-5);
    REQUIRE_CLOSE(y.data(), want.y.data(), y.size(), y_atol(bn.stats()), kTol);
    REQUIRE(bn.running_mean() == rmean);  // eval never updates the running statistics
    REQUIRE(bn.running_var() == rvar);

    bn.zero_grad();
    const Tensor& dx = bn.backward(dy);
    rn::Grads g = rn::backward_with_stats(spec, dbl(x), gamma, dbl(dy), dbl(rmean), dbl(rvar), 1e-5);
    REQUIRE_CLOSE(dx.data(), g.dx.data(), dx.size(), dx_atol(bn.stats()), kTol);
    auto params = bn.params();
    const std::size_t count = std::size_t(s.n) * s.plane();
    REQUIRE_CLOSE(params[0].grad, g.dgamma.data(), params[0].size, sum_atol(count), kTol);
    REQUIRE_CLOSE(params[1].grad, g.dbeta.data(), params[1].size, sum_atol(count), kTol);
  }
}

TEST_CASE("the batch norm reference backward matches central differences in double",
          "[layers][batch_norm2d][reference]") {
  uint64_t seed = 900;
  for (Shape s : {Shape{2, 3, 2, 2}, Shape{3, 2, 1, 1}, Shape{1, 4, 3, 1}, Shape{5, 1, 1, 1},
                  Shape{2, 1, 1, 2}}) {
    INFO("input " << s.str());
    const rn::Spec spec{rn::Layout::Channel, s};
    Rng rng(++seed, 3);
    const RefInputs in = random_ref_inputs(spec, rng);
    Vec mean(s.c), var(s.c);
    for (double& v : mean) v = rng.uniform(-0.5f, 0.5f);
    for (double& v : var) v = rng.uniform(0.2f, 2.0f);
    const double eps = 1e-5;

    SECTION("train: statistics from the batch") {
      auto f = [&](const Vec& xx, const Vec& gg, const Vec& bb) {
        return rn::forward(spec, xx, gg, bb, eps).y;
      };
      require_matches_fd(f, rn::backward(spec, in.x, in.gamma, in.dy, eps), in);
    }
    SECTION("eval: running statistics held constant") {
      auto f = [&](const Vec& xx, const Vec& gg, const Vec& bb) {
        return rn::forward_with_stats(spec, xx, gg, bb, mean, var, eps).y;
      };
      require_matches_fd(f, rn::backward_with_stats(spec, in.x, in.gamma, in.dy, mean, var, eps),
                         in);
    }
  }
}

TEST_CASE("batch_norm2d passes the float gradient check in train and eval mode",
          "[layers][batch_norm2d][gradcheck]") {
  uint64_t seed = 1300;
  for (Shape s : {Shape{2, 3, 3, 3}, Shape{4, 2, 1, 1}, Shape{1, 3, 5, 5}, Shape{3, 1, 2, 3}}) {
    INFO("input " << s.str());
    for (Mode mode : {Mode::Train, Mode::Eval}) {
      INFO((mode == Mode::Train ? "train" : "eval"));
      BatchNorm2d bn(s.c);
      randomize_affine(bn, s.c, ++seed);
      bn.forward(test::random_tensor(Shape{3, s.c, 2, 2}, ++seed, -1.0f, 2.0f), Mode::Train);
      test::GradCheckOptions o;
      o.mode = mode;
      const Tensor x = test::random_tensor(s, ++seed);
      test::check_gradients(bn, x, ++seed, o);
    }
  }
}

TEST_CASE("batch_norm2d running statistics follow PyTorch's update with the unbiased variance",
          "[layers][batch_norm2d]") {
  for (bool unbiased : {true, false}) {
    INFO((unbiased ? "unbiased running_var" : "biased running_var"));
    BatchNormOptions o;
    o.momentum = 0.25f;
    o.unbiased_running_var = unbiased;
    BatchNorm2d bn(3, o);
    Vec rmean(3, 0.0), rvar(3, 1.0);
    const Shape s{2, 3, 2, 3};
    const double count = 12.0;  // N·H·W
    for (int step = 0; step < 5; ++step) {
      const Tensor x = test::random_tensor(s, 40 + step, -1.0f + step, 2.0f + 0.5f * step);
      bn.forward(x, Mode::Train);
      rn::Moments m = rn::moments(rn::Spec{rn::Layout::Channel, s}, dbl(x));
      for (int c = 0; c < 3; ++c) {
        const double batch_var = unbiased ? m.var[c] * count / (count - 1.0) : m.var[c];
        rmean[c] = 0.75 * rmean[c] + 0.25 * m.mean[c];
        rvar[c] = 0.75 * rvar[c] + 0.25 * batch_var;
      }
    }
    // Five float updates of values near 1: a few ulps.
    REQUIRE_CLOSE(bn.running_mean().data(), rmean.data(), 3, 1e-6, 1e-6);
    REQUIRE_CLOSE(bn.running_var().data(), rvar.data(), 3, 1e-6, 1e-6);
    REQUIRE(bn.num_batches_tracked() == 5);
  }
}

TEST_CASE("batch_norm2d momentum 1 replaces and momentum 0 keeps the running statistics",
          "[layers][batch_norm2d]") {
  const Shape s{3, 2, 2, 2};
  const Tensor x = test::random_tensor(s, 77, 1.0f, 4.0f);
  rn::Moments m = rn::moments(rn::Spec{rn::Layout::Channel, s}, dbl(x));
  Vec unbiased = {m.var[0] * 12.0 / 11.0, m.var[1] * 12.0 / 11.0};

  BatchNorm2d replace(2, BatchNormOptions{1.0f});
  replace.forward(x, Mode::Train);
  REQUIRE_CLOSE(replace.running_mean().data(), m.mean.data(), 2, 1e-7, 1e-6);
  REQUIRE_CLOSE(replace.running_var().data(), unbiased.data(), 2, 1e-7, 1e-6);

  BatchNorm2d keep(2, BatchNormOptions{0.0f});
  keep.forward(x, Mode::Train);
  keep.forward(x, Mode::Train);
  REQUIRE(keep.running_mean() == std::vector<float>{0.0f, 0.0f});
  REQUIRE(keep.running_var() == std::vector<float>{1.0f, 1.0f});
}

TEST_CASE("batch_norm2d eval mode normalizes each sample with the running statistics",
          "[layers][batch_norm2d]") {
  BatchNorm2d bn(2);
  bn.gamma()[0] = 2.0f;
  bn.gamma()[1] = 0.5f;
  bn.beta()[0] = 1.0f;
  bn.beta()[1] = -1.0f;
  auto buffers = bn.buffers();
  REQUIRE(buffers.size() == 2);
  REQUIRE(buffers[0].name == "running_mean");
  REQUIRE(buffers[1].name == "running_var");
  buffers[0].value[0] = 3.0f;
  buffers[0].value[1] = -2.0f;
  buffers[1].value[0] = 4.0f;
  buffers[1].value[1] = 0.25f;

  // One value per channel: fine in eval mode (the mode is never guessed from the size).
  Tensor one(Shape{1, 2, 1, 1});
  one[0] = 5.0f;
  one[1] = -1.0f;
  const Tensor& y = bn.forward(one, Mode::Eval);  // overwritten by the next forward
  const double want[] = {(5.0 - 3.0) / std::sqrt(4.0 + 1e-5) * 2.0 + 1.0,
                         (-1.0 + 2.0) / std::sqrt(0.25 + 1e-5) * 0.5 - 1.0};
  REQUIRE_CLOSE(y.data(), want, 2, 1e-6, 1e-6);
  REQUIRE(bn.values_per_statistic() == 1);
  REQUIRE(bn.stats().mean == std::vector<float>{3.0f, -2.0f});

  // A sample's output does not depend on the rest of the batch.
  Tensor batch = test::random_tensor(Shape{4, 2, 1, 1}, 3);
  batch[4] = 5.0f;
  batch[5] = -1.0f;
  const Tensor& yb = bn.forward(batch, Mode::Eval);
  REQUIRE_CLOSE(yb.data() + 4, want, 2, 1e-6, 1e-6);
}

TEST_CASE("batch_norm2d eval backward is the affine map dy·gamma·rsqrt(running_var + eps)",
          "[layers][batch_norm2d]") {
  BatchNorm2d bn(3);
  randomize_affine(bn, 3, 8);
  bn.forward(test::random_tensor(Shape{5, 3, 4, 4}, 9, -3.0f, 5.0f), Mode::Train);
  const Shape s{2, 3, 4, 4};
  const Tensor x = test::random_tensor(s, 10);
  const Tensor dy = test::random_tensor(s, 11);
  bn.forward(x, Mode::Eval);
  const Tensor& dx = bn.backward(dy);
  Vec want(s.size());
  for (int n = 0; n < s.n; ++n)
    for (int c = 0; c < s.c; ++c)
      for (int i = 0; i < 16; ++i) {
        std::size_t at = (std::size_t(n) * 3 + c) * 16 + i;
        want[at] = dy[at] * double(bn.gamma()[c]) / std::sqrt(double(bn.running_var()[c]) + 1e-5);
      }
  // Two float products: a couple of ulps.
  REQUIRE_CLOSE(dx.data(), want.data(), dx.size(), 1e-7, 3e-7);

  // The train-mode backward on the same input differs: its statistics depend on x.
  bn.forward(x, Mode::Train);
  const Tensor& dx_train = bn.backward(dy);
  REQUIRE(test::mismatch(dx_train.data(), want.data(), want.size(), 1e-3, 1e-3) != "");
}

TEST_CASE("batch_norm2d without affine has no params and outputs unit statistics",
          "[layers][batch_norm2d]") {
  BatchNormOptions o;
  o.affine = false;
  BatchNorm2d bn(4, o);
  REQUIRE(bn.params().empty());
  REQUIRE(bn.buffers().size() == 2);
  const Shape s{3, 4, 5, 5};
  const Tensor x = test::random_tensor(s, 21, -2.0f, 7.0f);  // alive until backward (layer.hpp)
  const Tensor& y = bn.forward(x, Mode::Train);
  rn::Moments m = rn::moments(rn::Spec{rn::Layout::Channel, s}, dbl(y));
  for (int c = 0; c < 4; ++c) {
    INFO("channel " << c);
    REQUIRE(std::fabs(m.mean[c]) < 1e-6);
    // Biased variance of x̂ is var/(var + eps), 1 − 1e-5/var for var ≈ 6.75.
    REQUIRE(std::fabs(m.var[c] - 1.0) < 1e-5);
  }
  const Tensor& dx = bn.backward(test::random_tensor(s, 22));
  REQUIRE(dx.shape() == s);
}

TEST_CASE("batch_norm2d describes itself and init resets parameters and running statistics",
          "[layers][batch_norm2d]") {
  BatchNorm2d bn(2);
  REQUIRE(bn.kind() == "batch_norm2d");
  auto params = bn.params();
  REQUIRE(params.size() == 2);
  REQUIRE(params[0].name == "gamma");
  REQUIRE(params[1].name == "beta");
  REQUIRE(params[0].shape == std::vector<int>{2});
  REQUIRE_FALSE(params[0].decay);
  REQUIRE_FALSE(params[1].decay);
  REQUIRE(params[0].value[0] == 1.0f);
  REQUIRE(params[1].value[0] == 0.0f);
  bn.gamma()[0] = 3.0f;
  bn.forward(test::random_tensor(Shape{2, 2, 2, 2}, 4, 5.0f, 6.0f), Mode::Train);
  REQUIRE(bn.running_mean()[0] != 0.0f);
  Rng rng(1);
  bn.init(rng);
  REQUIRE(bn.gamma()[0] == 1.0f);
  REQUIRE(bn.running_mean() == std::vector<float>{0.0f, 0.0f});
  REQUIRE(bn.running_var() == std::vector<float>{1.0f, 1.0f});
  REQUIRE(bn.num_batches_tracked() == 0);
  REQUIRE(bn.output_shape(Shape{7, 2, 3, 3}) == Shape{7, 2, 3, 3});
}

TEST_CASE("batch_norm2d refuses train mode with one value per channel", "[layers][batch_norm2d]") {
  BatchNorm2d bn(4);
  const Tensor x = test::random_tensor(Shape{1, 4, 1, 1}, 1);
  std::string what = argument_error([&] { bn.forward(x, Mode::Train); });
  REQUIRE_THAT(what, Contains("more than 1 value per channel") && Contains("(1,4,1,1)"));
  REQUIRE(bn.running_mean() == std::vector<float>(4, 0.0f));  // nothing updated
  REQUIRE_NOTHROW(bn.forward(x, Mode::Eval));
  REQUIRE_NOTHROW(bn.forward(test::random_tensor(Shape{2, 4, 1, 1}, 2), Mode::Train));
  REQUIRE_NOTHROW(bn.forward(test::random_tensor(Shape{1, 4, 1, 2}, 3), Mode::Train));
}

TEST_CASE("batch_norm2d rejects bad arguments with messages that name them",
          "[layers][batch_norm2d]") {
  const float nan = std::nanf("");
  auto make = [](int c, float m, float eps) {
    return [=] { BatchNorm2d bn(c, BatchNormOptions{m, eps}); };
  };
  REQUIRE_THAT(argument_error(make(0, 0.1f, 1e-5f)), Contains("channels") && Contains("0"));
  REQUIRE_THAT(argument_error(make(-3, 0.1f, 1e-5f)), Contains("channels") && Contains("-3"));
  REQUIRE_THAT(argument_error(make(2, 0.1f, 0.0f)), Contains("eps") && Contains("0"));
  REQUIRE_THAT(argument_error(make(2, 0.1f, -1.0f)), Contains("eps") && Contains("-1"));
  REQUIRE_THAT(argument_error(make(2, 0.1f, nan)), Contains("eps") && Contains("nan"));
  REQUIRE_THAT(argument_error(make(2, -0.1f, 1e-5f)), Contains("momentum") && Contains("-0.1"));
  REQUIRE_THAT(argument_error(make(2, 1.5f, 1e-5f)), Contains("momentum") && Contains("1.5"));
  REQUIRE_THAT(argument_error(make(2, nan, 1e-5f)), Contains("momentum") && Contains("nan"));

  BatchNorm2d bn(8);
  const Tensor x3 = test::random_tensor(Shape{2, 3, 4, 4}, 1);
  REQUIRE_THAT(argument_error([&] { bn.forward(x3, Mode::Train); }),
               Contains("batch_norm2d") && Contains("3 channels, expected 8") &&
                   Contains("(2,3,4,4)"));
  REQUIRE_THAT(argument_error([&] { bn.backward(test::random_tensor(Shape{2, 8, 4, 4}, 2)); }),
               Contains("before forward"));
  const Tensor x = test::random_tensor(Shape{2, 8, 4, 4}, 3);
  bn.forward(x, Mode::Train);
  REQUIRE_THAT(argument_error([&] { bn.backward(test::random_tensor(Shape{2, 8, 4, 5}, 4)); }),
               Contains("dy") && Contains("(2,8,4,5)") && Contains("(2,8,4,4)"));
  REQUIRE_THAT(argument_error([&] { bn.forward(Tensor(Shape{0, 8, 4, 4}), Mode::Eval); }),
               Contains("empty"));
}
