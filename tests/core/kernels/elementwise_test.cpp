// Elementwise kernels against the double references of tests/reference/kernels.hpp, on
// lengths around the SIMD width (vector body + tail), primes, sum-chunk edges and seeded
// random lengths, at unaligned start addresses too. Tolerances are per function, each with
// its reason; u = 2⁻²⁴ is float's unit roundoff.
#include "core/kernels/elementwise.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <vector>

#include "core/kernels/simd.hpp"
#include "core/rng.hpp"
#include "reference/kernels.hpp"

namespace {

using namespace normlab;
constexpr double u = 1.0 / 16777216.0;  // 2⁻²⁴

// Lengths that exercise the vector body and every tail length: 0, 1, around W and 2W,
// primes, around the 32·W chunk of the reductions, plus 40 seeded random lengths.
std::vector<std::size_t> test_lengths(uint64_t seed) {
  const std::size_t W = kSimdWidth;
  std::vector<std::size_t> n = {
      0, 1,  2,  3,  W - 1, W,   W + 1, 2 * W - 1,  2 * W,  2 * W + 1,  3 * W + 1,  5,
      7, 13, 31, 61, 97,    127, 257,   32 * W - 1, 32 * W, 32 * W + 1, 64 * W + 3, 1031};
  Rng rng(seed, 1);
  for (int i = 0; i < 40; ++i) n.push_back(1 + rng.below(3000));
  return n;
}

// A random vector in [lo, hi) starting `offset` floats into its storage, so the kernels
// also see start addresses that are not vector-aligned.
struct Data {
  std::vector<float> storage;
  float* p;
  Data(std::size_t n, uint64_t seed, float lo, float hi, std::size_t offset)
      : storage(n + offset + 1) {
    Rng rng(seed, 3);
    for (auto& v : storage) v = rng.uniform(lo, hi);
    p = storage.data() + offset;
  }
};

// Checks |got[i] − want[i]| ≤ tol[i] for all i, reporting the first failure.
void require_within(const float* got, const std::vector<double>& want,
                    const std::vector<double>& tol, const float* x) {
  for (std::size_t i = 0; i < want.size(); ++i) {
    if (!(std::fabs(double(got[i]) - want[i]) <= tol[i])) {
      INFO("index " << i << " of " << want.size() << ", x = " << x[i] << ": got " << got[i]
                    << ", want " << want[i] << ", tolerance " << tol[i]);
      REQUIRE(std::fabs(double(got[i]) - want[i]) <= tol[i]);
    }
  }
}

using Forward = std::function<void(const float*, float*, std::size_t)>;
using Backward = std::function<void(const float*, const float*, float*, std::size_t)>;

// Runs forward and backward on every test length and compares with the references.
// fwd_tol / bwd_tol give the allowed error for one element from x (and the exact values).
void check_activation(const char* name, Forward fwd, Backward bwd, std::function<double(double)> f,
                      std::function<double(double)> df,
                      std::function<double(double, double)> fwd_tol,
                      std::function<double(double, double, double)> bwd_tol, float lo, float hi,
                      uint64_t seed) {
  for (std::size_t n : test_lengths(seed)) {
    INFO(name << ": seed " << seed << ", n = " << n);
    Data x(n, seed + n, lo, hi, n % 3), dy(n, seed + 7 * n, -1.0f, 1.0f, n % 2);
    std::vector<float> y(n + 1), dx(n + 1);
    fwd(x.p, y.data(), n);
    if (bwd) bwd(x.p, dy.p, dx.data(), n);
    std::vector<double> want(n), tol(n), dwant(n), dtol(n);
    for (std::size_t i = 0; i < n; ++i) {
      double xi = x.p[i], g = dy.p[i];
      want[i] = f(xi);
      tol[i] = fwd_tol(xi, want[i]);
      if (bwd) {
        dwant[i] = g * df(xi);
        dtol[i] = bwd_tol(xi, g, dwant[i]);
      }
    }
    require_within(y.data(), want, tol, x.p);
    if (bwd) require_within(dx.data(), dwant, dtol, x.p);
  }
}

}  // namespace

