// core/kernels/norm_stats against the naive double references in tests/reference/norms.hpp,
// for the four layouts, on ≥ 50 shapes each: fixed edge shapes (1, primes, around the SIMD
// widths 4/8/16, around the 256-value flush block and the 32-row flush, the 8-wide plane
// where BatchNorm switches from row-wise to run-wise) plus seeded random picks.
#include <algorithm>
#include <cmath>
#include <iterator>
#include <vector>

#include "core/error.hpp"
#include "core/kernels/norm_stats.hpp"
#include "core/rng.hpp"
#include "reference/norms.hpp"
#include "support/check.hpp"

namespace {

using namespace normlab;
namespace rn = normlab::ref::norms;
using rn::Layout;
using rn::Vec;

constexpr Layout kLayouts[] = {Layout::Channel, Layout::Group, Layout::Sample, Layout::Pixel};

// A shape, the data's offset (large offsets test the centring), and random data for it.
struct Case {
  rn::Spec spec;
  float offset = 0.0f;
  std::vector<float> x, dy, gamma, beta;

  NormDims dims() const { return {spec.shape.n, spec.shape.c, spec.plane()}; }
  std::string str() const {
    return msg(rn::layout_name(spec.layout), " ", spec.shape.str(), " groups ", spec.groups,
               " offset ", offset);
  }
};

Case make_case(Layout layout, Shape shape, int groups, float offset, uint64_t seed) {
  Case k;
  k.spec = rn::Spec{layout, shape, groups};
  k.offset = offset;
  Rng rng(seed, 11);
  k.x.resize(shape.size());
  k.dy.resize(shape.size());
  for (float& v : k.x) v = offset + rng.uniform(-1.0f, 1.0f);
  for (float& v : k.dy) v = rng.uniform(-1.0f, 1.0f);
  k.gamma.resize(k.spec.param_count());
  k.beta.resize(k.spec.param_count());
  for (float& v : k.gamma) v = rng.uniform(0.5f, 1.5f);
  for (float& v : k.beta) v = rng.uniform(-0.5f, 0.5f);
  return k;
}

std::vector<Case> cases(Layout layout) {
  const int hw[][2] = {{1, 1}, {1, 2}, {1, 3}, {2, 2}, {1, 5}, {1, 7},  {2, 4},   {3, 3},
                       {3, 5}, {4, 4}, {1, 17}, {5, 5}, {1, 31}, {4, 8}, {3, 11}, {16, 16},
                       {1, 257}, {28, 28}};
  const int ns[] = {1, 2, 3, 5};
  const int cs[] = {1, 3, 4, 7, 8, 9, 16, 17};
  const float offsets[] = {0.0f, 0.0f, 2.5f, -40.0f};
  std::vector<Case> out;
  auto add = [&](Shape s, uint64_t seed, float offset, Rng& rng) {
    int groups = 1;
    if (layout == Layout::Group) {
      std::vector<int> divisors;
      for (int g = 1; g <= s.c; ++g)
        if (s.c % g == 0) divisors.push_back(g);
      groups = divisors[rng.below(uint32_t(divisors.size()))];
    }
    out.push_back(make_case(layout, s, groups, offset, seed));
  };
  Rng rng(2024, uint64_t(layout));
  // Edges: one value per statistic, more rows than one flush block, flush-block planes.
  add(Shape{1, 1, 1, 1}, 1, 0.0f, rng);
  add(Shape{40, 3, 1, 1}, 2, 0.0f, rng);
  add(Shape{3, 40, 1, 5}, 3, 1.0f, rng);
  add(Shape{2, 3, 1, 256}, 4, 0.0f, rng);
  add(Shape{2, 3, 1, 257}, 5, 0.0f, rng);
  add(Shape{1, 16, 28, 28}, 6, 0.0f, rng);
  add(Shape{5, 1, 28, 28}, 7, -3.0f, rng);
  add(Shape{2, 8, 1, 8}, 8, 0.0f, rng);
  for (int i = 0; i < 52; ++i) {
    const int* p = hw[rng.below(std::size(hw))];
    Shape s{ns[rng.below(std::size(ns))], cs[rng.below(std::size(cs))], p[0], p[1]};
    add(s, 100 + i, offsets[rng.below(std::size(offsets))], rng);
  }
  return out;
}

std::vector<float> to_float(const Vec& v) { return std::vector<float>(v.begin(), v.end()); }

// The kernel family of each layout, called by the same signature.
void run_moments(const Case& k, const float* x, float* mean, float* var) {
  const NormDims d = k.dims();
  switch (k.spec.layout) {
    case Layout::Channel: channel_moments_f32(d, x, mean, var); break;
    case Layout::Group: group_moments_f32(d, k.spec.groups, x, mean, var); break;
    case Layout::Sample: group_moments_f32(d, 1, x, mean, var); break;
    case Layout::Pixel: pixel_moments_f32(d, x, mean, var); break;
  }
}

void run_normalize(const Case& k, const float* x, const float* mean, const float* rstd,
                   float* y) {
  const NormDims d = k.dims();
  const float *g = k.gamma.data(), *b = k.beta.data();
  switch (k.spec.layout) {
    case Layout::Channel: channel_normalize_f32(d, x, mean, rstd, g, b, y); break;
    case Layout::Group: group_normalize_f32(d, k.spec.groups, x, mean, rstd, g, b, y); break;
    case Layout::Sample: sample_normalize_f32(d, x, mean, rstd, g, b, y); break;
    case Layout::Pixel: pixel_normalize_f32(d, x, mean, rstd, g, b, y); break;
  }
}

void run_grad_sums(const Case& k, const float* mean, const float* rstd, float* s1, float* s2,
                   float* dgamma, float* dbeta) {
  const NormDims d = k.dims();
  const float *x = k.x.data(), *dy = k.dy.data(), *g = k.gamma.data();
  switch (k.spec.layout) {
    case Layout::Channel:
      channel_grad_sums_f32(d, x, dy, mean, rstd, g, s1, s2, dgamma, dbeta);
      break;
    case Layout::Group:
      group_grad_sums_f32(d, k.spec.groups, x, dy, mean, rstd, g, s1, s2, dgamma, dbeta);
      break;
    case Layout::Sample:
      sample_grad_sums_f32(d, x, dy, mean, rstd, g, s1, s2, dgamma, dbeta);
      break;
    case Layout::Pixel: pixel_grad_sums_f32(d, x, dy, mean, rstd, g, s1, s2, dgamma, dbeta); break;
  }
}

void run_backward(const Case& k, const float* dy, const float* mean, const float* rstd,
                  const float* s1, const float* s2, float* dx) {
  const NormDims d = k.dims();
  const float *x = k.x.data(), *g = k.gamma.data();
  switch (k.spec.layout) {
    case Layout::Channel:
      channel_normalize_backward_f32(d, x, dy, mean, rstd, g, s1, s2, dx);
      break;
    case Layout::Group:
      group_normalize_backward_f32(d, k.spec.groups, x, dy, mean, rstd, g, s1, s2, dx);
      break;
    case Layout::Sample: sample_normalize_backward_f32(d, x, dy, mean, rstd, g, s1, s2, dx); break;
    case Layout::Pixel: pixel_normalize_backward_f32(d, x, dy, mean, rstd, g, s1, s2, dx); break;
  }
}

// Float statistics for the kernels under test, and the same values in double for the
// reference, so each kernel is checked on its own (not through the error of another).
struct Stats {
  std::vector<float> mean, rstd;
  Vec dmean, drstd;
};
Stats stats_of(const Case& k, double eps = 1e-5) {
  rn::Moments m = rn::moments(k.spec, rn::as_double(k.x.data(), k.x.size()));
  Stats s{to_float(m.mean), to_float(rn::rstd_of(m.var, eps)), {}, {}};
  s.dmean = Vec(s.mean.begin(), s.mean.end());
  s.drstd = Vec(s.rstd.begin(), s.rstd.end());
  return s;
}

double max_abs(const std::vector<float>& v) {
  double m = 0.0;
  for (float f : v) m = std::max(m, double(std::fabs(f)));
  return m;
}

}  // namespace

