#pragma once
// Naive references for core/kernels: plain loops that follow the definition, accumulate in
// double and return double, so tests compare the fast float kernels against (nearly) exact
// values. Deliberately unoptimized: correctness by inspection is their only job.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include "core/kernels/gemm.hpp"
#include "core/kernels/im2col.hpp"
#include "core/kernels/pool.hpp"

namespace normlab::ref {

// ---- GEMM ---------------------------------------------------------------------------------

// C = alpha·op(A)·op(B) + beta·C over the m×n block of C (row stride ldc, c_size entries);
// entries outside the block are copied unchanged. beta = 0 ignores C (which may hold NaN).
inline std::vector<double> gemm(Trans ta, Trans tb, int m, int n, int k, float alpha,
                                const float* a, int lda, const float* b, int ldb, float beta,
                                const float* c, int ldc, std::size_t c_size) {
  std::vector<double> r(c, c + c_size);
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < n; ++j) {
      double sum = 0.0;
      for (int p = 0; p < k; ++p) {
        double av = ta == Trans::No ? a[std::size_t(i) * lda + p] : a[std::size_t(p) * lda + i];
        double bv = tb == Trans::No ? b[std::size_t(p) * ldb + j] : b[std::size_t(j) * ldb + p];
        sum += av * bv;
      }
      std::size_t at = std::size_t(i) * ldc + j;
      r[at] = double(alpha) * sum + (beta == 0.0f ? 0.0 : double(beta) * c[at]);
    }
  return r;
}

// Per entry of C, the size that bounds float rounding of that entry:
// |alpha|·Σ_p |a·b| + |beta·c| (0 outside the m×n block).
inline std::vector<double> gemm_magnitude(Trans ta, Trans tb, int m, int n, int k, float alpha,
                                          const float* a, int lda, const float* b, int ldb,
                                          float beta, const float* c, int ldc, std::size_t c_size) {
  std::vector<double> r(c_size, 0.0);
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < n; ++j) {
      double mag = 0.0;
      for (int p = 0; p < k; ++p) {
        double av = ta == Trans::No ? a[std::size_t(i) * lda + p] : a[std::size_t(p) * lda + i];
        double bv = tb == Trans::No ? b[std::size_t(p) * ldb + j] : b[std::size_t(j) * ldb + p];
        mag += std::fabs(av * bv);
      }
      std::size_t at = std::size_t(i) * ldc + j;
      r[at] =
          std::fabs(double(alpha)) * mag + (beta == 0.0f ? 0.0 : std::fabs(double(beta) * c[at]));
    }
  return r;
}

// ---- Convolution lowering -----------------------------------------------------------------

inline bool inside(const ConvGeometry& g, int iy, int ix) {
  return iy >= 0 && iy < g.height && ix >= 0 && ix < g.width;
}

// One in-bounds tap of a convolution window, as flat indices: x into the (C,H,W) input,
// w into the (C,kh,kw) depthwise weight (also the im2col row), y into the (C,out_h,out_w)
// output, and pos = oy·out_w + ox (the im2col column).
struct ConvTap {
  std::size_t x, w, y, pos;
};

// Calls f(tap) for every output of every channel and every in-bounds pixel of its window, in
// the order c, oy, ox, i, j (each window row-major). Taps in the padding are skipped.
template <class F>
void for_each_conv_tap(const ConvGeometry& g, F f) {
  for (int c = 0; c < g.channels; ++c)
    for (int oy = 0; oy < g.out_h; ++oy)
      for (int ox = 0; ox < g.out_w; ++ox)
        for (int i = 0; i < g.kernel_h; ++i)
          for (int j = 0; j < g.kernel_w; ++j) {
            int iy = oy * g.stride - g.pad + i, ix = ox * g.stride - g.pad + j;
            if (!inside(g, iy, ix)) continue;
            const std::size_t pos = std::size_t(oy) * g.out_w + ox;
            f(ConvTap{(std::size_t(c) * g.height + iy) * g.width + ix,
                      std::size_t((c * g.kernel_h + i) * g.kernel_w + j),
                      std::size_t(c) * g.out_h * g.out_w + pos, pos});
          }
}

