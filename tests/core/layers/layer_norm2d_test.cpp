// LayerNorm2dChannels (per pixel across C) and LayerNorm2dSample (per sample across C×H×W)
// against the double reference (tests/reference/norms.hpp) in both modes, the references
// against central differences in double, and the float layers against the gradient check.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "core/error.hpp"
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

}  // namespace

TEST_CASE("layer_norm2d_channels forward and backward match the double reference in both modes",
          "[layers][layer_norm2d]") {
  uint64_t seed = 1;
  for (Shape s : layer_shapes())
    for (Mode mode : {Mode::Train, Mode::Eval}) {
      INFO("input " << s.str() << (mode == Mode::Train ? " train" : " eval"));
      LayerNorm2dChannels ln(s.c);
      randomize_affine(ln, s.c, ++seed);
      check_against_reference(ln, rn::Spec{rn::Layout::Pixel, s}, mode, 1e-6, seed += 2);
    }
}

TEST_CASE("layer_norm2d_sample forward and backward match the double reference in both modes",
          "[layers][layer_norm2d]") {
  uint64_t seed = 1000;
  for (Shape s : layer_shapes())
    for (Mode mode : {Mode::Train, Mode::Eval}) {
      INFO("input " << s.str() << (mode == Mode::Train ? " train" : " eval"));
      LayerNorm2dSample ln(s.c, s.h, s.w);
      randomize_affine(ln, s.sample_size(), ++seed);
      check_against_reference(ln, rn::Spec{rn::Layout::Sample, s}, mode, 1e-5, seed += 2);
    }
}

TEST_CASE("the layer norm references' backward matches central differences in double",
          "[layers][layer_norm2d][reference]") {
  uint64_t seed = 2000;
  for (Shape s : {Shape{2, 3, 2, 2}, Shape{1, 4, 1, 3}, Shape{3, 2, 1, 1}, Shape{2, 5, 2, 1}}) {
    INFO("input " << s.str());
    check_reference_against_fd(rn::Spec{rn::Layout::Pixel, s}, 1e-6, ++seed);
    check_reference_against_fd(rn::Spec{rn::Layout::Sample, s}, 1e-5, ++seed);
  }
}

TEST_CASE("layer norm layers pass the float gradient check in train and eval mode",
          "[layers][layer_norm2d][gradcheck]") {
  uint64_t seed = 3000;
  // At least 3 channels per pixel: with 2, x̂ = ±1 is flat and FD only sees rounding.
  for (Shape s : {Shape{2, 3, 3, 3}, Shape{1, 5, 2, 3}, Shape{3, 4, 1, 1}}) {
    for (Mode mode : {Mode::Train, Mode::Eval}) {
      INFO("input " << s.str() << (mode == Mode::Train ? " train" : " eval"));
      test::GradCheckOptions o;
      o.mode = mode;
      LayerNorm2dChannels channels(s.c);
      randomize_affine(channels, s.c, ++seed);
      const Tensor x = test::random_tensor(s, ++seed);
      test::check_gradients(channels, x, ++seed, o);
      LayerNorm2dSample sample(s.c, s.h, s.w);
      randomize_affine(sample, s.sample_size(), ++seed);
      test::check_gradients(sample, x, ++seed, o);
    }
  }
}