TEST_CASE("norm moments kernels match the double reference on odd shapes",
          "[kernels][norm_stats]") {
  int checked = 0;
  for (Layout layout : kLayouts)
    for (const Case& k : cases(layout)) {
      INFO(k.str());
      rn::Moments want = rn::moments(k.spec, rn::as_double(k.x.data(), k.x.size()));
      std::vector<float> mean(k.spec.stat_count()), var(k.spec.stat_count());
      run_moments(k, k.x.data(), mean.data(), var.data());
      // Each block's float mean is corrected in double by the residual Σ(x − c), so the
      // mean is exact up to rounding it to float (≤ 2 ulps: 2.4e-7 relative) plus float
      // rounding of the centred sums, a few 1e-8 of the spread (|x − mean| ≤ 1). The variance
      // (≈ 1/3 here) comes from float squares summed over ≤ 256 values: 2e-6 relative.
      REQUIRE_CLOSE(mean.data(), want.mean.data(), mean.size(), 2e-7, 2.4e-7);
      REQUIRE_CLOSE(var.data(), want.var.data(), var.size(), 1e-7, 2e-6);
      ++checked;
    }
  REQUIRE(checked >= 4 * 50);
}

TEST_CASE("norm moments stay accurate for a large offset and a million values",
          "[kernels][norm_stats]") {
  // A float running sum of a million values near 0.1 is off by about 1%; the blocked
  // double flush keeps the statistics to float rounding.
  Shape s{4, 2, 250, 1000};
  std::vector<float> x(s.size());
  Rng rng(5, 3);
  for (float& v : x) v = 0.1f + 0.01f * rng.uniform(-1.0f, 1.0f);
  for (Layout layout : {Layout::Channel, Layout::Group}) {
    rn::Spec spec{layout, s, 2};
    rn::Moments want = rn::moments(spec, rn::as_double(x.data(), x.size()));
    std::vector<float> mean(spec.stat_count()), var(spec.stat_count());
    NormDims d{s.n, s.c, s.plane()};
    if (layout == Layout::Channel)
      channel_moments_f32(d, x.data(), mean.data(), var.data());
    else
      group_moments_f32(d, 2, x.data(), mean.data(), var.data());
    INFO(rn::layout_name(layout));
    // Relative to the values: a few float ulps.
    REQUIRE_CLOSE(mean.data(), want.mean.data(), mean.size(), 0.0, 1e-6);
    REQUIRE_CLOSE(var.data(), want.var.data(), var.size(), 0.0, 1e-5);
  }
  // Offset 1000, spread 1: E[x²] − E[x]² in float would lose every digit of the variance.
  Shape t{3, 4, 9, 9};
  std::vector<float> y(t.size());
  for (float& v : y) v = 1000.0f + rng.uniform(-1.0f, 1.0f);
  for (Layout layout : kLayouts) {
    rn::Spec spec{layout, t, 2};
    Case k;
    k.spec = spec;
    rn::Moments want = rn::moments(spec, rn::as_double(y.data(), y.size()));
    std::vector<float> mean(spec.stat_count()), var(spec.stat_count());
    run_moments(k, y.data(), mean.data(), var.data());
    INFO(rn::layout_name(layout));
    // The data hold 1000 ± 1 in float (ulp 6e-5): the centred sums are exact to a few ulps
    // of the spread, the mean to a few ulps of 1000.
    REQUIRE_CLOSE(mean.data(), want.mean.data(), mean.size(), 0.0, 1e-6);
    REQUIRE_CLOSE(var.data(), want.var.data(), var.size(), 0.0, 1e-5);
  }
}

