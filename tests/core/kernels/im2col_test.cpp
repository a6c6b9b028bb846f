// im2col / col2im and the depthwise convolution kernels against the naive references of
// tests/reference/kernels.hpp, on seeded random geometries: widths around the SIMD width,
// strides 1–3, padding from 0 up to the kernel size, non-square kernels, 1×1 images.
#include "core/kernels/im2col.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
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
using test::abs_of;
using test::require_sums_close;

std::string describe(const ConvGeometry& g) {
  std::ostringstream out;
  out << "C=" << g.channels << " " << g.height << "x" << g.width << " kernel " << g.kernel_h << "x"
      << g.kernel_w << " stride " << g.stride << " pad " << g.pad << " -> " << g.out_h << "x"
      << g.out_w;
  return out.str();
}

ConvGeometry make_geometry(int c, int h, int w, int kh, int kw, int stride, int pad) {
  ConvGeometry g;
  g.channels = c, g.height = h, g.width = w, g.kernel_h = kh, g.kernel_w = kw;
  g.stride = stride, g.pad = pad;
  g.out_h = conv_out_size(h, kh, stride, pad);
  g.out_w = conv_out_size(w, kw, stride, pad);
  return g;
}

// The preset convolutions, then seeded random geometries whose widths sit around the SIMD
// width (where the stride-1 spans switch between vector body and tail).
std::vector<ConvGeometry> test_geometries(uint64_t seed) {
  const int W = kSimdWidth;
  std::vector<ConvGeometry> gs = {
      make_geometry(1, 28, 28, 3, 3, 1, 1),   make_geometry(8, 14, 14, 3, 3, 1, 1),
      make_geometry(3, 7, 7, 3, 3, 2, 1),     make_geometry(2, 1, 1, 1, 1, 1, 0),
      make_geometry(2, 1, 1, 3, 3, 1, 1),     make_geometry(1, 5, 5, 5, 5, 1, 0),
      make_geometry(2, 4, 6, 1, 1, 1, 0),     make_geometry(1, 3, 3, 2, 2, 1, 2),  // pad ≥ kernel
      make_geometry(2, 6, W + 1, 3, 3, 1, 1), make_geometry(1, 5, 2 * W, 3, 3, 1, 1),
      make_geometry(1, 3, W, 3, 3, 1, 1),
  };
  if (W > 1) gs.push_back(make_geometry(1, 3, W - 1, 3, 3, 1, 1));
  Rng rng(seed, 2);
  while (gs.size() < 64) {
    int kh = 1 + int(rng.below(5)), kw = 1 + int(rng.below(5));
    int stride = 1 + int(rng.below(3));
    int pad = int(rng.below(uint32_t(std::max(kh, kw)) + 1));
    int h = 1 + int(rng.below(12));
    int w = rng.below(2) ? int(W) - 1 + int(rng.below(4)) : 1 + int(rng.below(3 * W + 6));
    w = std::max(w, 1);
    if (h + 2 * pad < kh || w + 2 * pad < kw) continue;  // no output
    gs.push_back(make_geometry(1 + int(rng.below(4)), h, w, kh, kw, stride, pad));
  }
  return gs;
}

std::vector<float> random_vector(std::size_t n, uint64_t seed) {
  return test::uniform_vector(n, seed, 3);
}

}  // namespace

TEST_CASE("im2col copies every window pixel and writes zeros for padding", "[kernels][im2col]") {
  uint64_t seed = 101;
  for (const ConvGeometry& g : test_geometries(seed)) {
    INFO("seed " << seed << ": " << describe(g));
    auto x = random_vector(std::size_t(g.channels) * g.height * g.width, seed++);
    // Start from NaN so every entry im2col fails to write shows up.
    std::vector<float> cols(std::size_t(g.rows()) * g.cols(),
                            std::numeric_limits<float>::quiet_NaN());
    im2col_f32(g, x.data(), cols.data());
    auto want = ref::im2col(g, x.data());
    for (std::size_t i = 0; i < want.size(); ++i) {
      INFO("cols index " << i);
      REQUIRE(cols[i] == want[i]);  // a copy: exact
    }
  }
}

