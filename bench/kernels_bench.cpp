// Kernel benchmark, native and wasm (node build/<dir>/bench/kernels_bench.js): GFLOP/s of
// gemm_f32 on the GEMM shapes of the `tiny` and `baseline` presets, of the direct kernels of
// their one-input-channel convs, of their whole conv layers (forward, backward) at batch 64,
// and the speed of the norm kernels on the same
// activations, each against the naive reference of tests/reference measured in the same
// run, and against this core's SIMD peak: a register-only loop of independent mul+add
// chains (fma where the target has it; wasm SIMD128 has none). Prints tables; asserts nothing.
//
// Noise: the machine may be shared. Times are CPU time where the platform has it
// (bench_clock.hpp), and a disturbed chunk of work only ever looks slower: each case alternates short chunks (~1 ms) of the peak loop and of the kernel until its
// time budget is spent, and reports the best chunk of each: the rate of the kernel when
// nothing else ran, and the fraction of peak as the ratio of the two best rates, both
// measured side by side in the same stretch of the run.
//
// Usage: kernels_bench [--quick] [--json] [--only gemm|direct|conv|norm]
//   --json  adds one machine-readable line starting with "JSON " after the tables.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "core/kernels/gemm.hpp"
#include "core/kernels/norm_stats.hpp"
#include "core/kernels/one_channel_conv.hpp"
#include "core/kernels/simd.hpp"
#include "core/layers/conv2d.hpp"
#include "bench_clock.hpp"
#include "core/rng.hpp"
#include "reference/kernels.hpp"
#include "reference/layers.hpp"
#include "reference/norms.hpp"