TEST_CASE("layer_norm2d_channels normalizes each pixel across channels",
          "[layers][layer_norm2d]") {
  const Shape s{2, 5, 3, 4};
  LayerNorm2dChannels ln(5);
  const Tensor x = test::random_tensor(s, 7, -3.0f, 9.0f);
  const Tensor& y = ln.forward(x, Mode::Train);
  REQUIRE(ln.stats().mean.size() == 2 * 12);
  REQUIRE(ln.values_per_statistic() == 5);
  for (int n = 0; n < s.n; ++n)
    for (int h = 0; h < s.h; ++h)
      for (int w = 0; w < s.w; ++w) {
        double xm = 0.0, ym = 0.0, yv = 0.0;
        for (int c = 0; c < s.c; ++c) {
          xm += x.at(n, c, h, w) / 5.0;
          ym += y.at(n, c, h, w) / 5.0;
        }
        for (int c = 0; c < s.c; ++c) yv += (y.at(n, c, h, w) - ym) * (y.at(n, c, h, w) - ym) / 5.0;
        INFO("pixel " << n << "," << h << "," << w);
        REQUIRE(std::fabs(ln.stats().mean[(n * 3 + h) * 4 + w] - xm) < 1e-5);
        REQUIRE(std::fabs(ym) < 1e-6);
        // var/(var + 1e-6) with var ≈ 12 (uniform over 12): 1 within 1e-6, plus rounding.
        REQUIRE(std::fabs(yv - 1.0) < 1e-5);
      }
  // One channel: every value is its pixel's mean, so y = beta.
  LayerNorm2dChannels one(1);
  one.beta()[0] = 0.25f;
  const Tensor& y1 = one.forward(test::random_tensor(Shape{2, 1, 3, 3}, 8), Mode::Train);
  for (std::size_t i = 0; i < y1.size(); ++i) REQUIRE(y1[i] == 0.25f);
}

TEST_CASE("layer_norm2d_sample normalizes each sample over C×H×W with elementwise affine",
          "[layers][layer_norm2d]") {
  const Shape s{3, 2, 3, 2};
  LayerNorm2dSample ln(2, 3, 2);
  const Tensor x = test::random_tensor(s, 17, -3.0f, 9.0f);
  const Tensor& y = ln.forward(x, Mode::Train);
  REQUIRE(ln.stats().mean.size() == 3);
  REQUIRE(ln.values_per_statistic() == 12);
  for (int n = 0; n < s.n; ++n) {
    double ym = 0.0, yv = 0.0;
    for (std::size_t i = 0; i < 12; ++i) ym += y[n * 12 + i] / 12.0;
    for (std::size_t i = 0; i < 12; ++i) yv += (y[n * 12 + i] - ym) * (y[n * 12 + i] - ym) / 12.0;
    INFO("sample " << n);
    REQUIRE(std::fabs(ym) < 1e-6);
    REQUIRE(std::fabs(yv - 1.0) < 1e-5);  // var/(var + 1e-5), var ≈ 12
  }
  // gamma and beta apply per element: changing one entry changes exactly that output.
  Tensor before = y;
  ln.gamma()[5] = 3.0f;
  ln.beta()[7] = 1.0f;
  const Tensor& after = ln.forward(x, Mode::Eval);
  for (int n = 0; n < s.n; ++n)
    for (std::size_t i = 0; i < 12; ++i) {
      const std::size_t at = n * 12 + i;
      const float want = i == 5 ? 3.0f * before[at] : i == 7 ? before[at] + 1.0f : before[at];
      REQUIRE(after[at] == Approx(want).margin(1e-6));
    }
}

TEST_CASE("layer norm layers describe their params and take affine = false",
          "[layers][layer_norm2d]") {
  LayerNorm2dChannels channels(4);
  REQUIRE(channels.kind() == "layer_norm2d_channels");
  REQUIRE(channels.eps() == 1e-6f);
  auto cp = channels.params();
  REQUIRE(cp.size() == 2);
  REQUIRE(cp[0].name == "gamma");
  REQUIRE(cp[1].name == "beta");
  REQUIRE(cp[0].shape == std::vector<int>{4});
  REQUIRE_FALSE(cp[0].decay);
  REQUIRE_FALSE(cp[1].decay);
  REQUIRE(cp[0].value[3] == 1.0f);
  REQUIRE(cp[1].value[3] == 0.0f);

  LayerNorm2dSample sample(4, 2, 3);
  REQUIRE(sample.kind() == "layer_norm2d_sample");
  REQUIRE(sample.eps() == 1e-5f);
  auto sp = sample.params();
  REQUIRE(sp.size() == 2);
  REQUIRE(sp[0].shape == std::vector<int>{4, 2, 3});
  REQUIRE(sp[0].size == 24);
  REQUIRE_FALSE(sp[1].decay);

  LayerNorm2dChannels c_plain(4, 1e-6f, false);
  LayerNorm2dSample s_plain(4, 2, 3, 1e-5f, false);
  REQUIRE(c_plain.params().empty());
  REQUIRE(s_plain.params().empty());
  const Shape s{2, 4, 2, 3};
  const Tensor x = test::random_tensor(s, 3);
  const Tensor dy = test::random_tensor(s, 4);
  // Without affine the output is the default-affine output (gamma 1, beta 0).
  Tensor yc = channels.forward(x, Mode::Train);
  REQUIRE_CLOSE(c_plain.forward(x, Mode::Train).data(), yc.data(), yc.size(), 0.0, 0.0);
  Tensor dxc = channels.backward(dy);
  REQUIRE_CLOSE(c_plain.backward(dy).data(), dxc.data(), dxc.size(), 0.0, 0.0);
  Tensor ys = sample.forward(x, Mode::Train);
  REQUIRE_CLOSE(s_plain.forward(x, Mode::Train).data(), ys.data(), ys.size(), 0.0, 0.0);
  Tensor dxs = sample.backward(dy);
  REQUIRE_CLOSE(s_plain.backward(dy).data(), dxs.data(), dxs.size(), 0.0, 0.0);
}

