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
#include "core/kernels/winograd.hpp"

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

// ---- Winograd F(2×2, 3×3) rounding scale ----------------------------------------------------
// Not a reference value (the exact convolution is ref::layers::conv2d_forward/backward) but the
// scale of the float algorithm's rounding error: every sum it forms, recomputed with every
// transform entry and every value taken by absolute value. Values that cancel exactly in the
// algorithm (a patch pixel outside a tap's reach) still round, which is why this exceeds
// Σ|w·x| of the direct sum, most at padded corners.

namespace winograd_abs {
constexpr double kBt[4][4] = {{1, 0, 1, 0}, {0, 1, 1, 0}, {0, 1, 1, 0}, {0, 1, 0, 1}};  // |Bᵀ|
constexpr double kG[4][3] = {{1, 0, 0}, {.5, .5, .5}, {.5, .5, .5}, {0, 0, 1}};        // |G|
constexpr double kAt[2][4] = {{1, 1, 1, 0}, {0, 1, 1, 1}};                              // |Aᵀ|

// |G|·|g|·|G|ᵀ of one filter (out, in, 3, 3) entry.
inline void filter(const float* g, double u[16]) {
  for (int r = 0; r < 4; ++r)
    for (int c = 0; c < 4; ++c) {
      double sum = 0.0;
      for (int a = 0; a < 3; ++a)
        for (int b = 0; b < 3; ++b) sum += kG[r][a] * std::fabs(g[a * 3 + b]) * kG[c][b];
      u[4 * r + c] = sum;
    }
}

// |Bᵀ|·|d|·|B| of the 4×4 patch of tile (ty, tx) of one channel plane, zero outside.
inline void patch(const Winograd3x3& s, const float* plane, int ty, int tx, double v[16]) {
  double d[4][4];
  for (int r = 0; r < 4; ++r)
    for (int c = 0; c < 4; ++c) {
      const int iy = 2 * ty - s.pad + r, ix = 2 * tx - s.pad + c;
      const bool in = iy >= 0 && iy < s.height && ix >= 0 && ix < s.width;
      d[r][c] = in ? std::fabs(plane[std::size_t(iy) * s.width + ix]) : 0.0;
    }
  for (int r = 0; r < 4; ++r)
    for (int c = 0; c < 4; ++c) {
      double sum = 0.0;
      for (int a = 0; a < 4; ++a)
        for (int b = 0; b < 4; ++b) sum += kBt[r][a] * d[a][b] * kBt[c][b];
      v[4 * r + c] = sum;
    }
}

// |A|·|dy_t|·|A|ᵀ of the 2×2 output-gradient tile (ty, tx), zero past the plane's edge.
inline void grad(const Winograd3x3& s, const float* plane, int ty, int tx, double z[16]) {
  double y[2][2];
  for (int r = 0; r < 2; ++r)
    for (int c = 0; c < 2; ++c) {
      const int oy = 2 * ty + r, ox = 2 * tx + c;
      y[r][c] = oy < s.out_h() && ox < s.out_w()
                    ? std::fabs(plane[std::size_t(oy) * s.out_w() + ox])
                    : 0.0;
    }
  for (int r = 0; r < 4; ++r)
    for (int c = 0; c < 4; ++c) {
      double sum = 0.0;
      for (int a = 0; a < 2; ++a)
        for (int b = 0; b < 2; ++b) sum += kAt[a][r] * y[a][b] * kAt[b][c];
      z[4 * r + c] = sum;
    }
}
}  // namespace winograd_abs

// Per output of winograd_conv3x3_f32(s, x, u(w)): Σ_i Σ_ξ |Aᵀ|·(|U_ξ|·|V_ξ|)·|A|.
inline std::vector<double> winograd_forward_magnitude(const Winograd3x3& s, const float* x,
                                                      const float* w) {
  namespace wa = winograd_abs;
  const int oh = s.out_h(), ow = s.out_w();
  std::vector<double> mag(std::size_t(s.batch) * s.out * oh * ow, 0.0);
  std::vector<double> u(std::size_t(s.out) * s.in * 16);
  for (std::size_t f = 0; f < std::size_t(s.out) * s.in; ++f) wa::filter(w + f * 9, &u[f * 16]);
  for (int n = 0; n < s.batch; ++n)
    for (int ty = 0; ty < s.tiles_h(); ++ty)
      for (int tx = 0; tx < s.tiles_w(); ++tx) {
        std::vector<double> v(std::size_t(s.in) * 16);
        for (int i = 0; i < s.in; ++i)
          wa::patch(s, x + (std::size_t(n) * s.in + i) * s.height * s.width, ty, tx, &v[i * 16]);
        for (int o = 0; o < s.out; ++o) {
          double p[16] = {};
          for (int i = 0; i < s.in; ++i)
            for (int xi = 0; xi < 16; ++xi)
              p[xi] += u[(std::size_t(o) * s.in + i) * 16 + xi] * v[i * 16 + xi];
          for (int r = 0; r < 2; ++r)
            for (int c = 0; c < 2; ++c) {
              const int oy = 2 * ty + r, ox = 2 * tx + c;
              if (oy >= oh || ox >= ow) continue;
              double sum = 0.0;
              for (int xi = 0; xi < 16; ++xi) sum += wa::kAt[r][xi / 4] * p[xi] * wa::kAt[c][xi % 4];
              mag[((std::size_t(n) * s.out + o) * oh + oy) * ow + ox] = sum;
            }
        }
      }
  return mag;
}

