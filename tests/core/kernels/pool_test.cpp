// Pooling kernels against the naive references of tests/reference/kernels.hpp on seeded
// random geometries (kernel 1–4, stride 1–3, padding up to the kernel size, widths around
// the SIMD width), batches of 1–3 samples, and fixed ones: windows in the padding, kernels
// above 16 (argmax codes of two bytes).
#include "core/kernels/pool.hpp"

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
constexpr double u = test::kUnitRoundoff;  // 2⁻²⁴
const float kNaN = std::numeric_limits<float>::quiet_NaN();

struct PoolCase {
  PoolGeometry g;
  int n = 1;
  std::string str() const {
    std::ostringstream out;
    out << "n=" << n << " C=" << g.channels << " " << g.height << "x" << g.width << " kernel "
        << g.kernel << " stride " << g.stride << " pad " << g.pad << " -> " << g.out_h << "x"
        << g.out_w;
    return out.str();
  }
  std::size_t in_size() const { return std::size_t(n) * g.channels * g.height * g.width; }
  std::size_t out_size() const { return std::size_t(n) * g.channels * g.out_h * g.out_w; }
  int code_bytes() const { return max_pool2d_argmax_bytes(g.kernel); }
};

PoolCase make_case(int n, int c, int h, int w, int kernel, int stride, int pad) {
  PoolCase pc;
  pc.n = n;
  pc.g.channels = c, pc.g.height = h, pc.g.width = w;
  pc.g.kernel = kernel, pc.g.stride = stride, pc.g.pad = pad;
  pc.g.out_h = (h + 2 * pad - kernel) / stride + 1;
  pc.g.out_w = (w + 2 * pad - kernel) / stride + 1;
  return pc;
}

std::vector<PoolCase> test_cases(uint64_t seed) {
  const int W = kSimdWidth;
  std::vector<PoolCase> cs = {
      make_case(2, 3, 28, 28, 2, 2, 0),       make_case(1, 4, 14, 14, 2, 2, 0),
      make_case(1, 2, 7, 7, 3, 2, 1),         make_case(1, 1, 1, 1, 1, 1, 0),
      make_case(2, 2, 5, 5, 3, 1, 1),         make_case(1, 1, 3, 3, 2, 1, 2),  // windows in padding
      make_case(1, 2, 4, 2 * W + 1, 2, 2, 0),
      make_case(1, 2, 20, 23, 17, 1, 8),      make_case(2, 1, 33, 30, 20, 3, 10),
      make_case(1, 1, 3, 3, 17, 1, 17),  // windows in padding, two-byte codes
  };
  Rng rng(seed, 2);
  while (cs.size() < 60) {
    int kernel = 1 + int(rng.below(4)), stride = 1 + int(rng.below(3));
    int pad = int(rng.below(uint32_t(kernel / 2 + 1)));  // PyTorch allows pad ≤ kernel/2
    int h = 1 + int(rng.below(12)), w = std::max(1, int(W) - 1 + int(rng.below(2 * W + 3)));
    if (h + 2 * pad < kernel || w + 2 * pad < kernel) continue;
    cs.push_back(
        make_case(1 + int(rng.below(3)), 1 + int(rng.below(4)), h, w, kernel, stride, pad));
  }
  return cs;
}

// Values from a small set of integers, so windows often hold tied maxima.
std::vector<float> tie_prone_vector(std::size_t n, uint64_t seed) {
  Rng rng(seed, 3);
  std::vector<float> v(n);
  for (auto& x : v) x = float(int(rng.below(7)) - 3);
  return v;
}

std::vector<float> random_vector(std::size_t n, uint64_t seed) {
  return test::uniform_vector(n, seed, 4);
}

// Bytes past the argmax the kernel is given, which it must leave alone.
constexpr std::size_t kGuard = 16;
constexpr uint8_t kUntouched = 0xA5;

// max_pool2d_f32's argmax for the case, with kGuard bytes after it.
std::vector<uint8_t> argmax_buffer(const PoolCase& pc) {
  return std::vector<uint8_t>(pc.out_size() * pc.code_bytes() + kGuard, kUntouched);
}

// The window codes in an argmax buffer (least significant byte first); checks the guard.
std::vector<uint32_t> codes_of(const std::vector<uint8_t>& argmax, const PoolCase& pc) {
  const int bytes = pc.code_bytes();
  std::vector<uint32_t> codes(pc.out_size(), 0);
  for (std::size_t i = 0; i < codes.size(); ++i)
    for (int b = 0; b < bytes; ++b) codes[i] |= uint32_t(argmax[i * bytes + b]) << 8 * b;
  for (std::size_t i = codes.size() * bytes; i < argmax.size(); ++i) REQUIRE(argmax[i] == kUntouched);
  return codes;
}

