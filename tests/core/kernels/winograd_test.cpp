// Winograd F(2×2, 3×3) against the exact double convolution of tests/reference/layers.hpp:
// forward (with and without bias), weight gradient and input gradient, on the preset
// shapes and seeded random ones (batch 1–3, 1–13 pixels a side, pad 0–2, channel counts
// around the GEMM tile), several blocks of tiles, rows of tiles split between blocks.
//
// Tolerance: |got − exact| ≤ (depth + 10)·u·mag, mag from ref::winograd_*_magnitude: the
// sums the algorithm forms, in absolute value. Per output, the transforms round twice (V),
// once (U, computed in double), the product once, the channel sum of `depth` terms at most
// depth times, the output transform and bias five times: depth + 9 first-order roundings of
// at most u·mag each. A misplaced tap or tile moves an output by about one |w·x|, far more.
#include "core/kernels/winograd.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include "core/rng.hpp"
#include "reference/kernels.hpp"
#include "reference/layers.hpp"

namespace {

using namespace normlab;
namespace rl = ref::layers;
constexpr double u = 1.0 / 16777216.0;  // 2⁻²⁴

std::string describe(const Winograd3x3& s) {
  std::ostringstream out;
  out << "batch " << s.batch << ", " << s.in << " -> " << s.out << " channels, " << s.height << "x"
      << s.width << ", pad " << s.pad;
  return out.str();
}

std::vector<float> uniform(std::size_t n, uint64_t seed) {
  Rng rng(seed, 7);
  std::vector<float> v(n);
  for (auto& x : v) x = rng.uniform(-1.0f, 1.0f);
  return v;
}

rl::DTensor as_tensor(const std::vector<float>& v, Shape shape) {
  rl::DTensor t(shape);
  for (std::size_t i = 0; i < v.size(); ++i) t.v[i] = v[i];
  return t;
}

// |got − want| ≤ terms·u·mag + |extra| at every index.
void require_within(const float* got, const std::vector<double>& want,
                    const std::vector<double>& mag, double terms,
                    const std::vector<double>& extra = {}) {
  for (std::size_t i = 0; i < want.size(); ++i) {
    const double tol = terms * u * mag[i] + (extra.empty() ? 0.0 : u * std::fabs(extra[i])) + 1e-30;
    if (!(std::fabs(got[i] - want[i]) <= tol)) {
      INFO("index " << i << " of " << want.size() << ": got " << got[i] << ", want " << want[i]
                    << ", tolerance " << tol);
      REQUIRE(std::fabs(got[i] - want[i]) <= tol);
    }
  }
}

void check_shape(const Winograd3x3& s, uint64_t seed) {
  INFO("seed " << seed << ": " << describe(s));
  REQUIRE(winograd_shape_ok(s));
  const int oh = s.out_h(), ow = s.out_w();
  const Shape xs{s.batch, s.in, s.height, s.width}, ys{s.batch, s.out, oh, ow};
  const auto x = uniform(xs.size(), seed);
  const auto w = uniform(std::size_t(s.out) * s.in * 9, seed + 1);
  const auto bias = uniform(std::size_t(s.out), seed + 2);
  const auto dy = uniform(ys.size(), seed + 3);
  const rl::ConvSpec spec{s.in, s.out, 3, 1, s.pad, 1};
  const rl::DTensor xd = as_tensor(x, xs), dyd = as_tensor(dy, ys);
  const std::vector<double> wd(w.begin(), w.end()), bd(bias.begin(), bias.end());

  std::vector<float> filters(winograd_filter_floats(s));
  std::vector<float> work(winograd_backward_weight_workspace_floats(s));
  REQUIRE(work.size() >= winograd_forward_workspace_floats(s));
  winograd_filter_transform_f32(s, w.data(), filters.data(), work.data());
  const auto fwd_mag = ref::winograd_forward_magnitude(s, x.data(), w.data());
  {
    INFO("forward with bias");
    std::vector<float> y(ys.size(), std::nanf(""));  // assigned, never read
    winograd_conv3x3_f32(s, x.data(), filters.data(), bias.data(), y.data(), work.data());
    const rl::DTensor want = rl::conv2d_forward(xd, spec, wd, bd);
    std::vector<double> bias_at(ys.size());
    for (std::size_t i = 0; i < bias_at.size(); ++i) bias_at[i] = bias[(i / (oh * ow)) % s.out];
    require_within(y.data(), want.v, fwd_mag, s.in + 10, bias_at);
  }
  {
    INFO("forward without bias");
    std::vector<float> y(ys.size(), std::nanf(""));
    winograd_conv3x3_f32(s, x.data(), filters.data(), nullptr, y.data(), work.data());
    require_within(y.data(), rl::conv2d_forward(xd, spec, wd, {}).v, fwd_mag, s.in + 10);
  }
  const rl::ConvGrads g = rl::conv2d_backward(xd, spec, wd, dyd);
  {
    INFO("weight gradient, accumulated into dw");
    const auto dw0 = uniform(w.size(), seed + 4);
    std::vector<float> dw = dw0;
    winograd_conv3x3_backward_weight_f32(s, x.data(), dy.data(), dw.data(), work.data());
    std::vector<double> want(w.size()), start(dw0.begin(), dw0.end());
    for (std::size_t i = 0; i < want.size(); ++i) want[i] = dw0[i] + g.dw[i];
    const double tiles = double(s.batch) * s.tiles_h() * s.tiles_w();
    require_within(dw.data(), want, ref::winograd_weight_grad_magnitude(s, x.data(), dy.data()),
                   tiles + 10, start);
  }
  {
    INFO("input gradient: the flipped, transposed filters over dy");
    const Winograd3x3 t = winograd_input_grad_shape(s);
    REQUIRE(t.out_h() == s.height);
    REQUIRE(t.out_w() == s.width);
    std::vector<float> flipped(winograd_filter_floats(t)), dx(xs.size(), std::nanf(""));
    std::vector<float> work2(winograd_forward_workspace_floats(t));
    winograd_filter_transform_flipped_f32(s, w.data(), flipped.data(), work2.data());
    winograd_conv3x3_f32(t, dy.data(), flipped.data(), nullptr, dx.data(), work2.data());
    // The same filters as plain weights (in, out, 3, 3), for the magnitude.
    std::vector<float> wt(w.size());
    for (int o = 0; o < s.out; ++o)
      for (int i = 0; i < s.in; ++i)
        for (int k = 0; k < 9; ++k)
          wt[(std::size_t(i) * s.out + o) * 9 + k] = w[(std::size_t(o) * s.in + i) * 9 + 8 - k];
    require_within(dx.data(), g.dx.v, ref::winograd_forward_magnitude(t, dy.data(), wt.data()),
                   s.out + 10);
  }
}

Winograd3x3 shape(int batch, int in, int out, int h, int w, int pad) {
  Winograd3x3 s;
  s.batch = batch, s.in = in, s.out = out, s.height = h, s.width = w, s.pad = pad;
  return s;
}

}  // namespace

