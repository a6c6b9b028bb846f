// Kernel benchmark: GFLOP/s of gemm_f32 on the GEMM shapes of the `tiny` and `baseline`
// presets (forward, backward-data, backward-weight), against the naive reference of
// tests/reference and against this machine's SIMD peak, measured here by a register-only
// loop of independent fma chains. Prints a table; asserts nothing.
//
// The peak is measured again next to every GEMM repetition and each repetition's fraction
// is taken against its neighbour: on a shared or virtualized core the clock and the FMA
// throughput drift by tens of percent within a run, and a single peak figure taken once
// would mix that drift into the fractions. Medians over the repetitions.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <vector>

#include "core/kernels/gemm.hpp"
#include "core/kernels/simd.hpp"
#include "core/rng.hpp"
#include "reference/kernels.hpp"

namespace {

using namespace normlab;
using Clock = std::chrono::steady_clock;

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Seconds per call of f over one repetition lasting at least min_seconds.
double seconds_per_call(const std::function<void()>& f, double min_seconds) {
  int calls = 0;
  auto t0 = Clock::now();
  double elapsed = 0.0;
  do {
    f();
    ++calls;
    elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
  } while (elapsed < min_seconds);
  return elapsed / calls;
}

// Peak of the compiled SIMD path: kChains independent accumulators, each updated by
// fma (mul+add where the target has no FMA), so the loop is bound by FMA throughput,
// not latency. Everything stays in registers.
#if NORMLAB_HAS_SIMD
constexpr int kChains = 12;
__attribute__((noinline)) float peak_loop(long iters, float seed) {
  vfloat acc[kChains];
  for (int i = 0; i < kChains; ++i) acc[i] = vfloat(seed + float(i));
  const vfloat x(0.999999f), y(1e-7f);
  for (long it = 0; it < iters; ++it) {
#pragma GCC unroll 16
    for (int i = 0; i < kChains; ++i) acc[i] = xsimd::fma(acc[i], x, y);
  }
  vfloat s = acc[0];
  for (int i = 1; i < kChains; ++i) s += acc[i];
  return xsimd::hadd(s);
}
// One repetition of ~10 ms at 4 GHz.
double peak_gflops(long iters = 4'000'000) {
  volatile float sink = 0.0f;
  volatile float seed = 1.0f;
  double sec = seconds_per_call([&] { sink = sink + peak_loop(iters, seed); }, 0.0);
  return 2.0 * kChains * kSimdWidth * double(iters) / sec * 1e-9;
}
#else
constexpr int kChains = 12;
__attribute__((noinline)) float peak_loop(long iters, float seed) {
  float acc[kChains];
  for (int i = 0; i < kChains; ++i) acc[i] = seed + float(i);
  for (long it = 0; it < iters; ++it) {
#pragma GCC unroll 16
    for (int i = 0; i < kChains; ++i) acc[i] = acc[i] * 0.999999f + 1e-7f;
  }
  float s = 0.0f;
  for (int i = 0; i < kChains; ++i) s += acc[i];
  return s;
}
double peak_gflops(long iters = 4'000'000) {
  volatile float sink = 0.0f;
  volatile float seed = 1.0f;
  double sec = seconds_per_call([&] { sink = sink + peak_loop(iters, seed); }, 0.0);
  return 2.0 * kChains * double(iters) / sec * 1e-9;
}
#endif

struct Case {
  const char* net;
  const char* layer;
  const char* form;
  Trans ta, tb;
  int m, n, k;
};

// Conv lowering per sample: Y[oc×P] = W[oc×K]·cols[K×P]; backward-data dcols[K×P] =
// Wᵀ·dY; backward-weight dW[oc×K] = dY·colsᵀ. Dense on a batch of 64: Y = X·Wᵀ,
// dX = dY·W, dW = dYᵀ·X.
std::vector<Case> conv_cases(const char* net, const char* layer, int oc, int K, int P) {
  return {{net, layer, "forward", Trans::No, Trans::No, oc, P, K},
          {net, layer, "bwd-data", Trans::Yes, Trans::No, K, P, oc},
          {net, layer, "bwd-weight", Trans::No, Trans::Yes, oc, K, P}};
}

std::vector<Case> all_cases() {
  std::vector<Case> cases;
  auto add = [&](std::vector<Case> more) { cases.insert(cases.end(), more.begin(), more.end()); };
  add(conv_cases("tiny", "conv 1->8 28x28", 8, 9, 784));
  add(conv_cases("tiny", "conv 8->16 14x14", 16, 72, 196));
  add(conv_cases("baseline", "conv 1->32 28x28", 32, 9, 784));
  add(conv_cases("baseline", "conv 32->64 28x28", 64, 288, 784));
  add(conv_cases("baseline", "conv 64->128 14x14", 128, 576, 196));
  add({{"baseline", "dense 6272->256 N=64", "forward", Trans::No, Trans::Yes, 64, 256, 6272},
       {"baseline", "dense 6272->256 N=64", "bwd-data", Trans::No, Trans::No, 64, 6272, 256},
       {"baseline", "dense 6272->256 N=64", "bwd-weight", Trans::Yes, Trans::No, 256, 6272, 64}});
  return cases;
}

std::vector<float> random_vector(std::size_t n, uint64_t seed) {
  Rng rng(seed);
  std::vector<float> v(n);
  for (auto& x : v) x = rng.uniform(-1.0f, 1.0f);
  return v;
}

}  // namespace