// cols[(c·kh + i)·kw + j][oy·out_w + ox] = x[c][oy·s − pad + i][ox·s − pad + j], 0 outside.
inline std::vector<double> im2col(const ConvGeometry& g, const float* x) {
  std::vector<double> cols(std::size_t(g.rows()) * g.cols(), 0.0);
  for_each_conv_tap(g, [&](const ConvTap& t) { cols[t.w * g.cols() + t.pos] = x[t.x]; });
  return cols;
}

// x0 + col2im(cols): every column entry is added back to the input pixel it was read from.
inline std::vector<double> col2im(const ConvGeometry& g, const float* cols, const float* x0) {
  std::vector<double> x(x0, x0 + std::size_t(g.channels) * g.height * g.width);
  for_each_conv_tap(g, [&](const ConvTap& t) { x[t.x] += cols[t.w * g.cols() + t.pos]; });
  return x;
}

// Depthwise convolution by definition. Each returns values and, per entry, Σ|terms| (the
// scale of float rounding error) in `magnitude`.
struct ConvResult {
  std::vector<double> value, magnitude;

  void add(std::size_t at, double term) {
    value[at] += term;
    magnitude[at] += std::fabs(term);
  }
};

inline ConvResult depthwise_conv2d(const ConvGeometry& g, const float* x, const float* w) {
  std::size_t size = std::size_t(g.channels) * g.out_h * g.out_w;
  ConvResult r{std::vector<double>(size, 0.0), std::vector<double>(size, 0.0)};
  for_each_conv_tap(g, [&](const ConvTap& t) { r.add(t.y, double(x[t.x]) * w[t.w]); });
  return r;
}

inline ConvResult depthwise_conv2d_backward_data(const ConvGeometry& g, const float* dy,
                                                 const float* w) {
  std::size_t size = std::size_t(g.channels) * g.height * g.width;
  ConvResult r{std::vector<double>(size, 0.0), std::vector<double>(size, 0.0)};
  for_each_conv_tap(g, [&](const ConvTap& t) { r.add(t.x, double(dy[t.y]) * w[t.w]); });
  return r;
}

// dweight0 + Σ x·dy (the backward-weight kernel accumulates).
inline ConvResult depthwise_conv2d_backward_weight(const ConvGeometry& g, const float* x,
                                                   const float* dy, const float* dweight0) {
  std::size_t size = std::size_t(g.channels) * g.kernel_h * g.kernel_w;
  ConvResult r{std::vector<double>(dweight0, dweight0 + size), std::vector<double>(size)};
  for (std::size_t i = 0; i < size; ++i) r.magnitude[i] = std::fabs(r.value[i]);
  for_each_conv_tap(g, [&](const ConvTap& t) { r.add(t.w, double(dy[t.y]) * x[t.x]); });
  return r;
}

// ---- Elementwise (per element, in double) -------------------------------------------------

inline double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }
inline double relu(double x) { return x > 0 ? x : 0.0; }
inline double relu_grad(double x) { return x > 0 ? 1.0 : 0.0; }
inline double leaky_relu(double x, double s) { return x > 0 ? x : s * x; }
inline double leaky_relu_grad(double x, double s) { return x > 0 ? 1.0 : s; }
constexpr double kGeluC = 0.79788456080286535588;  // √(2/π)
constexpr double kGeluA = 0.044715;
// 0.5·x·(1 + tanh(u)) rewritten as x·σ(2u) (the same function): for x ≪ 0, 1 + tanh(u)
// cancels to 0 even in double, while σ keeps the tiny true value.
inline double gelu_tanh(double x) { return x * sigmoid(2.0 * kGeluC * (x + kGeluA * x * x * x)); }
// d/dx x·σ(z) = σ(z) + x·σ(z)·σ(−z)·z'(x), z = 2u.
inline double gelu_tanh_grad(double x) {
  double z = 2.0 * kGeluC * (x + kGeluA * x * x * x);
  double dz = 2.0 * kGeluC * (1.0 + 3.0 * kGeluA * x * x);
  return sigmoid(z) + x * sigmoid(z) * sigmoid(-z) * dz;
}
inline double silu(double x) { return x * sigmoid(x); }
inline double silu_grad(double x) { return sigmoid(x) * (1.0 + x * sigmoid(-x)); }

// ---- Pooling ------------------------------------------------------------------------------