// Runs the max pool on x into arg and requires y (NaN where the reference has NaN) and the
// argmax codes to be the naive reference's; returns the reference's codes.
std::vector<uint32_t> require_max_pool_as_reference(const PoolCase& pc, const std::vector<float>& x,
                                                    std::vector<uint8_t>& arg) {
  std::vector<float> y(pc.out_size(), 99.0f);  // no input value: an unwritten y shows
  max_pool2d_f32(pc.g, pc.n, x.data(), y.data(), arg.data());
  std::vector<double> want;
  std::vector<uint32_t> want_arg;
  ref::max_pool2d(pc.g, pc.n, x.data(), want, want_arg);
  const std::vector<uint32_t> codes = codes_of(arg, pc);
  for (std::size_t i = 0; i < want.size(); ++i) {
    INFO("output " << i);
    if (std::isnan(want[i]))
      REQUIRE(std::isnan(y[i]));
    else
      REQUIRE(y[i] == want[i]);  // a selection: exact
    REQUIRE(codes[i] == want_arg[i]);
  }
  return want_arg;
}

}  // namespace

TEST_CASE("max pool picks the first maximum of each window and records where it was",
          "[kernels][pool]") {
  uint64_t seed = 1100;
  for (const PoolCase& pc : test_cases(seed)) {
    INFO("seed " << seed << ": " << pc.str());
    std::vector<uint8_t> arg = argmax_buffer(pc);
    require_max_pool_as_reference(pc, tie_prone_vector(pc.in_size(), seed++), arg);
  }
}

TEST_CASE("max pool propagates NaN like PyTorch", "[kernels][pool]") {
  PoolCase pc = make_case(1, 1, 2, 4, 2, 2, 0);
  std::vector<float> x = {1, 5, 2, kNaN, 3, 4, kNaN, 0};
  std::vector<float> y(2);
  std::vector<uint8_t> arg = argmax_buffer(pc);
  max_pool2d_f32(pc.g, 1, x.data(), y.data(), arg.data());
  std::vector<double> want;
  std::vector<uint32_t> want_arg;
  ref::max_pool2d(pc.g, 1, x.data(), want, want_arg);
  CHECK(y[0] == 5.0f);
  CHECK(arg[0] == 1);  // (0,1) of its window
  CHECK(std::isnan(y[1]));  // a NaN in the window wins over the numbers
  CHECK(arg[1] == want_arg[1]);
}

TEST_CASE("max pool 2x2 stride 2 (its own path) matches the reference on odd sizes, ties and NaN, "
          "forward and backward",
          "[kernels][pool]") {
  // Widths around 2·(vector of 4 outputs), odd sizes that leave a row or column unused,
  // a tail after the vector loop; values tie-prone, and a fraction of them NaN.
  Rng rng(1150, 4);
  for (int t = 0; t < 80; ++t) {
    const int h = 2 + int(rng.below(16)), w = 2 + int(rng.below(40));
    PoolCase pc = make_case(1 + int(rng.below(3)), 1 + int(rng.below(3)), h, w, 2, 2, 0);
    INFO("case " << t << ": " << pc.str());
    auto x = tie_prone_vector(pc.in_size(), 1160 + t);
    for (auto& v : x)
      if (t % 2 == 1 && rng.below(9) == 0) v = kNaN;
    std::vector<uint8_t> arg = argmax_buffer(pc);
    const std::vector<uint32_t> want_arg = require_max_pool_as_reference(pc, x, arg);
    // Backward: windows do not overlap, so every dx is one dy or 0, exactly; rows and
    // columns no window reaches are 0 too (dx starts as NaN: assigned, not accumulated).
    auto dy = random_vector(pc.out_size(), 1170 + t);
    std::vector<float> dx(pc.in_size(), kNaN);
    max_pool2d_backward_f32(pc.g, pc.n, dy.data(), arg.data(), dx.data());
    auto want_dx = ref::max_pool2d_backward(pc.g, pc.n, dy.data(), want_arg.data());
    for (std::size_t i = 0; i < want_dx.size(); ++i) {
      INFO("dx " << i);
      REQUIRE(dx[i] == want_dx[i]);
    }
  }
}

TEST_CASE("max pool backward routes each gradient to its argmax and zeroes the rest",
          "[kernels][pool]") {
  uint64_t seed = 1200;
  for (const PoolCase& pc : test_cases(seed)) {
    INFO("seed " << seed << ": " << pc.str());
    auto x = tie_prone_vector(pc.in_size(), seed++);
    auto dy = random_vector(pc.out_size(), seed++);
    std::vector<float> y(pc.out_size());
    std::vector<uint8_t> arg = argmax_buffer(pc);
    max_pool2d_f32(pc.g, pc.n, x.data(), y.data(), arg.data());
    std::vector<float> dx(pc.in_size(), kNaN);  // assigned, not accumulated
    max_pool2d_backward_f32(pc.g, pc.n, dy.data(), arg.data(), dx.data());
    std::vector<double> want_y;
    std::vector<uint32_t> want_arg;
    ref::max_pool2d(pc.g, pc.n, x.data(), want_y, want_arg);
    auto want = ref::max_pool2d_backward(pc.g, pc.n, dy.data(), want_arg.data());
    auto mag = ref::max_pool2d_backward(pc.g, pc.n, abs_of(dy).data(), want_arg.data());
    // Overlapping windows (stride < kernel) may route up to kernel² gradients to one pixel.
    require_sums_close(dx.data(), want, mag, pc.g.kernel * pc.g.kernel + 1);
  }
}