namespace {

using namespace normlab;
using bench::clock_seconds;

double seconds_since(double t0) { return clock_seconds() - t0; }

// ---- peak -------------------------------------------------------------------------------

// Two loop shapes, both bound by arithmetic throughput rather than latency and kept in
// registers. Fused: `Chains` accumulators, each updated by one mul+add (one fma with FMA)
// per step, the mul on the chain. Split: `Chains` mul chains, each feeding an add chain
// (acc += m, m *= c), the shape of a GEMM micro-kernel, where products are off the
// accumulator's chain. A JIT or a core may prefer either, so the best of them is the peak.
template <int Chains>
__attribute__((noinline)) float peak_fused(long iters, float seed) {
#if NORMLAB_HAS_SIMD
  vfloat acc[Chains];
  for (int i = 0; i < Chains; ++i) acc[i] = vfloat(seed + float(i));
  const vfloat x(0.999999f), y(1e-7f);
  for (long it = 0; it < iters; ++it) {
#pragma GCC unroll 16
    for (int i = 0; i < Chains; ++i) acc[i] = xsimd::fma(acc[i], x, y);
  }
  vfloat s = acc[0];
  for (int i = 1; i < Chains; ++i) s += acc[i];
  return xsimd::hadd(s);
#else
  float acc[Chains];
  for (int i = 0; i < Chains; ++i) acc[i] = seed + float(i);
  for (long it = 0; it < iters; ++it) {
#pragma GCC unroll 16
    for (int i = 0; i < Chains; ++i) acc[i] = acc[i] * 0.999999f + 1e-7f;
  }
  float s = 0.0f;
  for (int i = 0; i < Chains; ++i) s += acc[i];
  return s;
#endif
}

// m decays by e⁻¹ every 10⁷ steps: no denormals within a chunk of a few million.
template <int Chains>
__attribute__((noinline)) float peak_split(long iters, float seed) {
#if NORMLAB_HAS_SIMD
  vfloat m[Chains], acc[Chains];
  for (int i = 0; i < Chains; ++i) m[i] = acc[i] = vfloat(seed + float(i));
  const vfloat c(0.9999999f);
  for (long it = 0; it < iters; ++it) {
#pragma GCC unroll 16
    for (int i = 0; i < Chains; ++i) {
      m[i] = m[i] * c;
      acc[i] = acc[i] + m[i];
    }
  }
  vfloat s = acc[0];
  for (int i = 1; i < Chains; ++i) s += acc[i];
  return xsimd::hadd(s);
#else
  float m[Chains], acc[Chains];
  for (int i = 0; i < Chains; ++i) m[i] = acc[i] = seed + float(i);
  for (long it = 0; it < iters; ++it) {
#pragma GCC unroll 16
    for (int i = 0; i < Chains; ++i) {
      m[i] = m[i] * 0.9999999f;
      acc[i] = acc[i] + m[i];
    }
  }
  float s = 0.0f;
  for (int i = 0; i < Chains; ++i) s += acc[i];
  return s;
#endif
}

#if NORMLAB_HAS_SIMD && defined(__FMA__)
constexpr const char* kPeakOp = "vector fma";
#elif NORMLAB_HAS_SIMD
constexpr const char* kPeakOp = "vector mul+add";
#else
constexpr const char* kPeakOp = "scalar mul+add";
#endif

using PeakLoop = float (*)(long, float);
struct PeakVariant {
  const char* shape;
  int chains;  // mul+add pairs per step
  PeakLoop loop;
};
const PeakVariant kPeakVariants[] = {{"fused", 8, peak_fused<8>},   {"fused", 10, peak_fused<10>},
                                     {"fused", 12, peak_fused<12>}, {"split", 4, peak_split<4>},
                                     {"split", 6, peak_split<6>},   {"split", 7, peak_split<7>}};

struct Peak {
  PeakVariant variant = kPeakVariants[0];
  long iters = 1000;  // one ~1 ms chunk
  double flops() const { return 2.0 * variant.chains * kSimdWidth * double(iters); }
  // GFLOP/s of one chunk, or 0 when the clock did not advance by a tenth of the ~1 ms a
  // chunk takes: a browser's coarse or clamped clock can read the same value twice. A chunk
  // under half a millisecond doubles the next: the loop got faster once the wasm engine
  // optimized it, after the chunk was sized.
  double rate() {
    const double sec = run();
    const double gflops = sec < 1e-4 ? 0.0 : flops() / sec * 1e-9;
    if (sec < 0.5e-3) iters *= 2;
    return gflops;
  }
  // Seconds of one chunk.
  double run() const {
    static volatile float sink = 0.0f;
    volatile float seed = 1.0f;
    auto t0 = clock_seconds();
    sink = sink + variant.loop(iters, seed);
    return seconds_since(t0);
  }
};

// Picks the fastest variant (best chunk of each, the variants alternating), sizes its chunk,
// and prints every variant's rate.
Peak calibrate_peak() {
  std::vector<Peak> peaks;
  for (const PeakVariant& v : kPeakVariants) {
    Peak p;
    p.variant = v;
    while (p.run() < 1e-3) p.iters *= 2;
    peaks.push_back(p);
  }
  std::vector<double> rate(peaks.size(), 0.0);
  for (int round = 0; round < 30; ++round)
    for (std::size_t i = 0; i < peaks.size(); ++i)
      rate[i] = std::max(rate[i], peaks[i].rate());
  std::size_t best = 0;
  std::printf("peak loops (GFLOP/s):");
  for (std::size_t i = 0; i < peaks.size(); ++i) {
    std::printf(" %s %d: %.1f%s", peaks[i].variant.shape, peaks[i].variant.chains, rate[i],
                i + 1 < peaks.size() ? "," : "\n");
    if (rate[i] > rate[best]) best = i;
  }
  return peaks[best];
}

// ---- interleaved measurement ------------------------------------------------------------

struct Rate {
  double gflops = 0.0;  // best chunk
  double peak = 0.0;    // best peak chunk interleaved with it
  double seconds_per_call = 0.0;  // of the best chunk
  double fraction() const { return gflops / peak; }
};

// Alternates ~1 ms of the peak loop with ~1 ms of calls of f (at least one call) until
// `budget` seconds of f have run, at least 5 rounds.
Rate measure(Peak& peak, const std::function<void()>& f, double flops_per_call,
             double budget) {
  f();  // warm-up: workspaces grow, pages are touched
  auto t0 = clock_seconds();
  f();
  const double once = std::max(seconds_since(t0), 1e-7);
  int calls = std::max(1, int(1e-3 / once));
  double f_total = 0.0;
  Rate r;
  for (int round = 0; round < 5 || f_total < budget; ++round) {
    r.peak = std::max(r.peak, peak.rate());
    auto t = clock_seconds();
    for (int i = 0; i < calls; ++i) f();
    const double sec = seconds_since(t);
    f_total += sec;
    if (sec >= 1e-4 && (r.seconds_per_call == 0.0 || sec / calls < r.seconds_per_call))
      r.seconds_per_call = sec / calls;
    // The first calls may have run before the engine optimized the code (wasm tiers up
    // while it runs), which sized the chunks too small for the clock: grow them to ~1 ms.
    if (sec < 0.5e-3) calls *= 2;
  }
  r.gflops = flops_per_call / r.seconds_per_call * 1e-9;
  return r;
}

// Seconds per call of a slow reference: a few calls, no interleaving.
double seconds_per_call(const std::function<void()>& f, double budget) {
  int calls = 0;
  auto t0 = clock_seconds();
  do {
    f();
    ++calls;
  } while (seconds_since(t0) < budget);
  return seconds_since(t0) / calls;
}

std::vector<float> random_vector(std::size_t n, uint64_t seed, float lo = -1.0f, float hi = 1.0f) {
  Rng rng(seed);
  std::vector<float> v(n);
  for (auto& x : v) x = rng.uniform(lo, hi);
  return v;
}

struct Options {
  bool quick = false, json = false;
  std::string only;
  double budget() const { return quick ? 0.05 : 0.25; }
  double naive_budget() const { return quick ? 0.02 : 0.1; }
  bool wants(const char* table) const { return only.empty() || only == table; }
};

std::string json_rows;  // the "JSON" line's entries, one object per measured case
void json_row(const std::string& row) {
  if (!json_rows.empty()) json_rows += ",";
  json_rows += row;
}

std::string json_string(const char* s) { return std::string("\"") + s + "\""; }

// ---- GEMM -------------------------------------------------------------------------------

struct GemmCase {
  const char* net;
  const char* layer;
  const char* form;
  Trans ta, tb;
  int m, n, k;
};

// Conv lowering per sample: Y[oc×P] = W[oc×K]·cols[K×P]; backward-data dcols[K×P] =
// Wᵀ·dY; backward-weight dW[oc×K] = dY·colsᵀ. Dense on a batch of 64: Y = X·Wᵀ,
// dX = dY·W, dW = dYᵀ·X.
std::vector<GemmCase> conv_gemms(const char* net, const char* layer, int oc, int K, int P) {
  return {{net, layer, "forward", Trans::No, Trans::No, oc, P, K},
          {net, layer, "bwd-data", Trans::Yes, Trans::No, K, P, oc},
          {net, layer, "bwd-weight", Trans::No, Trans::Yes, oc, K, P}};
}

std::vector<GemmCase> gemm_cases() {
  std::vector<GemmCase> cases;
  auto add = [&](std::vector<GemmCase> more) { cases.insert(cases.end(), more.begin(), more.end()); };
  add(conv_gemms("tiny", "conv 1->8 28x28", 8, 9, 784));
  add(conv_gemms("tiny", "conv 8->16 14x14", 16, 72, 196));
  add(conv_gemms("baseline", "conv 1->32 28x28", 32, 9, 784));
  add(conv_gemms("baseline", "conv 32->64 28x28", 64, 288, 784));
  add(conv_gemms("baseline", "conv 64->128 14x14", 128, 576, 196));
  add({{"baseline", "dense 6272->256 N=64", "forward", Trans::No, Trans::Yes, 64, 256, 6272},
       {"baseline", "dense 6272->256 N=64", "bwd-data", Trans::No, Trans::No, 64, 6272, 256},
       {"baseline", "dense 6272->256 N=64", "bwd-weight", Trans::Yes, Trans::No, 256, 6272, 64}});
  return cases;
}

void bench_gemm(Peak& peak, const Options& o) {
  std::printf("\ngemm_f32 (one call; per-sample shapes for convs)\n");
  std::printf("%-9s %-21s %-10s %2s %5s %5s %5s %9s %9s %7s %7s\n", "net", "layer", "form", "op",
              "m", "n", "k", "GFLOP/s", "naive", "ratio", "%peak");
  for (const GemmCase& c : gemm_cases()) {
    const int lda = c.ta == Trans::No ? c.k : c.m, ldb = c.tb == Trans::No ? c.n : c.k;
    auto a = random_vector(std::size_t(c.m) * c.k, 1);
    auto b = random_vector(std::size_t(c.k) * c.n, 2);
    std::vector<float> out(std::size_t(c.m) * c.n, 0.0f);
    const double flops = 2.0 * c.m * c.n * c.k;
    Rate fast = measure(
        peak,
        [&] {
          gemm_f32(c.ta, c.tb, c.m, c.n, c.k, 1.0f, a.data(), lda, b.data(), ldb, 0.0f,
                   out.data(), c.n);
        },
        flops, o.budget());
    const double naive = flops * 1e-9 / seconds_per_call(
                                           [&] {
                                             auto r = ref::gemm(c.ta, c.tb, c.m, c.n, c.k, 1.0f,
                                                                a.data(), lda, b.data(), ldb, 0.0f,
                                                                out.data(), c.n, out.size());
                                             out[0] = float(r[0]);
                                           },
                                           o.naive_budget());
    char op[3] = {c.ta == Trans::No ? 'N' : 'T', c.tb == Trans::No ? 'N' : 'T', 0};
    std::printf("%-9s %-21s %-10s %2s %5d %5d %5d %9.2f %9.3f %6.0fx %6.0f%%\n", c.net, c.layer,
                c.form, op, c.m, c.n, c.k, fast.gflops, naive, fast.gflops / naive,
                100.0 * fast.fraction());
    char row[320];
    std::snprintf(row, sizeof row,
                  "{\"table\":\"gemm\",\"net\":\"%s\",\"layer\":\"%s\",\"form\":\"%s\",\"op\":\"%s\","
                  "\"m\":%d,\"n\":%d,\"k\":%d,\"gflops\":%.3f,\"naive_gflops\":%.4f,"
                  "\"peak_gflops\":%.3f,\"fraction_of_peak\":%.4f}",
                  c.net, c.layer, c.form, op, c.m, c.n, c.k, fast.gflops, naive, fast.peak,
                  fast.fraction());
    json_row(row);
  }
}

// ---- one-input-channel direct conv ------------------------------------------------------

// The kernels that replace the first layers' GEMMs above in training (conv2d.hpp), on one
// sample: forward and weight gradient (a first layer computes no input gradient).
struct DirectCase {
  const char* net;
  int out;  // 1 → out, 3×3 pad 1 on 28×28
};
const DirectCase kDirectCases[] = {{"tiny", 8}, {"baseline", 32}};

void bench_direct(Peak& peak, const Options& o) {
  std::printf("\none-input-channel conv kernels (one sample; they replace the 1->C GEMMs above "
              "in training). naive: tests/reference\n");
  std::printf("%-9s %-18s %-10s %9s %9s %7s %7s\n", "net", "layer", "form", "GFLOP/s", "naive",
              "ratio", "%peak");
  for (const DirectCase& c : kDirectCases) {
    ConvGeometry g;
    g.channels = 1, g.height = g.width = g.out_h = g.out_w = 28;
    g.kernel_h = g.kernel_w = 3, g.pad = 1;
    const std::size_t plane = 28 * 28;
    auto x = random_vector(plane, 1), w = random_vector(std::size_t(c.out) * 9, 2);
    auto dy = random_vector(std::size_t(c.out) * plane, 3);
    std::vector<float> y(std::size_t(c.out) * plane), dw(std::size_t(c.out) * 9, 0.0f);
    const double flops = 2.0 * c.out * 9 * plane;
    // The naive references take the plane once per output channel (depthwise form).
    std::vector<float> copies;
    for (int i = 0; i < c.out; ++i) copies.insert(copies.end(), x.begin(), x.end());
    ConvGeometry gd = g;
    gd.channels = c.out;
    double sink = 0.0;
    const struct {
      const char* form;
      Rate r;
      double naive;
    } rows[] = {
        {"forward",
         measure(peak, [&] { one_channel_conv2d_f32(g, c.out, x.data(), w.data(), y.data()); },
                 flops, o.budget()),
         flops * 1e-9 / seconds_per_call(
                            [&] { sink += ref::depthwise_conv2d(gd, copies.data(), w.data()).value[0]; },
                            o.naive_budget())},
        {"bwd-weight",
         measure(peak,
                 [&] {
                   one_channel_conv2d_backward_weight_f32(g, c.out, x.data(), dy.data(),
                                                          dw.data());
                 },
                 flops, o.budget()),
         flops * 1e-9 /
             seconds_per_call(
                 [&] {
                   sink += ref::depthwise_conv2d_backward_weight(gd, copies.data(), dy.data(),
                                                                 dw.data())
                               .value[0];
                 },
                 o.naive_budget())},
    };
    if (sink == 12345.0) std::printf(" ");
    char layer[40];
    std::snprintf(layer, sizeof layer, "conv 1->%d 28x28", c.out);
    for (const auto& row : rows) {
      std::printf("%-9s %-18s %-10s %9.2f %9.3f %6.0fx %6.0f%%\n", c.net, layer, row.form,
                  row.r.gflops, row.naive, row.r.gflops / row.naive, 100.0 * row.r.fraction());
      char js[320];
      std::snprintf(js, sizeof js,
                    "{\"table\":\"direct\",\"net\":\"%s\",\"layer\":\"%s\",\"form\":\"%s\","
                    "\"gflops\":%.3f,\"naive_gflops\":%.4f,\"peak_gflops\":%.3f,"
                    "\"fraction_of_peak\":%.4f}",
                    c.net, layer, row.form, row.r.gflops, row.naive, row.r.peak,
                    row.r.fraction());
      json_row(js);
    }
  }
}

// ---- conv layers ------------------------------------------------------------------------

struct ConvCase {
  const char* net;
  int in, out, size;  // 3×3, pad 1, stride 1, on size×size inputs
};

const ConvCase kConvCases[] = {{"tiny", 1, 8, 28},
                               {"tiny", 8, 16, 14},
                               {"baseline", 1, 32, 28},
                               {"baseline", 32, 64, 28},
                               {"baseline", 64, 128, 14}};

void bench_conv(Peak& peak, const Options& o) {
  const int batch = 64;
  std::printf("\nConv2d 3x3 pad 1 layers, batch %d: forward; backward = weight + input gradients "
              "(2x the forward FLOPs), bwd-weight = the weight gradient alone, which is all a "
              "first layer computes (1x). GFLOP/s count the direct convolution's FLOPs, so Winograd "
              "(16 multiplies per 2x2 outputs where direct has 36) can pass the peak; im2col is "
              "the lowered path of the same layer, measured alongside; direct: the one-input-channel "
              "kernels. naive: tests/reference "
              "on 1 sample\n",
              batch);
  std::printf("%-9s %-18s %-9s %-9s %9s %9s %9s %7s %7s\n", "net", "layer", "pass", "algorithm",
              "ms", "GFLOP/s", "naive", "ratio", "%peak");
  for (const ConvCase& c : kConvCases) {
    Tensor x(Shape{batch, c.in, c.size, c.size});
    auto xv = random_vector(x.size(), 3);
    std::copy(xv.begin(), xv.end(), x.data());
    Conv2dOptions co;
    co.pad = 1;
    Conv2d probe(c.in, c.out, 3, co);
    Tensor dy(probe.output_shape(x.shape()));
    auto dyv = random_vector(dy.size(), 4);
    std::copy(dyv.begin(), dyv.end(), dy.data());
    const double flops = probe.forward_flops(x.shape()) * batch;

    // The naive reference on one sample of the same shape.
    ref::layers::ConvSpec spec;
    spec.in = c.in;
    spec.out = c.out;
    spec.kernel = 3;
    spec.pad = 1;
    ref::layers::DTensor x1(Shape{1, c.in, c.size, c.size}, 0.5);
    ref::layers::DTensor dy1(Shape{1, c.out, c.size, c.size}, 0.25);
    std::vector<double> w(probe.weight(), probe.weight() + std::size_t(c.out) * c.in * 9);
    std::vector<double> bias(c.out, 0.0);
    double sink = 0.0;
    const double naive_fwd =
        flops / batch * 1e-9 /
        seconds_per_call([&] { sink += ref::layers::conv2d_forward(x1, spec, w, bias).v[0]; },
                         o.naive_budget());
    const double naive_bwd =
        2.0 * flops / batch * 1e-9 /
        seconds_per_call([&] { sink += ref::layers::conv2d_backward(x1, spec, w, dy1).dw[0]; },
                         o.naive_budget());
    if (sink == 12345.0) std::printf(" ");

    char layer[40];
    std::snprintf(layer, sizeof layer, "conv %d->%d %dx%d", c.in, c.out, c.size, c.size);
    for (ConvAlgorithm algorithm : {ConvAlgorithm::Auto, ConvAlgorithm::Lowered}) {
      const bool winograd_applies = c.in >= kWinogradMinChannels && c.out >= kWinogradMinChannels;
      // A first layer (one input channel here): direct kernels, and no input gradient.
      const bool first = c.in == 1;
      if (algorithm == ConvAlgorithm::Lowered && !winograd_applies && !first) continue;  // same
      co.algorithm = algorithm;
      Conv2d conv(c.in, c.out, 3, co);
      Rate fwd = measure(peak, [&] { conv.forward(x, Mode::Train); }, flops, o.budget());
      Rate bwd = first ? measure(peak, [&] { conv.backward_params(dy); }, flops, o.budget())
                       : measure(peak, [&] { conv.backward(dy); }, 2.0 * flops, o.budget());
      // What Auto picks (conv2d.hpp).
      const char* algo = algorithm == ConvAlgorithm::Lowered ? "im2col"
                         : first                             ? "direct"
                         : winograd_applies                  ? "winograd"
                                                             : "im2col";
      const struct {
        const char* pass;
        Rate r;
        double naive;
      } rows[] = {{"forward", fwd, naive_fwd},
                  // The naive reference computes both gradients; for a first layer its rate
                  // counts the weight gradient's FLOPs only.
                  {first ? "bwd-weight" : "backward", bwd, first ? naive_bwd / 2 : naive_bwd}};
      for (const auto& row : rows) {
        std::printf("%-9s %-18s %-9s %-9s %9.3f %9.2f %9.3f %6.0fx %6.0f%%\n", c.net, layer,
                    row.pass, algo, row.r.seconds_per_call * 1e3, row.r.gflops, row.naive,
                    row.r.gflops / row.naive, 100.0 * row.r.fraction());
        char js[360];
        std::snprintf(js, sizeof js,
                      "{\"table\":\"conv\",\"net\":\"%s\",\"layer\":\"%s\",\"pass\":\"%s\","
                      "\"algorithm\":\"%s\",\"batch\":%d,\"ms\":%.4f,\"gflops\":%.3f,"
                      "\"naive_gflops\":%.4f,\"peak_gflops\":%.3f,\"fraction_of_peak\":%.4f}",
                      c.net, layer, row.pass, algo, batch, row.r.seconds_per_call * 1e3,
                      row.r.gflops, row.naive, row.r.peak, row.r.fraction());
        json_row(js);
      }
    }
  }
}

// ---- norm kernels -----------------------------------------------------------------------

struct NormCase {
  const char* net;
  const char* norm;  // "batch" (channel layout) or "layer-sample" (sample layout)
  Shape shape;
};

const NormCase kNormCases[] = {
    {"tiny", "batch", {64, 8, 28, 28}},          {"tiny", "batch", {64, 16, 14, 14}},
    {"baseline", "batch", {64, 32, 28, 28}},     {"baseline", "batch", {64, 64, 28, 28}},
    {"baseline", "batch", {64, 128, 14, 14}},    {"baseline", "layer-sample", {64, 64, 28, 28}},
    {"baseline", "layer-sample", {64, 128, 14, 14}}};

void bench_norm(Peak& peak, const Options& o) {
  std::printf("\nnorm kernels (forward: moments + normalize; backward: grad sums + normalize "
              "backward); GB/s over the bytes the pass must move (x, y: 8 B/value forward; x, dy, "
              "dx: 12 B/value backward)\n");
  std::printf("%-9s %-13s %-16s %-9s %9s %9s %9s %7s\n", "net", "norm", "shape", "pass", "ms",
              "GB/s", "naive", "ratio");
  for (const NormCase& c : kNormCases) {
    const Shape s = c.shape;
    const bool channel = std::strcmp(c.norm, "batch") == 0;
    const NormDims d{s.n, s.c, s.plane()};
    const std::size_t stats = channel ? std::size_t(s.c) : std::size_t(s.n);
    const std::size_t params = channel ? std::size_t(s.c) : s.sample_size();
    auto x = random_vector(s.size(), 5, -2.0f, 3.0f);
    auto dy = random_vector(s.size(), 6);
    std::vector<float> y(s.size()), dx(s.size()), gamma(params, 1.1f), beta(params, 0.1f);
    std::vector<float> mean(stats), var(stats), rstd(stats, 1.0f), s1(stats), s2(stats);
    std::vector<float> dgamma(params), dbeta(params);
    auto forward = [&] {
      if (channel) {
        channel_moments_f32(d, x.data(), mean.data(), var.data());
        channel_normalize_f32(d, x.data(), mean.data(), rstd.data(), gamma.data(), beta.data(),
                              y.data());
      } else {
        group_moments_f32(d, 1, x.data(), mean.data(), var.data());
        sample_normalize_f32(d, x.data(), mean.data(), rstd.data(), gamma.data(), beta.data(),
                             y.data());
      }
    };
    auto backward = [&] {
      if (channel) {
        channel_grad_sums_f32(d, x.data(), dy.data(), mean.data(), rstd.data(), gamma.data(),
                              s1.data(), s2.data(), dgamma.data(), dbeta.data());
        channel_normalize_backward_f32(d, x.data(), dy.data(), mean.data(), rstd.data(),
                                       gamma.data(), s1.data(), s2.data(), dx.data());
      } else {
        sample_grad_sums_f32(d, x.data(), dy.data(), mean.data(), rstd.data(), gamma.data(),
                             s1.data(), s2.data(), dgamma.data(), dbeta.data());
        sample_normalize_backward_f32(d, x.data(), dy.data(), mean.data(), rstd.data(),
                                      gamma.data(), s1.data(), s2.data(), dx.data());
      }
    };
    const double values = double(s.size());
    Rate fwd = measure(peak, forward, 8.0 * values, o.budget());
    Rate bwd = measure(peak, backward, 12.0 * values, o.budget());

    // The naive references of tests/reference/norms.hpp on the same tensor, in double.
    namespace rn = ref::norms;
    rn::Spec spec;
    spec.layout = channel ? rn::Layout::Channel : rn::Layout::Sample;
    spec.shape = s;
    const rn::Vec xd = rn::as_double(x.data(), x.size()), dyd = rn::as_double(dy.data(), dy.size());
    const rn::Vec gd(params, 1.1), bd(params, 0.1), rd(stats, 1.0);
    double sink = 0.0;
    const double naive_fwd = 8.0 * values * 1e-9 / seconds_per_call(
                                                        [&] {
                                                          rn::Moments m = rn::moments(spec, xd);
                                                          sink += rn::normalize(spec, xd, m.mean,
                                                                                rd, gd, bd)[0];
                                                        },
                                                        o.naive_budget());
    const rn::Vec md(stats, 0.1);
    const double naive_bwd =
        12.0 * values * 1e-9 /
        seconds_per_call(
            [&] {
              rn::GradSums g = rn::grad_sums(spec, xd, dyd, md, rd, gd);
              sink += rn::normalize_backward(spec, xd, dyd, md, rd, gd, g.sum_gdy,
                                             g.sum_gdy_xhat)[0];
            },
            o.naive_budget());
    if (sink == 12345.0) std::printf(" ");

    const std::string shape = s.str();
    const struct {
      const char* pass;
      Rate r;
      double naive;
    } rows[] = {{"forward", fwd, naive_fwd}, {"backward", bwd, naive_bwd}};
    for (const auto& row : rows) {
      // Rate.gflops holds bytes here (the flops argument was a byte count).
      std::printf("%-9s %-13s %-16s %-9s %9.3f %9.2f %9.3f %6.0fx\n", c.net, c.norm,
                  shape.c_str(), row.pass, row.r.seconds_per_call * 1e3, row.r.gflops, row.naive,
                  row.r.gflops / row.naive);
      char js[320];
      std::snprintf(js, sizeof js,
                    "{\"table\":\"norm\",\"net\":\"%s\",\"norm\":\"%s\",\"shape\":\"%s\","
                    "\"pass\":\"%s\",\"ms\":%.4f,\"gbytes_per_s\":%.3f,\"naive_gbytes_per_s\":%.4f}",
                    c.net, c.norm, shape.c_str(), row.pass, row.r.seconds_per_call * 1e3,
                    row.r.gflops, row.naive);
      json_row(js);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--quick") == 0) {
      o.quick = true;
    } else if (std::strcmp(argv[i], "--json") == 0) {
      o.json = true;
    } else if (std::strcmp(argv[i], "--only") == 0 && i + 1 < argc) {
      o.only = argv[++i];
    } else {
      std::fprintf(stderr, "kernels_bench: unknown argument %s\n"
                           "usage: kernels_bench [--quick] [--json] [--only gemm|direct|conv|norm]\n",
                   argv[i]);
      return 2;
    }
  }
  const GemmBlocking blk = gemm_f32_blocking();
  Peak peak = calibrate_peak();
  Rate p = measure(peak, [&] { peak.run(); }, peak.flops(), o.budget());
  std::printf("normlab kernels_bench: %s kernels, W = %d, gemm tile %dx%d, blocks mc=%d kc=%d "
              "nc=%d; timed on %s\n",
              simd_name(), kSimdWidth, blk.mr, blk.nr, blk.mc, blk.kc, blk.nc,
              bench::clock_name());
  std::printf("peak: %s loop of %d independent %s chains, %.1f GFLOP/s (best 1 ms chunk); "
              "GFLOP/s: best chunk; %%peak: over the best peak chunk interleaved with the case\n",
              peak.variant.shape, peak.variant.chains, kPeakOp,
              p.gflops);
  if (o.wants("gemm")) bench_gemm(peak, o);
  if (o.wants("direct")) bench_direct(peak, o);
  if (o.wants("conv")) bench_conv(peak, o);
  if (o.wants("norm")) bench_norm(peak, o);
  if (o.json)
    std::printf("JSON {\"simd\":%s,\"width\":%d,\"clock\":%s,\"peak_gflops\":%.3f,"
                "\"peak_loop\":\"%s %d\",\"rows\":[%s]}\n",
                json_string(simd_name()).c_str(), kSimdWidth,
                json_string(bench::clock_name()).c_str(), p.gflops, peak.variant.shape,
                peak.variant.chains,
                json_rows.c_str());
  return 0;
}