// Per weight of winograd_conv3x3_backward_weight_f32: Σ_tiles Σ_ξ |Gᵀ|·(|Z_ξ|·|V_ξ|)·|G|.
inline std::vector<double> winograd_weight_grad_magnitude(const Winograd3x3& s, const float* x,
                                                          const float* dy) {
  namespace wa = winograd_abs;
  std::vector<double> q(std::size_t(s.out) * s.in * 16, 0.0);
  for (int n = 0; n < s.batch; ++n)
    for (int ty = 0; ty < s.tiles_h(); ++ty)
      for (int tx = 0; tx < s.tiles_w(); ++tx) {
        std::vector<double> v(std::size_t(s.in) * 16), z(std::size_t(s.out) * 16);
        for (int i = 0; i < s.in; ++i)
          wa::patch(s, x + (std::size_t(n) * s.in + i) * s.height * s.width, ty, tx, &v[i * 16]);
        for (int o = 0; o < s.out; ++o)
          wa::grad(s, dy + (std::size_t(n) * s.out + o) * s.out_h() * s.out_w(), ty, tx,
                   &z[o * 16]);
        for (int o = 0; o < s.out; ++o)
          for (int i = 0; i < s.in; ++i)
            for (int xi = 0; xi < 16; ++xi)
              q[(std::size_t(o) * s.in + i) * 16 + xi] += z[o * 16 + xi] * v[i * 16 + xi];
      }
  std::vector<double> mag(std::size_t(s.out) * s.in * 9);
  for (std::size_t f = 0; f < std::size_t(s.out) * s.in; ++f)
    for (int a = 0; a < 3; ++a)
      for (int b = 0; b < 3; ++b) {
        double sum = 0.0;
        for (int xi = 0; xi < 16; ++xi)
          sum += wa::kG[xi / 4][a] * q[f * 16 + xi] * wa::kG[xi % 4][b];
        mag[f * 9 + a * 3 + b] = sum;
      }
  return mag;
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
// (PyTorch's rule); a NaN wins over numbers and propagates. argmax is the window code of
// each maximum, i·kernel + j with (i, j) counted from the unclipped window corner; 0 for a
// window wholly in the padding.
inline void max_pool2d(const PoolGeometry& g, int n, const float* x, std::vector<double>& y,
                       std::vector<uint32_t>& argmax) {
  std::size_t in_plane = std::size_t(g.height) * g.width;
  std::size_t out_plane = std::size_t(g.out_h) * g.out_w;
  y.assign(std::size_t(n) * g.channels * out_plane, 0.0);
  argmax.assign(y.size(), 0);
  for (std::size_t p = 0; p < std::size_t(n) * g.channels; ++p)
    for (int oy = 0; oy < g.out_h; ++oy)
      for (int ox = 0; ox < g.out_w; ++ox) {
        double best = -std::numeric_limits<double>::infinity();
        int arg = -1;
        for (int i = 0; i < g.kernel; ++i)
          for (int j = 0; j < g.kernel; ++j) {
            int iy = oy * g.stride - g.pad + i, ix = ox * g.stride - g.pad + j;
            if (iy < 0 || iy >= g.height || ix < 0 || ix >= g.width) continue;
            double v = x[p * in_plane + std::size_t(iy) * g.width + ix];
            if (arg < 0 || v > best || std::isnan(v)) {
              best = v;
              arg = i * g.kernel + j;
            }
          }
        std::size_t o = p * out_plane + std::size_t(oy) * g.out_w + ox;
        y[o] = best;
        argmax[o] = uint32_t(std::max(arg, 0));
      }
}

// dx[pixel named by argmax[o]] += dy[o] for every output o; dx starts at zero. A code that
// names a pixel in the padding (a window wholly in it) contributes nothing.
inline std::vector<double> max_pool2d_backward(const PoolGeometry& g, int n, const float* dy,
                                               const uint32_t* argmax) {
  std::size_t in_plane = std::size_t(g.height) * g.width;
  std::size_t out_plane = std::size_t(g.out_h) * g.out_w;
  std::vector<double> dx(std::size_t(n) * g.channels * in_plane, 0.0);
  for (std::size_t p = 0; p < std::size_t(n) * g.channels; ++p)
    for (int oy = 0; oy < g.out_h; ++oy)
      for (int ox = 0; ox < g.out_w; ++ox) {
        std::size_t o = p * out_plane + std::size_t(oy) * g.out_w + ox;
        int iy = oy * g.stride - g.pad + int(argmax[o]) / g.kernel;
        int ix = ox * g.stride - g.pad + int(argmax[o]) % g.kernel;
        if (iy >= 0 && iy < g.height && ix >= 0 && ix < g.width)
          dx[p * in_plane + std::size_t(iy) * g.width + ix] += dy[o];
      }
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