TEST_CASE("layer norm layers reject bad arguments with messages that name them",
          "[layers][layer_norm2d]") {
  const float nan = std::nanf(""), inf = std::numeric_limits<float>::infinity();
  REQUIRE_THAT(argument_error([] { LayerNorm2dChannels(0); }),
               Contains("layer_norm2d_channels") && Contains("channels") && Contains("0"));
  REQUIRE_THAT(argument_error([] { LayerNorm2dChannels(3, 0.0f); }), Contains("eps"));
  REQUIRE_THAT(argument_error([=] { LayerNorm2dChannels(3, nan); }),
               Contains("eps") && Contains("nan"));
  REQUIRE_THAT(argument_error([=] { LayerNorm2dChannels(3, inf); }), Contains("eps"));
  REQUIRE_THAT(argument_error([] { LayerNorm2dSample(-1, 2, 2); }),
               Contains("layer_norm2d_sample") && Contains("channels") && Contains("-1"));
  REQUIRE_THAT(argument_error([] { LayerNorm2dSample(2, 0, 2); }),
               Contains("height") && Contains("0"));
  REQUIRE_THAT(argument_error([] { LayerNorm2dSample(2, 2, -5); }),
               Contains("width") && Contains("-5"));
  REQUIRE_THAT(argument_error([] { LayerNorm2dSample(2, 2, 2, -1e-5f); }), Contains("eps"));

  LayerNorm2dChannels channels(8);
  REQUIRE_THAT(argument_error([&] { channels.forward(Tensor(Shape{2, 3, 4, 4}), Mode::Train); }),
               Contains("3 channels, expected 8") && Contains("(2,3,4,4)"));
  REQUIRE_THAT(argument_error([&] { channels.backward(Tensor(Shape{2, 8, 4, 4})); }),
               Contains("before forward"));
  const Tensor x = test::random_tensor(Shape{2, 8, 4, 4}, 1);
  channels.forward(x, Mode::Train);
  REQUIRE_THAT(argument_error([&] { channels.backward(Tensor(Shape{2, 8, 4, 3})); }),
               Contains("dy") && Contains("(2,8,4,3)") && Contains("(2,8,4,4)"));

  LayerNorm2dSample sample(3, 28, 28);
  REQUIRE_THAT(argument_error([&] { sample.forward(Tensor(Shape{2, 3, 5, 5}), Mode::Eval); }),
               Contains("layer_norm2d_sample") && Contains("(3,5,5)") && Contains("(3,28,28)"));
  REQUIRE_THAT(argument_error([&] { sample.forward(Tensor(Shape{0, 3, 28, 28}), Mode::Eval); }),
               Contains("empty"));
  REQUIRE_THAT(argument_error([&] { sample.backward(Tensor(Shape{1, 3, 28, 28})); }),
               Contains("before forward"));
}
