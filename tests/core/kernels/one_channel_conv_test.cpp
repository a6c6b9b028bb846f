// The one-input-channel convolution kernels against the naive reference: a conv of one
// plane into C channels is the depthwise conv of that plane copied C times. Seeded random
// geometries cover every partial tile: channel counts 1–9 (forward tiles 4 channels, the
// weight gradient 3), kernels 1–5 (non-square; forward walks 1–25 taps, the weight gradient
// tiles each kernel row's 1–5 taps by 3), padding from 0
// to past the kernel, and rows from the narrowest supported (two vectors) up, with and
// without a partial last vector, and of an odd number of whole vectors (the last one is
// done two rows at a time) over odd and even heights.
#include "core/kernels/one_channel_conv.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "core/kernels/simd.hpp"
#include "core/rng.hpp"
#include "reference/kernels.hpp"
#include "support/sums.hpp"

namespace {

using namespace normlab;
using test::require_sums_close;

struct Case {
  ConvGeometry g;  // of the input plane: channels = 1
  int out;
};

std::string describe(const Case& c) {
  std::ostringstream s;
  s << "1->" << c.out << " " << c.g.height << "x" << c.g.width << " kernel " << c.g.kernel_h
    << "x" << c.g.kernel_w << " pad " << c.g.pad;
  return s.str();
}

Case make_case(int out, int h, int w, int kh, int kw, int pad) {
  ConvGeometry g;
  g.channels = 1, g.height = h, g.width = w, g.kernel_h = kh, g.kernel_w = kw, g.pad = pad;
  g.out_h = conv_out_size(h, kh, 1, pad);
  g.out_w = conv_out_size(w, kw, 1, pad);
  return {g, out};
}

std::vector<Case> test_cases(uint64_t seed) {
  const int W = kSimdWidth;
  std::vector<Case> cs = {
      make_case(8, 28, 28, 3, 3, 1),       make_case(32, 28, 28, 3, 3, 1),  // tiny, baseline
      make_case(6, 28, 28, 5, 5, 2),                                        // lenet5
      make_case(1, 1, 2 * W, 1, 1, 0),     make_case(3, 1, 2 * W, 3, 3, 1),
      make_case(5, 3, std::max(1, 2 * W - 5), 2, 2, 3),  // pad past the kernel
      make_case(7, 6, 2 * W + 1, 3, 3, 1), make_case(2, 4, 2 * W + 3, 3, 1, 0),
      make_case(9, 5, 4 * W, 1, 3, 2),     make_case(4, 3, 3 * W - 1, 3, 3, 1),
      make_case(5, 7, 3 * W, 3, 3, 1),     make_case(2, 1, 3 * W, 1, 1, 0),  // odd vectors,
      make_case(6, 4, 5 * W, 3, 3, 1)};                                      // odd/even rows
  Rng rng(seed, 2);
  while (cs.size() < 48) {
    const int kh = 1 + int(rng.below(5)), kw = 1 + int(rng.below(5));
    const int pad = int(rng.below(uint32_t(std::max(kh, kw)) + 1));
    const int h = 1 + int(rng.below(10));
    const int w = std::max(1, 2 * W - 2 + int(rng.below(uint32_t(3 * W + 6))));
    if (h + 2 * pad < kh) continue;  // no output
    Case c = make_case(1 + int(rng.below(9)), h, w, kh, kw, pad);
    if (one_channel_conv2d_supports(c.g)) cs.push_back(c);
  }
  return cs;
}

// The depthwise geometry over `out` copies of the plane.
ConvGeometry copies(const Case& c) {
  ConvGeometry g = c.g;
  g.channels = c.out;
  return g;
}

std::vector<float> repeat(const std::vector<float>& plane, int times) {
  std::vector<float> out;
  for (int i = 0; i < times; ++i) out.insert(out.end(), plane.begin(), plane.end());
  return out;
}

}  // namespace

TEST_CASE("one-channel conv applies to one input channel, stride 1, rows of two vectors",
          "[kernels][one_channel_conv]") {
  const int W = kSimdWidth;
  CHECK(one_channel_conv2d_supports(make_case(8, 28, 28, 3, 3, 1).g));
  CHECK(one_channel_conv2d_supports(make_case(8, 3, 2 * W, 3, 3, 1).g));
  CHECK_FALSE(one_channel_conv2d_supports(make_case(8, 3, 2 * W - 1, 3, 3, 1).g));
  Case two_channels = make_case(8, 28, 28, 3, 3, 1), strided = two_channels;
  two_channels.g.channels = 2;
  strided.g.stride = 2;
  CHECK_FALSE(one_channel_conv2d_supports(two_channels.g));
  CHECK_FALSE(one_channel_conv2d_supports(strided.g));
}

TEST_CASE("one-channel conv forward equals the conv by definition",
          "[kernels][one_channel_conv]") {
  uint64_t seed = 601;
  for (const Case& c : test_cases(seed)) {
    INFO("seed " << seed << ": " << describe(c));
    REQUIRE(one_channel_conv2d_supports(c.g));
    const ConvGeometry& g = c.g;
    const int taps = g.kernel_h * g.kernel_w;
    auto x = test::uniform_vector(std::size_t(g.height) * g.width, seed++, 3);
    auto w = test::uniform_vector(std::size_t(c.out) * taps, seed++, 3);
    // NaN-filled: every output must be assigned.
    std::vector<float> y(std::size_t(c.out) * g.out_h * g.out_w,
                         std::numeric_limits<float>::quiet_NaN());
    one_channel_conv2d_f32(g, c.out, x.data(), w.data(), y.data());
    auto want = ref::depthwise_conv2d(copies(c), repeat(x, c.out).data(), w.data());
    require_sums_close(y.data(), want.value, want.magnitude, taps + 1);
  }
}

TEST_CASE("one-channel conv backward-weight accumulates the correlation of x and dy",
          "[kernels][one_channel_conv]") {
  uint64_t seed = 701;
  for (const Case& c : test_cases(seed)) {
    INFO("seed " << seed << ": " << describe(c));
    REQUIRE(one_channel_conv2d_supports(c.g));
    const ConvGeometry& g = c.g;
    auto x = test::uniform_vector(std::size_t(g.height) * g.width, seed++, 3);
    auto dy = test::uniform_vector(std::size_t(c.out) * g.out_h * g.out_w, seed++, 3);
    auto dw0 = test::uniform_vector(std::size_t(c.out) * g.kernel_h * g.kernel_w, seed++, 3);
    std::vector<float> dw = dw0;
    one_channel_conv2d_backward_weight_f32(g, c.out, x.data(), dy.data(), dw.data());
    auto want =
        ref::depthwise_conv2d_backward_weight(copies(c), repeat(x, c.out).data(), dy.data(),
                                              dw0.data());
    // Each lane sums ≤ out_h·⌈out_w/W⌉ products, the lanes are added (≤ W), then one addition
    // onto dweight.
    require_sums_close(dw.data(), want.value, want.magnitude,
                       double(g.out_h) * g.out_w + kSimdWidth + 2);
  }
}