TEST_CASE("relu and leaky relu forward and backward match the reference exactly",
          "[kernels][elementwise]") {
  // Selections and one multiply by slope: exact, or within one rounding (u·|y|).
  auto one_rounding = [](double, double y) { return u * std::fabs(y); };
  auto one_rounding_bwd = [](double, double, double d) { return u * std::fabs(d); };
  check_activation("relu", relu_f32, relu_backward_f32, ref::relu, ref::relu_grad, one_rounding,
                   one_rounding_bwd, -4.0f, 4.0f, 11);
  const float slope = 0.01f;
  check_activation(
      "leaky_relu",
      [=](const float* x, float* y, std::size_t n) { leaky_relu_f32(x, y, n, slope); },
      [=](const float* x, const float* dy, float* dx, std::size_t n) {
        leaky_relu_backward_f32(x, dy, dx, n, slope);
      },
      [=](double x) { return ref::leaky_relu(x, slope); },
      [=](double x) { return ref::leaky_relu_grad(x, slope); }, one_rounding, one_rounding_bwd,
      -4.0f, 4.0f, 12);
}

TEST_CASE("relu passes NaN through and has zero gradient at zero", "[kernels][elementwise]") {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> x(2 * kSimdWidth + 1, 0.0f), y(x.size()), dy(x.size(), 1.0f), dx(x.size());
  x[0] = nan;
  x.back() = nan;  // one in the vector body, one in the scalar tail
  relu_f32(x.data(), y.data(), x.size());
  relu_backward_f32(x.data(), dy.data(), dx.data(), x.size());
  CHECK(std::isnan(y[0]));
  CHECK(std::isnan(y.back()));
  for (std::size_t i = 1; i + 1 < x.size(); ++i) {
    CHECK(y[i] == 0.0f);
    CHECK(dx[i] == 0.0f);  // PyTorch: relu'(0) = 0
  }
}

TEST_CASE("relu's bit mask gives relu's own gradient", "[kernels][elementwise]") {
  // relu_bits_f32 gives relu_f32's y, and with its bits backward must give exactly what
  // relu_backward_f32 gives from x: dy where x > 0, else 0 (NaN and ±0 included).
  const float nan = std::numeric_limits<float>::quiet_NaN();
  for (std::size_t n : test_lengths(14)) {
    CAPTURE(n);
    Data x(n, 15, -2.0f, 2.0f, n % 3), dy(n, 16, -1.0f, 1.0f, 0);
    if (n > 0) x.p[0] = nan;
    if (n > 2) x.p[n / 2] = -0.0f;
    if (n > 3) x.p[n - 1] = 0.0f;
    std::vector<float> y(n), y_bits(n), want(n), got(n);
    std::vector<uint32_t> bits((n + 31) / 32, 0xdeadbeefu);  // every word is written
    relu_f32(x.p, y.data(), n);
    relu_bits_f32(x.p, y_bits.data(), bits.data(), n);
    relu_backward_f32(x.p, dy.p, want.data(), n);
    relu_backward_bits_f32(bits.data(), dy.p, got.data(), n);
    for (std::size_t i = 0; i < n; ++i) {
      INFO("index " << i << ", x = " << x.p[i]);
      REQUIRE(((bits[i / 32] >> (i % 32)) & 1u) == (double(x.p[i]) > 0.0 ? 1u : 0u));
      REQUIRE(std::memcmp(&y_bits[i], &y[i], sizeof(float)) == 0);  // NaN and -0 too
      REQUIRE(got[i] == want[i]);
      REQUIRE(std::signbit(got[i]) == std::signbit(want[i]));
    }
    if (n % 32) CHECK(bits.back() >> (n % 32) == 0u);  // the last word's unused bits
  }
}