TEST_CASE("col2im adds every column entry back into its input pixel", "[kernels][im2col]") {
  uint64_t seed = 201;
  for (const ConvGeometry& g : test_geometries(seed)) {
    INFO("seed " << seed << ": " << describe(g));
    const std::size_t xs = std::size_t(g.channels) * g.height * g.width;
    auto cols = random_vector(std::size_t(g.rows()) * g.cols(), seed++);
    auto x0 = random_vector(xs, seed++);  // col2im accumulates: start from nonzero
    std::vector<float> x = x0;
    col2im_f32(g, cols.data(), x.data());
    auto want = ref::col2im(g, cols.data(), x0.data());
    auto mag = ref::col2im(g, abs_of(cols).data(), abs_of(x0).data());
    // Each pixel sums at most kh·kw column entries onto x0, one rounding per addition.
    require_sums_close(x.data(), want, mag, g.kernel_h * g.kernel_w + 1);
  }
}

TEST_CASE("depthwise conv forward matches the direct definition", "[kernels][im2col][depthwise]") {
  uint64_t seed = 301;
  for (const ConvGeometry& g : test_geometries(seed)) {
    INFO("seed " << seed << ": " << describe(g));
    auto x = random_vector(std::size_t(g.channels) * g.height * g.width, seed++);
    auto w = random_vector(std::size_t(g.channels) * g.kernel_h * g.kernel_w, seed++);
    std::vector<float> y(std::size_t(g.channels) * g.out_h * g.out_w,
                         std::numeric_limits<float>::quiet_NaN());
    depthwise_conv2d_f32(g, x.data(), w.data(), y.data());
    auto want = ref::depthwise_conv2d(g, x.data(), w.data());
    // kh·kw products summed in float: the dot-product bound (terms + 1)·u·Σ|x·w|.
    require_sums_close(y.data(), want.value, want.magnitude, g.kernel_h * g.kernel_w + 1);
  }
}

TEST_CASE("depthwise conv backward-data assigns the transposed convolution of dy",
          "[kernels][im2col][depthwise]") {
  uint64_t seed = 401;
  for (const ConvGeometry& g : test_geometries(seed)) {
    INFO("seed " << seed << ": " << describe(g));
    auto dy = random_vector(std::size_t(g.channels) * g.out_h * g.out_w, seed++);
    auto w = random_vector(std::size_t(g.channels) * g.kernel_h * g.kernel_w, seed++);
    // NaN-filled dx: the kernel must assign, not accumulate.
    std::vector<float> dx(std::size_t(g.channels) * g.height * g.width,
                          std::numeric_limits<float>::quiet_NaN());
    depthwise_conv2d_backward_data_f32(g, dy.data(), w.data(), dx.data());
    auto want = ref::depthwise_conv2d_backward_data(g, dy.data(), w.data());
    // A pixel receives at most kh·kw products.
    require_sums_close(dx.data(), want.value, want.magnitude, g.kernel_h * g.kernel_w + 1);
  }
}

TEST_CASE("depthwise conv backward-weight accumulates the correlation of x and dy",
          "[kernels][im2col][depthwise]") {
  uint64_t seed = 501;
  for (const ConvGeometry& g : test_geometries(seed)) {
    INFO("seed " << seed << ": " << describe(g));
    auto x = random_vector(std::size_t(g.channels) * g.height * g.width, seed++);
    auto dy = random_vector(std::size_t(g.channels) * g.out_h * g.out_w, seed++);
    auto dw0 = random_vector(std::size_t(g.channels) * g.kernel_h * g.kernel_w, seed++);
    std::vector<float> dw = dw0;
    depthwise_conv2d_backward_weight_f32(g, x.data(), dy.data(), dw.data());
    auto want = ref::depthwise_conv2d_backward_weight(g, x.data(), dy.data(), dw0.data());
    // Each row's ≤ out_w products are summed in float, rows in double, then one addition
    // onto dweight: (out_w + 2)·u·Σ|x·dy|.
    require_sums_close(dw.data(), want.value, want.magnitude, g.out_w + 2);
  }
}