TEST_CASE("max pool keeps four-byte argmax codes for kernels above 256", "[kernels][pool]") {
  // Kernel 257 on a 257-row image: four outputs in a row, codes up to 257² − 1. The
  // largest value sits in the last window's bottom-right pixel, code 66048, which needs a
  // third byte.
  PoolCase pc = make_case(1, 1, 257, 260, 257, 1, 0);
  REQUIRE(pc.code_bytes() == 4);
  auto x = random_vector(pc.in_size(), 1250);
  x.back() = 2.0f;
  std::vector<uint8_t> arg = argmax_buffer(pc);
  const std::vector<uint32_t> want_arg = require_max_pool_as_reference(pc, x, arg);
  REQUIRE(want_arg[3] == 66048u);
  auto dy = random_vector(pc.out_size(), 1251);
  std::vector<float> dx(pc.in_size(), kNaN);
  max_pool2d_backward_f32(pc.g, pc.n, dy.data(), arg.data(), dx.data());
  auto want_dx = ref::max_pool2d_backward(pc.g, pc.n, dy.data(), want_arg.data());
  auto mag = ref::max_pool2d_backward(pc.g, pc.n, abs_of(dy).data(), want_arg.data());
  require_sums_close(dx.data(), want_dx, mag, 5);
}

TEST_CASE("avg pool divides each window sum by kernel² (count_include_pad)", "[kernels][pool]") {
  uint64_t seed = 1300;
  for (const PoolCase& pc : test_cases(seed)) {
    INFO("seed " << seed << ": " << pc.str());
    auto x = random_vector(pc.in_size(), seed++);
    std::vector<float> y(pc.out_size(), kNaN);
    avg_pool2d_f32(pc.g, pc.n, x.data(), y.data());
    auto want = ref::avg_pool2d(pc.g, pc.n, x.data());
    auto mag = ref::avg_pool2d(pc.g, pc.n, abs_of(x).data());
    // kernel² additions and one multiply by 1/kernel² (itself rounded): kernel² + 2.
    require_sums_close(y.data(), want, mag, pc.g.kernel * pc.g.kernel + 2);
  }
}

TEST_CASE("avg pool backward spreads dy/kernel² over each window", "[kernels][pool]") {
  uint64_t seed = 1400;
  for (const PoolCase& pc : test_cases(seed)) {
    INFO("seed " << seed << ": " << pc.str());
    auto dy = random_vector(pc.out_size(), seed++);
    std::vector<float> dx(pc.in_size(), kNaN);
    avg_pool2d_backward_f32(pc.g, pc.n, dy.data(), dx.data());
    auto want = ref::avg_pool2d_backward(pc.g, pc.n, dy.data());
    auto mag = ref::avg_pool2d_backward(pc.g, pc.n, abs_of(dy).data());
    require_sums_close(dx.data(), want, mag, pc.g.kernel * pc.g.kernel + 2);
  }
}

TEST_CASE("global avg pool averages each plane and its backward spreads dy evenly",
          "[kernels][pool]") {
  Rng rng(1500, 5);
  const std::size_t W = kSimdWidth;
  for (int t = 0; t < 60; ++t) {
    int n = 1 + int(rng.below(3)), c = 1 + int(rng.below(6));
    std::size_t plane = t < 8 ? std::vector<std::size_t>{1,   W - 1 + (W == 1), W, W + 1, 2 * W, 49,
                                                         196, 32 * W + 1}[t]
                              : 1 + rng.below(900);
    INFO("seed 1500, case " << t << ": n=" << n << " C=" << c << " plane=" << plane);
    auto x = random_vector(std::size_t(n) * c * plane, 1600 + t);
    std::vector<float> y(std::size_t(n) * c, kNaN);
    global_avg_pool_f32(n, c, plane, x.data(), y.data());
    for (std::size_t p = 0; p < y.size(); ++p) {
      double sum = 0.0, mag = 0.0;
      for (std::size_t i = 0; i < plane; ++i) {
        sum += x[p * plane + i];
        mag += std::fabs(x[p * plane + i]);
      }
      // The plane sum uses sum_f32 (≤ 16u·Σ|x|, see elementwise_test), then one rounding.
      REQUIRE(std::fabs(y[p] - sum / plane) <= 17 * u * mag / plane + 1e-30);
    }
    auto dy = random_vector(y.size(), 1700 + t);
    std::vector<float> dx(x.size(), kNaN);
    global_avg_pool_backward_f32(n, c, plane, dy.data(), dx.data());
    for (std::size_t i = 0; i < dx.size(); ++i) {
      double want = double(dy[i / plane]) / plane;
      REQUIRE(std::fabs(dx[i] - want) <= u * std::fabs(want));  // one rounding
    }
  }
}