TEST_CASE("sigmoid and silu forward and backward match the reference", "[kernels][elementwise]") {
  // σ from exp (≤ 2 ulp in xsimd and libm), one add, one divide: ≈ 4u relative. 16u
  // leaves headroom. The absolute 1e-37 covers results in float's subnormal range.
  auto sigma_tol = [](double, double y) { return 16 * u * std::fabs(y) + 1e-37; };
  // sigmoid_backward is checked on its own below: it takes the forward output.
  check_activation("sigmoid", sigmoid_f32, nullptr, ref::sigmoid, nullptr, sigma_tol, nullptr,
                   -12.0f, 12.0f, 21);
  // silu' = σ·(1 + x·(1−σ)) cancels near x ≈ −1.28 (where it crosses 0): the error is
  // relative to the magnitude σ·(1 + |x|·(1−σ)) of the terms, not to the result.
  check_activation(
      "silu", silu_f32, silu_backward_f32, ref::silu, ref::silu_grad, sigma_tol,
      [](double x, double g, double) {
        double s = ref::sigmoid(x);
        return 16 * u * std::fabs(g) * s * (1 + std::fabs(x) * (1 - s)) + 1e-37;
      },
      -12.0f, 12.0f, 22);
}

TEST_CASE("sigmoid backward computes dy·y·(1−y) from the forward output",
          "[kernels][elementwise]") {
  for (std::size_t n : test_lengths(23)) {
    INFO("seed 23, n = " << n);
    Data y(n, 700 + n, 0.0f, 1.0f, n % 3), dy(n, 800 + n, -1.0f, 1.0f, n % 2);
    std::vector<float> dx(n + 1);
    sigmoid_backward_f32(y.p, dy.p, dx.data(), n);
    for (std::size_t i = 0; i < n; ++i) {
      double want = double(dy.p[i]) * y.p[i] * (1.0 - y.p[i]);
      // 1 − y (one rounding, exact for y ≥ ½) and two products: ≤ 3 roundings.
      REQUIRE(std::fabs(dx[i] - want) <= 4 * u * std::fabs(want));
    }
  }
}

TEST_CASE("gelu (tanh form) forward and backward match the reference", "[kernels][elementwise]") {
  // GELU = x·σ(z), z = 2√(2/π)(x + 0.044715x³) computed in float (≈ 4u relative). σ's
  // relative condition number is |z|·(1−σ(z)), so the error grows like (4 + |z|)·4u.
  auto z_of = [](double x) { return 2 * ref::kGeluC * (x + ref::kGeluA * x * x * x); };
  check_activation(
      "gelu_tanh", gelu_tanh_f32, gelu_tanh_backward_f32, ref::gelu_tanh, ref::gelu_tanh_grad,
      [=](double x, double y) { return 4 * u * (4 + std::fabs(z_of(x))) * std::fabs(y) + 1e-37; },
      // gelu' = σ + x·σ(1−σ)·z'(x): the same conditioning, relative to the terms' size.
      [=](double x, double g, double) {
        double s = ref::sigmoid(z_of(x));
        double dz = 2 * ref::kGeluC * (1 + 3 * ref::kGeluA * x * x);
        double terms = s + std::fabs(x) * s * (1 - s) * dz;
        return 8 * u * (4 + std::fabs(z_of(x))) * std::fabs(g) * terms + 1e-37;
      },
      -8.0f, 8.0f, 31);
}