// Max over the window's in-bounds pixels; the first maximum in row-major window order wins
// (PyTorch's rule); a NaN wins over numbers and propagates. argmax indexes the sample's
// (C,H,W) input.
inline void max_pool2d(const PoolGeometry& g, int n, const float* x, std::vector<double>& y,
                       std::vector<int32_t>& argmax) {
  std::size_t in_plane = std::size_t(g.height) * g.width;
  std::size_t out_plane = std::size_t(g.out_h) * g.out_w;
  y.assign(std::size_t(n) * g.channels * out_plane, 0.0);
  argmax.assign(y.size(), -1);
  for (int s = 0; s < n; ++s)
    for (int c = 0; c < g.channels; ++c)
      for (int oy = 0; oy < g.out_h; ++oy)
        for (int ox = 0; ox < g.out_w; ++ox) {
          double best = -std::numeric_limits<double>::infinity();
          int32_t arg = -1;
          for (int i = 0; i < g.kernel; ++i)
            for (int j = 0; j < g.kernel; ++j) {
              int iy = oy * g.stride - g.pad + i, ix = ox * g.stride - g.pad + j;
              if (iy < 0 || iy >= g.height || ix < 0 || ix >= g.width) continue;
              std::size_t at = c * in_plane + std::size_t(iy) * g.width + ix;
              double v = x[s * g.channels * in_plane + at];
              if (arg < 0 || v > best || std::isnan(v)) {
                best = v;
                arg = int32_t(at);
              }
            }
          std::size_t o = (std::size_t(s) * g.channels + c) * out_plane + oy * g.out_w + ox;
          y[o] = best;
          argmax[o] = arg;
        }
}

// dx[argmax[o]] += dy[o] for every output o, per sample; dx starts at zero. argmax −1
// (a window wholly in the padding) contributes nothing.
inline std::vector<double> max_pool2d_backward(const PoolGeometry& g, int n, const float* dy,
                                               const int32_t* argmax) {
  std::size_t in_sample = std::size_t(g.channels) * g.height * g.width;
  std::size_t out_sample = std::size_t(g.channels) * g.out_h * g.out_w;
  std::vector<double> dx(n * in_sample, 0.0);
  for (int s = 0; s < n; ++s)
    for (std::size_t o = 0; o < out_sample; ++o)
      if (argmax[s * out_sample + o] >= 0)
        dx[s * in_sample + argmax[s * out_sample + o]] += dy[s * out_sample + o];
  return dx;
}

// One in-bounds tap of a pooling window, as flat indices into the (N·C planes) input and
// output.
struct PoolTap {
  std::size_t x, y;
};

// Calls f(tap) for every output of every plane and every in-bounds pixel of its window, in
// the order plane, oy, ox, i, j. Taps in the padding are skipped.
template <class F>
void for_each_pool_tap(const PoolGeometry& g, int n, F f) {
  std::size_t in_plane = std::size_t(g.height) * g.width;
  std::size_t out_plane = std::size_t(g.out_h) * g.out_w;
  std::size_t planes = std::size_t(n) * g.channels;
  for (std::size_t p = 0; p < planes; ++p)
    for (int oy = 0; oy < g.out_h; ++oy)
      for (int ox = 0; ox < g.out_w; ++ox)
        for (int i = 0; i < g.kernel; ++i)
          for (int j = 0; j < g.kernel; ++j) {
            int iy = oy * g.stride - g.pad + i, ix = ox * g.stride - g.pad + j;
            if (iy >= 0 && iy < g.height && ix >= 0 && ix < g.width)
              f(PoolTap{p * in_plane + std::size_t(iy) * g.width + ix,
                        p * out_plane + std::size_t(oy) * g.out_w + ox});
          }
}

// Mean over the full kernel×kernel window, padded zeros included (count_include_pad).
inline std::vector<double> avg_pool2d(const PoolGeometry& g, int n, const float* x) {
  std::vector<double> y(std::size_t(n) * g.channels * g.out_h * g.out_w, 0.0);
  for_each_pool_tap(g, n, [&](const PoolTap& t) { y[t.y] += x[t.x]; });
  for (double& v : y) v /= (g.kernel * g.kernel);
  return y;
}

inline std::vector<double> avg_pool2d_backward(const PoolGeometry& g, int n, const float* dy) {
  std::vector<double> dx(std::size_t(n) * g.channels * g.height * g.width, 0.0);
  for_each_pool_tap(g, n, [&](const PoolTap& t) {
    dx[t.x] += double(dy[t.y]) / (g.kernel * g.kernel);
  });
  return dx;
}

}  // namespace normlab::ref