TEST_CASE("norm normalize kernels match the double reference on odd shapes",
          "[kernels][norm_stats]") {
  for (Layout layout : kLayouts)
    for (const Case& k : cases(layout)) {
      INFO(k.str());
      Stats s = stats_of(k);
      Vec want = rn::normalize(k.spec, rn::as_double(k.x.data(), k.x.size()), s.dmean, s.drstd,
                               rn::as_double(k.gamma.data(), k.gamma.size()),
                               rn::as_double(k.beta.data(), k.beta.size()));
      std::vector<float> y(k.x.size());
      run_normalize(k, k.x.data(), s.mean.data(), s.rstd.data(), y.data());
      // A few float roundings of (x − mean)·rstd·γ + β, each ≤ 6e-8 relative; x − mean
      // carries the rounding of x itself when the offset is large.
      REQUIRE_CLOSE(y.data(), want.data(), y.size(), 1e-6 * (1.0 + std::fabs(k.offset)), 1e-6);
    }
}

TEST_CASE("norm grad-sum kernels match the double reference and add into dgamma, dbeta",
          "[kernels][norm_stats]") {
  for (Layout layout : kLayouts)
    for (const Case& k : cases(layout)) {
      INFO(k.str());
      Stats s = stats_of(k);
      rn::GradSums want = rn::grad_sums(k.spec, rn::as_double(k.x.data(), k.x.size()),
                                        rn::as_double(k.dy.data(), k.dy.size()), s.dmean, s.drstd,
                                        rn::as_double(k.gamma.data(), k.gamma.size()));
      const std::size_t ns = k.spec.stat_count(), np = k.spec.param_count();
      std::vector<float> s1(ns), s2(ns), dgamma(np), dbeta(np);
      // Gradients already in the buffers must be kept: start from random values.
      Rng rng(9, 9);
      for (float& v : dgamma) v = rng.uniform(-1.0f, 1.0f);
      for (float& v : dbeta) v = rng.uniform(-1.0f, 1.0f);
      Vec want_dgamma(np), want_dbeta(np);
      for (std::size_t i = 0; i < np; ++i) {
        want_dgamma[i] = dgamma[i] + want.dgamma[i];
        want_dbeta[i] = dbeta[i] + want.dbeta[i];
      }
      run_grad_sums(k, s.mean.data(), s.rstd.data(), s1.data(), s2.data(), dgamma.data(),
                    dbeta.data());
      // Sums of up to 3920 terms of magnitude ≤ 1.5·|x̂|: float partials of ≤ 256 terms
      // flushed to double give ~1e-7 of the largest partial; the absolute term scales with
      // √(terms per sum), the size of a sum of random-sign terms.
      const double atol = 1e-6 * std::sqrt(double(k.spec.per_stat()));
      const double patol = 1e-6 * std::sqrt(double(k.x.size() / np));
      REQUIRE_CLOSE(s1.data(), want.sum_gdy.data(), ns, atol, 1e-6);
      REQUIRE_CLOSE(s2.data(), want.sum_gdy_xhat.data(), ns, atol, 1e-6);
      REQUIRE_CLOSE(dgamma.data(), want_dgamma.data(), np, patol, 1e-6);
      REQUIRE_CLOSE(dbeta.data(), want_dbeta.data(), np, patol, 1e-6);
      // Without parameter gradients the statistic sums are the same.
      std::vector<float> t1(ns), t2(ns);
      run_grad_sums(k, s.mean.data(), s.rstd.data(), t1.data(), t2.data(), nullptr, nullptr);
      REQUIRE(t1 == s1);
      REQUIRE(t2 == s2);
    }
}