TEST_CASE("sigmoid, silu and gelu are finite and correct at extreme inputs",
          "[kernels][elementwise]") {
  const float big = std::numeric_limits<float>::max();
  std::vector<float> x = {100.0f, -100.0f, 88.0f, -88.0f, 89.0f, -89.0f, 1e30f, -1e30f,
                          big,    -big,    0.0f,  -0.0f,  20.0f, -20.0f, 50.0f, -50.0f};
  const std::size_t n = x.size();
  std::vector<float> y(n), dy(n, 1.0f), dx(n);
  struct Case {
    const char* name;
    void (*fwd)(const float*, float*, std::size_t);
    void (*bwd)(const float*, const float*, float*, std::size_t);
    double (*f)(double);
    double (*df)(double);
  };
  const Case cases[] = {
      {"silu", silu_f32, silu_backward_f32, ref::silu, ref::silu_grad},
      {"gelu_tanh", gelu_tanh_f32, gelu_tanh_backward_f32, ref::gelu_tanh, ref::gelu_tanh_grad},
  };
  for (const Case& c : cases) {
    c.fwd(x.data(), y.data(), n);
    c.bwd(x.data(), dy.data(), dx.data(), n);
    for (std::size_t i = 0; i < n; ++i) {
      INFO(c.name << "(" << x[i] << ") = " << y[i] << ", derivative " << dx[i]);
      REQUIRE(std::isfinite(y[i]));
      REQUIRE(std::isfinite(dx[i]));
      // Saturated regions: y = x or 0 and y' = 1 or 0, to within float rounding.
      double want = c.f(x[i]), dwant = c.df(x[i]);
      if (!std::isfinite(want)) want = x[i];  // the double reference overflows x³ at ±FLT_MAX
      if (!std::isfinite(dwant)) dwant = x[i] > 0 ? 1.0 : 0.0;
      CHECK(std::fabs(y[i] - want) <= 4 * u * std::fabs(want) + 1e-30);
      CHECK(std::fabs(dx[i] - dwant) <= 1e-6);
    }
  }
  sigmoid_f32(x.data(), y.data(), n);
  sigmoid_backward_f32(y.data(), dy.data(), dx.data(), n);
  for (std::size_t i = 0; i < n; ++i) {
    INFO("sigmoid(" << x[i] << ") = " << y[i]);
    REQUIRE(std::isfinite(y[i]));
    REQUIRE(std::isfinite(dx[i]));
    CHECK(std::fabs(y[i] - ref::sigmoid(x[i])) <= 4 * u * ref::sigmoid(x[i]) + 1e-37);
  }
}

TEST_CASE("forward kernels run in place and backward kernels with dx aliasing dy",
          "[kernels][elementwise]") {
  const std::size_t n = 5 * kSimdWidth + 3;
  Data x(n, 41, -5.0f, 5.0f, 0), dy(n, 42, -1.0f, 1.0f, 0);
  using Fwd = void (*)(const float*, float*, std::size_t);
  using Bwd = void (*)(const float*, const float*, float*, std::size_t);
  const std::pair<Fwd, Bwd> kernels[] = {{relu_f32, relu_backward_f32},
                                         {gelu_tanh_f32, gelu_tanh_backward_f32},
                                         {silu_f32, silu_backward_f32},
                                         {sigmoid_f32, sigmoid_backward_f32}};
  int which = 0;
  for (auto [fwd, bwd] : kernels) {
    INFO("kernel pair " << which++);
    std::vector<float> out(n), in_place(x.p, x.p + n), dout(n), d_in_place(dy.p, dy.p + n);
    fwd(x.p, out.data(), n);
    fwd(in_place.data(), in_place.data(), n);
    bwd(x.p, dy.p, dout.data(), n);
    bwd(x.p, d_in_place.data(), d_in_place.data(), n);
    REQUIRE(in_place == out);  // bitwise: same operations, only the destination differs
    REQUIRE(d_in_place == dout);
  }
}