TEST_CASE("winograd 3x3 matches the exact convolution on the preset shapes", "[kernels][winograd]") {
  check_shape(shape(2, 8, 16, 14, 14, 1), 10);    // tiny conv 2
  check_shape(shape(2, 32, 64, 28, 28, 1), 20);   // baseline conv 2
  check_shape(shape(2, 64, 128, 14, 14, 1), 30);  // baseline conv 3
  check_shape(shape(3, 8, 8, 28, 28, 1), 40);     // many blocks, rows split between blocks
}

TEST_CASE("winograd 3x3 matches the exact convolution on odd shapes and every padding",
          "[kernels][winograd]") {
  check_shape(shape(1, 1, 1, 1, 1, 1), 100);  // one pixel: one tile, three quarters clipped
  check_shape(shape(2, 3, 2, 3, 3, 0), 101);  // pad 0: one output per plane
  check_shape(shape(1, 2, 3, 1, 7, 2), 102);  // pad 2, one input row
  check_shape(shape(1, 5, 9, 9, 2, 1), 103);  // width 2: tiles narrower than a vector group
  Rng rng(200, 3);
  for (int t = 0; t < 60; ++t) {
    Winograd3x3 s = shape(1 + int(rng.below(3)), 1 + int(rng.below(13)), 1 + int(rng.below(13)),
                          1 + int(rng.below(13)), 1 + int(rng.below(13)), int(rng.below(3)));
    if (!winograd_shape_ok(s)) continue;  // pad 0 needs 3 pixels a side
    check_shape(s, 300 + t);
  }
}