TEST_CASE("norm backward kernels match the double reference on odd shapes",
          "[kernels][norm_stats]") {
  for (Layout layout : kLayouts)
    for (const Case& k : cases(layout)) {
      INFO(k.str());
      Stats s = stats_of(k);
      const Vec x = rn::as_double(k.x.data(), k.x.size()), dy = rn::as_double(k.dy.data(), k.dy.size());
      const Vec gamma = rn::as_double(k.gamma.data(), k.gamma.size());
      rn::GradSums sums = rn::grad_sums(k.spec, x, dy, s.dmean, s.drstd, gamma);
      std::vector<float> s1 = to_float(sums.sum_gdy), s2 = to_float(sums.sum_gdy_xhat);
      Vec want = rn::normalize_backward(k.spec, x, dy, s.dmean, s.drstd, gamma,
                                        Vec(s1.begin(), s1.end()), Vec(s2.begin(), s2.end()));
      std::vector<float> dx(k.x.size());
      run_backward(k, k.dy.data(), s.mean.data(), s.rstd.data(), s1.data(), s2.data(), dx.data());
      // dx = rstd·(γ·dy − k1 − x̂·k2): terms of size ≤ rstd·(1.5 + |k1| + |x̂·k2|), each
      // rounded a few times in float; the largest rstd sets the absolute scale.
      const double rmax = max_abs(s.rstd);
      REQUIRE_CLOSE(dx.data(), want.data(), dx.size(), 1e-6 * rmax * (1.0 + std::fabs(k.offset)), 1e-5);
    }
}

TEST_CASE("channel_scale_backward_f32 multiplies by gamma·rstd per channel",
          "[kernels][norm_stats]") {
  for (const Case& k : cases(Layout::Channel)) {
    INFO(k.str());
    Stats s = stats_of(k);
    std::vector<float> dx(k.dy.size());
    channel_scale_backward_f32(k.dims(), k.dy.data(), s.rstd.data(), k.gamma.data(), dx.data());
    Vec want(k.dy.size());
    rn::for_each_value(k.spec, [&](std::size_t i, std::size_t st, std::size_t p) {
      want[i] = double(k.dy[i]) * k.gamma[p] * s.rstd[st];
    });
    // One or two float products: a couple of ulps.
    REQUIRE_CLOSE(dx.data(), want.data(), dx.size(), 1e-7, 3e-7);
  }
}

TEST_CASE("norm kernels may run in place: y over x, dx over dy", "[kernels][norm_stats]") {
  for (Layout layout : kLayouts)
    for (const Case& k : cases(layout)) {
      INFO(k.str());
      Stats s = stats_of(k);
      std::vector<float> y(k.x.size()), inplace = k.x;
      run_normalize(k, k.x.data(), s.mean.data(), s.rstd.data(), y.data());
      run_normalize(k, inplace.data(), s.mean.data(), s.rstd.data(), inplace.data());
      REQUIRE(inplace == y);

      std::vector<float> s1(k.spec.stat_count()), s2(k.spec.stat_count());
      run_grad_sums(k, s.mean.data(), s.rstd.data(), s1.data(), s2.data(), nullptr, nullptr);
      std::vector<float> dx(k.x.size()), dx_inplace = k.dy;
      run_backward(k, k.dy.data(), s.mean.data(), s.rstd.data(), s1.data(), s2.data(), dx.data());
      run_backward(k, dx_inplace.data(), s.mean.data(), s.rstd.data(), s1.data(), s2.data(),
                   dx_inplace.data());
      REQUIRE(dx_inplace == dx);
    }
}