TEST_CASE("scale_shift, add, mul and axpy are exact to float rounding", "[kernels][elementwise]") {
  for (std::size_t n : test_lengths(51)) {
    INFO("seed 51, n = " << n);
    Data a(n, 100 + n, -3.0f, 3.0f, n % 2), b(n, 200 + n, -3.0f, 3.0f, (n + 1) % 3);
    std::vector<float> y(n + 1);
    const float scale = 1.7f, shift = -0.3f, alpha = -0.6f;
    // a·s + t: at most two roundings (a fused multiply-add makes one): 2u·(|a·s| + |t|).
    scale_shift_f32(a.p, y.data(), n, scale, shift);
    for (std::size_t i = 0; i < n; ++i) {
      double want = double(a.p[i]) * scale + shift;
      REQUIRE(std::fabs(y[i] - want) <=
              2 * u * (std::fabs(double(a.p[i]) * scale) + std::fabs(shift)));
    }
    // a + b and a·b: exactly one rounding.
    add_f32(a.p, b.p, y.data(), n);
    for (std::size_t i = 0; i < n; ++i) REQUIRE(y[i] == a.p[i] + b.p[i]);
    mul_f32(a.p, b.p, y.data(), n);
    for (std::size_t i = 0; i < n; ++i) REQUIRE(y[i] == a.p[i] * b.p[i]);
    // y += alpha·a: two roundings, as scale_shift.
    std::vector<float> acc(b.p, b.p + n);
    axpy_f32(n, alpha, a.p, acc.data());
    for (std::size_t i = 0; i < n; ++i) {
      double want = double(alpha) * a.p[i] + b.p[i];
      REQUIRE(std::fabs(acc[i] - want) <=
              2 * u * (std::fabs(double(alpha) * a.p[i]) + std::fabs(b.p[i])));
    }
  }
}

TEST_CASE("sum, dot and sum_squares match double sums", "[kernels][elementwise]") {
  for (std::size_t n : test_lengths(61)) {
    INFO("seed 61, n = " << n);
    Data x(n, 300 + n, -2.0f, 2.0f, n % 3), y(n, 400 + n, -2.0f, 2.0f, n % 2);
    double sum = 0.0, sum_mag = 0.0, dot = 0.0, mag = 0.0, sq = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
      sum += x.p[i];
      sum_mag += std::fabs(x.p[i]);
      dot += double(x.p[i]) * y.p[i];
      mag += std::fabs(double(x.p[i]) * y.p[i]);
      sq += double(x.p[i]) * x.p[i];
    }
    // Float products (u each) summed in float over chunks of ≤ 8 terms per lane plus a
    // tree of ≤ 2 + log2(W) levels, then in double: ≤ 16u·Σ|x·y| (the scalar build sums in
    // double and is far inside this).
    REQUIRE(std::fabs(sum_f32(x.p, n) - sum) <= 16 * u * sum_mag);
    REQUIRE(std::fabs(dot_f32(x.p, y.p, n) - dot) <= 16 * u * mag);
    REQUIRE(std::fabs(sum_squares_f32(x.p, n) - sq) <= 16 * u * sq);
  }
}

TEST_CASE("add_channel_bias adds one bias per channel and channel_sum accumulates per channel",
          "[kernels][elementwise]") {
  Rng rng(71, 5);
  for (int t = 0; t < 50; ++t) {
    int n = 1 + int(rng.below(4)), c = 1 + int(rng.below(9));
    std::size_t plane = t < 10 ? std::size_t(t) * kSimdWidth / 2 + 1 : 1 + rng.below(800);
    INFO("seed 71, case " << t << ": n = " << n << ", c = " << c << ", plane = " << plane);
    std::size_t size = std::size_t(n) * c * plane;
    Data y(size, 500 + t, -1.0f, 1.0f, 0), bias(c, 600 + t, -1.0f, 1.0f, 0);
    std::vector<float> out(y.p, y.p + size);
    add_channel_bias_f32(out.data(), bias.p, n, c, plane);
    for (std::size_t i = 0; i < size; ++i) {
      int ch = int(i / plane % c);
      REQUIRE(out[i] == y.p[i] + bias.p[ch]);  // one float addition
    }
    std::vector<float> dbias(bias.p, bias.p + c);  // channel_sum adds into what is there
    channel_sum_f32(y.p, n, c, plane, dbias.data());
    for (int ch = 0; ch < c; ++ch) {
      double want = bias.p[ch], mag = std::fabs(bias.p[ch]);
      for (int s = 0; s < n; ++s)
        for (std::size_t i = 0; i < plane; ++i) {
          double v = y.p[(std::size_t(s) * c + ch) * plane + i];
          want += v;
          mag += std::fabs(v);
        }
      // Chunked float partial sums (see dot), then one rounding to float: 16u·Σ|terms|.
      REQUIRE(std::fabs(dbias[ch] - want) <= 16 * u * mag);
    }
  }
}