int main() {
  GemmBlocking blk = gemm_f32_blocking();
  std::printf(
      "normlab kernels_bench: SIMD path %s, W = %d, gemm tile %dx%d, blocks mc=%d kc=%d nc=%d\n",
      simd_name(), kSimdWidth, blk.mr, blk.nr, blk.mc, blk.kc, blk.nc);
  std::vector<double> peaks;
  for (int r = 0; r < 9; ++r) peaks.push_back(peak_gflops());
  std::printf("single-core peak (%d independent %s chains, median of 9): %.1f GFLOP/s\n", kChains,
              NORMLAB_HAS_SIMD ? "vfloat fma" : "scalar mul+add", median(peaks));
  std::printf(
      "gemm: median of 7 repetitions of >= 20 ms, naive: of 5; %%peak: median of gemm / "
      "peak measured next to each repetition\n\n");
  std::printf("%-9s %-21s %-10s %2s %5s %5s %5s  %9s %9s %7s %7s\n", "net", "layer", "form", "op",
              "m", "n", "k", "gemm GF/s", "naive GF", "ratio", "%peak");
  std::vector<double> all_peaks;
  for (const Case& c : all_cases()) {
    int lda = c.ta == Trans::No ? c.k : c.m, ldb = c.tb == Trans::No ? c.n : c.k;
    auto a = random_vector(std::size_t(c.m) * c.k, 1);
    auto b = random_vector(std::size_t(c.k) * c.n, 2);
    std::vector<float> out(std::size_t(c.m) * c.n, 0.0f);
    const double flops = 2.0 * c.m * c.n * c.k;
    auto fast = [&] {
      gemm_f32(c.ta, c.tb, c.m, c.n, c.k, 1.0f, a.data(), lda, b.data(), ldb, 0.0f, out.data(),
               c.n);
    };
    auto naive = [&] {
      auto r = ref::gemm(c.ta, c.tb, c.m, c.n, c.k, 1.0f, a.data(), lda, b.data(), ldb, 0.0f,
                         out.data(), c.n, out.size());
      out[0] = float(r[0]);
    };
    fast();  // warm-up: packing buffers grow, pages and caches settle
    std::vector<double> gf, fraction, gn;
    for (int r = 0; r < 7; ++r) {
      double peak = peak_gflops();
      double g = flops / seconds_per_call(fast, 0.02) * 1e-9;
      gf.push_back(g);
      fraction.push_back(g / peak);
      all_peaks.push_back(peak);
    }
    for (int r = 0; r < 5; ++r) gn.push_back(flops / seconds_per_call(naive, 0.02) * 1e-9);
    char op[3] = {c.ta == Trans::No ? 'N' : 'T', c.tb == Trans::No ? 'N' : 'T', 0};
    std::printf("%-9s %-21s %-10s %2s %5d %5d %5d  %9.1f %9.2f %6.0fx %6.0f%%\n", c.net, c.layer,
                c.form, op, c.m, c.n, c.k, median(gf), median(gn), median(gf) / median(gn),
                100.0 * median(fraction));
  }
  std::printf("\npeak measured next to the repetitions: median %.1f, range %.1f to %.1f GFLOP/s\n",
              median(all_peaks), *std::min_element(all_peaks.begin(), all_peaks.end()),
              *std::max_element(all_peaks.begin(), all_peaks.end()));
  return 0;
}
