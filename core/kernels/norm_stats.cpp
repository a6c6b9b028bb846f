#include "norm_stats.hpp"

#include <algorithm>
#include <cassert>
#include <vector>

#include "simd.hpp"

namespace normlab {
namespace {

// Values one float partial sum covers before it is flushed into double: its rounding error
// stays near 1e-7 relative, and the flush cost is amortized.
constexpr std::size_t kBlock = 256;
// Rows a column-wise float partial covers before it is flushed into double.
constexpr int kRowBlock = 32;
// Channel layout: planes shorter than this vectorize across channels (rows of C·plane)
// instead of within each plane (a 1×1 plane after a dense layer has nothing to vectorize).
constexpr std::size_t kMinRunPlane = 8;

#if NORMLAB_HAS_SIMD
constexpr std::size_t kW = vfloat::size;
#endif

// Per-thread scratch, grown to the largest shape seen and then reused: no allocation per call.
struct Scratch {
  std::vector<float> f;
  std::vector<double> d;
};
thread_local Scratch scratch;

float* scratch_floats(std::size_t n) {
  if (scratch.f.size() < n) scratch.f.resize(n);
  return scratch.f.data();
}
double* scratch_doubles(std::size_t n) {
  if (scratch.d.size() < n) scratch.d.resize(n);
  return scratch.d.data();
}

// ---- contiguous runs ------------------------------------------------------------------

float sum_block(const float* x, std::size_t n) {
  std::size_t i = 0;
  float s = 0.0f;
#if NORMLAB_HAS_SIMD
  vfloat acc(0.0f);
  for (; i + kW <= n; i += kW) acc += vfloat::load_unaligned(x + i);
  s = xsimd::hadd(acc);
#endif
  for (; i < n; ++i) s += x[i];
  return s;
}

// d = Σ(x − c), q = Σ(x − c)² over one block.
void centered_sums_block(const float* x, std::size_t n, float c, float& d, float& q) {
  std::size_t i = 0;
  float sd = 0.0f, sq = 0.0f;
#if NORMLAB_HAS_SIMD
  vfloat vc(c), ad(0.0f), aq(0.0f);
  for (; i + kW <= n; i += kW) {
    vfloat t = vfloat::load_unaligned(x + i) - vc;
    ad += t;
    aq = xsimd::fma(t, t, aq);
  }
  sd = xsimd::hadd(ad);
  sq = xsimd::hadd(aq);
#endif
  for (; i < n; ++i) {
    float t = x[i] - c;
    sd += t;
    sq += t * t;
  }
  d = sd;
  q = sq;
}

// Count, mean and centred sum of squares of the values merged so far.
struct Moments {
  double count = 0, mean = 0, m2 = 0;

  // Chan, Golub & LeVeque's pairwise update: every block arrives centred on its own mean,
  // so there is no E[x²] − E[x]² cancellation when the mean is large against the spread.
  void merge(double n, double block_mean, double block_m2) {
    double total = count + n;
    double delta = block_mean - mean;
    mean += delta * (n / total);
    m2 += block_m2 + delta * delta * (count * n / total);
    count = total;
  }

  // One pass over memory: each block is summed, then re-read from L1 around its mean.
  void add_run(const float* x, std::size_t len) {
    for (std::size_t i = 0; i < len; i += kBlock) {
      std::size_t n = std::min(kBlock, len - i);
      float c = sum_block(x + i, n) / float(n);
      float d, q;
      centered_sums_block(x + i, n, c, d, q);
      // c is only near the block mean (float rounding); the residual d corrects both moments.
      double dn = double(n), dd = double(d);
      merge(dn, double(c) + dd / dn, std::max(0.0, double(q) - dd * dd / dn));
    }
  }
};

// s1 += Σ dy, s2 += Σ dy·(x − m) over a run.
void grad_sums_run(const float* x, const float* dy, std::size_t len, float m, double& s1,
                   double& s2) {
  for (std::size_t i0 = 0; i0 < len; i0 += kBlock) {
    std::size_t end = std::min(len, i0 + kBlock), i = i0;
    float a = 0.0f, b = 0.0f;
#if NORMLAB_HAS_SIMD
    vfloat vm(m), a1(0.0f), a2(0.0f);
    for (; i + kW <= end; i += kW) {
      vfloat g = vfloat::load_unaligned(dy + i);
      a1 += g;
      a2 = xsimd::fma(g, vfloat::load_unaligned(x + i) - vm, a2);
    }
    a = xsimd::hadd(a1);
    b = xsimd::hadd(a2);
#endif
    for (; i < end; ++i) {
      a += dy[i];
      b += dy[i] * (x[i] - m);
    }
    s1 += a;
    s2 += b;
  }
}

// y = (x − m)·a + b. Subtracting first keeps y accurate when the mean is large.
void affine_run(const float* x, std::size_t len, float m, float a, float b, float* y) {
  std::size_t i = 0;
#if NORMLAB_HAS_SIMD
  vfloat vm(m), va(a), vb(b);
  for (; i + kW <= len; i += kW)
    xsimd::fma(vfloat::load_unaligned(x + i) - vm, va, vb).store_unaligned(y + i);
#endif
  for (; i < len; ++i) y[i] = (x[i] - m) * a + b;
}

// dx = dy·B + (x − m)·A + C
void backward_run(const float* x, const float* dy, std::size_t len, float m, float A, float B,
                  float C, float* dx) {
  std::size_t i = 0;
#if NORMLAB_HAS_SIMD
  vfloat vm(m), va(A), vb(B), vc(C);
  for (; i + kW <= len; i += kW) {
    vfloat t = xsimd::fma(vfloat::load_unaligned(x + i) - vm, va, vc);
    xsimd::fma(vfloat::load_unaligned(dy + i), vb, t).store_unaligned(dx + i);
  }
#endif
  for (; i < len; ++i) dx[i] = dy[i] * B + ((x[i] - m) * A + C);
}

// The closed-form backward as coefficients of backward_run:
// dx = r·(γ·dy − k1 − (x − m)·r·k2) = dy·(r·γ) + (x − m)·(−r²·k2) + (−r·k1).
struct BackwardCoeffs {
  float A, B, C;
};
BackwardCoeffs backward_coeffs(float r, float gamma, double sum_gdy, double sum_gdy_xhat,
                               double count) {
  double k1 = sum_gdy / count, k2 = sum_gdy_xhat / count, dr = r;
  return {float(-dr * dr * k2), float(dr * gamma), float(-dr * k1)};
}

// ---- rows of a matrix, vectorized across columns ----------------------------------------

void add_row(float* part, const float* x, std::size_t n) {
  std::size_t j = 0;
#if NORMLAB_HAS_SIMD
  for (; j + kW <= n; j += kW)
    (vfloat::load_unaligned(part + j) + vfloat::load_unaligned(x + j)).store_unaligned(part + j);
#endif
  for (; j < n; ++j) part[j] += x[j];
}

// p1 += x − c, p2 += (x − c)², elementwise.
void add_centered_row(float* p1, float* p2, const float* x, const float* c, std::size_t n) {
  std::size_t j = 0;
#if NORMLAB_HAS_SIMD
  for (; j + kW <= n; j += kW) {
    vfloat t = vfloat::load_unaligned(x + j) - vfloat::load_unaligned(c + j);
    (vfloat::load_unaligned(p1 + j) + t).store_unaligned(p1 + j);
    xsimd::fma(t, t, vfloat::load_unaligned(p2 + j)).store_unaligned(p2 + j);
  }
#endif
  for (; j < n; ++j) {
    float t = x[j] - c[j];
    p1[j] += t;
    p2[j] += t * t;
  }
}

// p1 += dy, p2 += dy·(x − c), elementwise.
void add_grad_row(float* p1, float* p2, const float* x, const float* dy, const float* c,
                  std::size_t n) {
  std::size_t j = 0;
#if NORMLAB_HAS_SIMD
  for (; j + kW <= n; j += kW) {
    vfloat g = vfloat::load_unaligned(dy + j);
    vfloat t = vfloat::load_unaligned(x + j) - vfloat::load_unaligned(c + j);
    (vfloat::load_unaligned(p1 + j) + g).store_unaligned(p1 + j);
    xsimd::fma(g, t, vfloat::load_unaligned(p2 + j)).store_unaligned(p2 + j);
  }
#endif
  for (; j < n; ++j) {
    p1[j] += dy[j];
    p2[j] += dy[j] * (x[j] - c[j]);
  }
}

// y = (x − m)·a + b with per-column m, a, b.
void affine_row(const float* x, std::size_t n, const float* m, const float* a, const float* b,
                float* y) {
  std::size_t j = 0;
#if NORMLAB_HAS_SIMD
  for (; j + kW <= n; j += kW) {
    vfloat t = vfloat::load_unaligned(x + j) - vfloat::load_unaligned(m + j);
    xsimd::fma(t, vfloat::load_unaligned(a + j), vfloat::load_unaligned(b + j))
        .store_unaligned(y + j);
  }
#endif
  for (; j < n; ++j) y[j] = (x[j] - m[j]) * a[j] + b[j];
}

// dx = dy·B + (x − m)·A + C with per-column m, A, B, C.
void backward_row(const float* x, const float* dy, std::size_t n, const float* m, const float* A,
                  const float* B, const float* C, float* dx) {
  std::size_t j = 0;
#if NORMLAB_HAS_SIMD
  for (; j + kW <= n; j += kW) {
    vfloat t = vfloat::load_unaligned(x + j) - vfloat::load_unaligned(m + j);
    t = xsimd::fma(t, vfloat::load_unaligned(A + j), vfloat::load_unaligned(C + j));
    xsimd::fma(vfloat::load_unaligned(dy + j), vfloat::load_unaligned(B + j), t)
        .store_unaligned(dx + j);
  }
#endif
  for (; j < n; ++j) dx[j] = dy[j] * B[j] + ((x[j] - m[j]) * A[j] + C[j]);
}

void flush(double* sum, float* part, std::size_t n) {
  for (std::size_t j = 0; j < n; ++j) {
    sum[j] += part[j];
    part[j] = 0.0f;
  }
}

// Statistics of a rows×cols matrix (row stride ld) in which each run of `span` consecutive
// columns forms one statistic. Two passes (sum, then centred sums around the mean); the
// matrices this serves (N×C·plane for small planes, C×plane per sample) stay in cache.
void column_moments(const float* x, int rows, std::size_t cols, std::size_t ld,
                    std::size_t span, float* mean, float* var) {
  std::size_t stats = cols / span;
  double count = double(rows) * double(span);
  float* p1 = scratch_floats(3 * cols);
  float* p2 = p1 + cols;
  float* center = p2 + cols;
  double* s1 = scratch_doubles(2 * cols);
  double* s2 = s1 + cols;

  std::fill(p1, p1 + cols, 0.0f);
  std::fill(s1, s1 + cols, 0.0);
  for (int r0 = 0; r0 < rows; r0 += kRowBlock) {
    for (int r = r0; r < std::min(rows, r0 + kRowBlock); ++r) add_row(p1, x + r * ld, cols);
    flush(s1, p1, cols);
  }
  for (std::size_t s = 0; s < stats; ++s) {
    double sum = 0.0;
    for (std::size_t j = s * span; j < (s + 1) * span; ++j) sum += s1[j];
    std::fill(center + s * span, center + (s + 1) * span, float(sum / count));
  }

  std::fill(p2, p2 + cols, 0.0f);
  std::fill(s1, s1 + 2 * cols, 0.0);
  for (int r0 = 0; r0 < rows; r0 += kRowBlock) {
    for (int r = r0; r < std::min(rows, r0 + kRowBlock); ++r)
      add_centered_row(p1, p2, x + r * ld, center, cols);
    flush(s1, p1, cols);
    flush(s2, p2, cols);
  }
  for (std::size_t s = 0; s < stats; ++s) {
    double d = 0.0, q = 0.0;
    for (std::size_t j = s * span; j < (s + 1) * span; ++j) {
      d += s1[j];
      q += s2[j];
    }
    // The float center is only near the mean; the residual d corrects both moments.
    mean[s] = float(double(center[s * span]) + d / count);
    var[s] = float(std::max(0.0, (q - d * d / count) / count));
  }
}

// ---- channel layout, small planes: rows n of length C·plane ----------------------------

// Spreads per-channel values over the C·plane columns of a row.
void expand(const float* per_channel, int c, std::size_t plane, float* out) {
  for (int k = 0; k < c; ++k) std::fill(out + k * plane, out + (k + 1) * plane, per_channel[k]);
}

// Per-channel Σ dy and Σ dy·(x − mean) for small planes, vectorized across the C·plane
// columns of each sample. Returns pointers (into scratch) to C values each.
void channel_grad_sums_rows(const NormDims& d, const float* x, const float* dy,
                            const float* mean, const double*& s1_out, const double*& s2_out) {
  std::size_t cols = std::size_t(d.c) * d.plane;
  float* p1 = scratch_floats(3 * cols);
  float* p2 = p1 + cols;
  float* center = p2 + cols;
  double* s1 = scratch_doubles(2 * cols);
  double* s2 = s1 + cols;
  expand(mean, d.c, d.plane, center);
  std::fill(p1, p1 + 2 * cols, 0.0f);
  std::fill(s1, s1 + 2 * cols, 0.0);
  for (int r0 = 0; r0 < d.n; r0 += kRowBlock) {
    for (int r = r0; r < std::min(d.n, r0 + kRowBlock); ++r)
      add_grad_row(p1, p2, x + r * cols, dy + r * cols, center, cols);
    flush(s1, p1, cols);
    flush(s2, p2, cols);
  }
  // Compact in place: channel k reads columns [k·plane, (k+1)·plane), all ≥ k.
  for (int k = 0; k < d.c; ++k) {
    double a = 0.0, b = 0.0;
    for (std::size_t j = k * d.plane; j < (k + 1) * d.plane; ++j) {
      a += s1[j];
      b += s2[j];
    }
    s1[k] = a;
    s2[k] = b;
  }
  s1_out = s1;
  s2_out = s2;
}

bool channel_uses_runs(const NormDims& d) { return d.plane >= kMinRunPlane; }

}  // namespace

// ---- channel -------------------------------------------------------------------------------

void channel_moments_f32(const NormDims& d, const float* x, float* mean, float* var) {
  assert(d.n > 0 && d.c > 0 && d.plane > 0);
  std::size_t cols = std::size_t(d.c) * d.plane;
  if (!channel_uses_runs(d)) {
    column_moments(x, d.n, cols, cols, d.plane, mean, var);
    return;
  }
  for (int k = 0; k < d.c; ++k) {
    Moments m;
    for (int n = 0; n < d.n; ++n) m.add_run(x + n * cols + k * d.plane, d.plane);
    mean[k] = float(m.mean);
    var[k] = float(m.m2 / m.count);
  }
}

void channel_normalize_f32(const NormDims& d, const float* x, const float* mean,
                           const float* rstd, const float* gamma, const float* beta, float* y) {
  assert(d.n > 0 && d.c > 0 && d.plane > 0);
  std::size_t cols = std::size_t(d.c) * d.plane;
  if (!channel_uses_runs(d)) {
    float* m = scratch_floats(3 * cols);
    float* a = m + cols;
    float* b = a + cols;
    for (int k = 0; k < d.c; ++k) {
      std::fill(m + k * d.plane, m + (k + 1) * d.plane, mean[k]);
      std::fill(a + k * d.plane, a + (k + 1) * d.plane, rstd[k] * gamma[k]);
      std::fill(b + k * d.plane, b + (k + 1) * d.plane, beta[k]);
    }
    for (int n = 0; n < d.n; ++n) affine_row(x + n * cols, cols, m, a, b, y + n * cols);
    return;
  }
  for (int n = 0; n < d.n; ++n)
    for (int k = 0; k < d.c; ++k) {
      std::size_t off = n * cols + k * d.plane;
      affine_run(x + off, d.plane, mean[k], rstd[k] * gamma[k], beta[k], y + off);
    }
}

void channel_grad_sums_f32(const NormDims& d, const float* x, const float* dy, const float* mean,
                           const float* rstd, const float* gamma, float* sum_gdy,
                           float* sum_gdy_xhat, float* dgamma, float* dbeta) {
  assert(d.n > 0 && d.c > 0 && d.plane > 0);
  std::size_t cols = std::size_t(d.c) * d.plane;
  // γ is constant within a channel, so Σ dŷ = γ·Σ dy and Σ dŷ·x̂ = γ·rstd·Σ dy·(x − mean).
  auto finish = [&](int k, double s1, double s2) {
    double xs = double(rstd[k]) * s2;
    sum_gdy[k] = float(double(gamma[k]) * s1);
    sum_gdy_xhat[k] = float(double(gamma[k]) * xs);
    if (dgamma) dgamma[k] += float(xs);
    if (dbeta) dbeta[k] += float(s1);
  };
  if (!channel_uses_runs(d)) {
    const double *s1, *s2;
    channel_grad_sums_rows(d, x, dy, mean, s1, s2);
    for (int k = 0; k < d.c; ++k) finish(k, s1[k], s2[k]);
    return;
  }
  for (int k = 0; k < d.c; ++k) {
    double s1 = 0.0, s2 = 0.0;
    for (int n = 0; n < d.n; ++n) {
      std::size_t off = n * cols + k * d.plane;
      grad_sums_run(x + off, dy + off, d.plane, mean[k], s1, s2);
    }
    finish(k, s1, s2);
  }
}

void channel_normalize_backward_f32(const NormDims& d, const float* x, const float* dy,
                                    const float* mean, const float* rstd, const float* gamma,
                                    const float* sum_gdy, const float* sum_gdy_xhat, float* dx) {
  assert(d.n > 0 && d.c > 0 && d.plane > 0);
  std::size_t cols = std::size_t(d.c) * d.plane;
  double count = double(d.n) * double(d.plane);
  if (!channel_uses_runs(d)) {
    float* m = scratch_floats(4 * cols);
    float* A = m + cols;
    float* B = A + cols;
    float* C = B + cols;
    for (int k = 0; k < d.c; ++k) {
      BackwardCoeffs co = backward_coeffs(rstd[k], gamma[k], sum_gdy[k], sum_gdy_xhat[k], count);
      std::fill(m + k * d.plane, m + (k + 1) * d.plane, mean[k]);
      std::fill(A + k * d.plane, A + (k + 1) * d.plane, co.A);
      std::fill(B + k * d.plane, B + (k + 1) * d.plane, co.B);
      std::fill(C + k * d.plane, C + (k + 1) * d.plane, co.C);
    }
    for (int n = 0; n < d.n; ++n)
      backward_row(x + n * cols, dy + n * cols, cols, m, A, B, C, dx + n * cols);
    return;
  }
  for (int k = 0; k < d.c; ++k) {
    BackwardCoeffs co = backward_coeffs(rstd[k], gamma[k], sum_gdy[k], sum_gdy_xhat[k], count);
    for (int n = 0; n < d.n; ++n) {
      std::size_t off = n * cols + k * d.plane;
      backward_run(x + off, dy + off, d.plane, mean[k], co.A, co.B, co.C, dx + off);
    }
  }
}

void channel_scale_backward_f32(const NormDims& d, const float* dy, const float* rstd,
                                const float* gamma, float* dx) {
  assert(d.n > 0 && d.c > 0 && d.plane > 0);
  std::size_t cols = std::size_t(d.c) * d.plane;
  if (!channel_uses_runs(d)) {
    float* zero = scratch_floats(2 * cols);
    float* a = zero + cols;
    std::fill(zero, zero + cols, 0.0f);
    for (int k = 0; k < d.c; ++k)
      std::fill(a + k * d.plane, a + (k + 1) * d.plane, rstd[k] * gamma[k]);
    for (int n = 0; n < d.n; ++n) affine_row(dy + n * cols, cols, zero, a, zero, dx + n * cols);
    return;
  }
  for (int n = 0; n < d.n; ++n)
    for (int k = 0; k < d.c; ++k) {
      std::size_t off = n * cols + k * d.plane;
      affine_run(dy + off, d.plane, 0.0f, rstd[k] * gamma[k], 0.0f, dx + off);
    }
}

// ---- group ---------------------------------------------------------------------------------

void group_moments_f32(const NormDims& d, int groups, const float* x, float* mean, float* var) {
  assert(d.n > 0 && d.c > 0 && d.plane > 0 && groups > 0 && d.c % groups == 0);
  std::size_t len = std::size_t(d.c / groups) * d.plane;
  for (int s = 0; s < d.n * groups; ++s) {
    Moments m;
    m.add_run(x + s * len, len);
    mean[s] = float(m.mean);
    var[s] = float(m.m2 / m.count);
  }
}

void group_normalize_f32(const NormDims& d, int groups, const float* x, const float* mean,
                         const float* rstd, const float* gamma, const float* beta, float* y) {
  assert(d.n > 0 && d.c > 0 && d.plane > 0 && groups > 0 && d.c % groups == 0);
  int per_group = d.c / groups;
  for (int n = 0; n < d.n; ++n)
    for (int k = 0; k < d.c; ++k) {
      int s = n * groups + k / per_group;
      std::size_t off = (std::size_t(n) * d.c + k) * d.plane;
      affine_run(x + off, d.plane, mean[s], rstd[s] * gamma[k], beta[k], y + off);
    }
}

void group_grad_sums_f32(const NormDims& d, int groups, const float* x, const float* dy,
                         const float* mean, const float* rstd, const float* gamma,
                         float* sum_gdy, float* sum_gdy_xhat, float* dgamma, float* dbeta) {
  assert(d.n > 0 && d.c > 0 && d.plane > 0 && groups > 0 && d.c % groups == 0);
  int per_group = d.c / groups;
  // Parameter gradients sum over the batch in double before being added once.
  double* pg = scratch_doubles(2 * std::size_t(d.c));
  double* pb = pg + d.c;
  std::fill(pg, pg + 2 * d.c, 0.0);
  for (int n = 0; n < d.n; ++n)
    for (int g = 0; g < groups; ++g) {
      int s = n * groups + g;
      double t1 = 0.0, t2 = 0.0;
      for (int k = g * per_group; k < (g + 1) * per_group; ++k) {
        std::size_t off = (std::size_t(n) * d.c + k) * d.plane;
        double s1 = 0.0, s2 = 0.0;
        grad_sums_run(x + off, dy + off, d.plane, mean[s], s1, s2);
        double xs = double(rstd[s]) * s2;
        t1 += double(gamma[k]) * s1;
        t2 += double(gamma[k]) * xs;
        pg[k] += xs;
        pb[k] += s1;
      }
      sum_gdy[s] = float(t1);
      sum_gdy_xhat[s] = float(t2);
    }
  for (int k = 0; k < d.c; ++k) {
    if (dgamma) dgamma[k] += float(pg[k]);
    if (dbeta) dbeta[k] += float(pb[k]);
  }
}

void group_normalize_backward_f32(const NormDims& d, int groups, const float* x,
                                  const float* dy, const float* mean, const float* rstd,
                                  const float* gamma, const float* sum_gdy,
                                  const float* sum_gdy_xhat, float* dx) {
  assert(d.n > 0 && d.c > 0 && d.plane > 0 && groups > 0 && d.c % groups == 0);
  int per_group = d.c / groups;
  double count = double(per_group) * double(d.plane);
  for (int n = 0; n < d.n; ++n)
    for (int k = 0; k < d.c; ++k) {
      int s = n * groups + k / per_group;
      BackwardCoeffs co = backward_coeffs(rstd[s], gamma[k], sum_gdy[s], sum_gdy_xhat[s], count);
      std::size_t off = (std::size_t(n) * d.c + k) * d.plane;
      backward_run(x + off, dy + off, d.plane, mean[s], co.A, co.B, co.C, dx + off);
    }
}

// ---- sample --------------------------------------------------------------------------------

void sample_normalize_f32(const NormDims& d, const float* x, const float* mean, const float* rstd,
                          const float* gamma, const float* beta, float* y) {
  assert(d.n > 0 && d.c > 0 && d.plane > 0);
  std::size_t len = std::size_t(d.c) * d.plane;
  for (int n = 0; n < d.n; ++n) {
    const float* xs = x + n * len;
    float* ys = y + n * len;
    float m = mean[n], r = rstd[n];
    std::size_t i = 0;
#if NORMLAB_HAS_SIMD
    vfloat vm(m), vr(r);
    for (; i + kW <= len; i += kW) {
      vfloat xh = (vfloat::load_unaligned(xs + i) - vm) * vr;
      xsimd::fma(xh, vfloat::load_unaligned(gamma + i), vfloat::load_unaligned(beta + i))
          .store_unaligned(ys + i);
    }
#endif
    for (; i < len; ++i) ys[i] = (xs[i] - m) * r * gamma[i] + beta[i];
  }
}

void sample_grad_sums_f32(const NormDims& d, const float* x, const float* dy, const float* mean,
                          const float* rstd, const float* gamma, float* sum_gdy,
                          float* sum_gdy_xhat, float* dgamma, float* dbeta) {
  assert(d.n > 0 && d.c > 0 && d.plane > 0);
  std::size_t len = std::size_t(d.c) * d.plane;
  for (int n = 0; n < d.n; ++n) {
    const float* xs = x + n * len;
    const float* g = dy + n * len;
    float m = mean[n], r = rstd[n];
    double t1 = 0.0, t2 = 0.0;
    for (std::size_t i0 = 0; i0 < len; i0 += kBlock) {
      std::size_t end = std::min(len, i0 + kBlock), i = i0;
      float a = 0.0f, b = 0.0f;
#if NORMLAB_HAS_SIMD
      vfloat vm(m), vr(r), a1(0.0f), a2(0.0f);
      for (; i + kW <= end; i += kW) {
        vfloat gy = vfloat::load_unaligned(g + i);
        vfloat xh = (vfloat::load_unaligned(xs + i) - vm) * vr;
        vfloat gdy = gy * vfloat::load_unaligned(gamma + i);
        a1 += gdy;
        a2 = xsimd::fma(gdy, xh, a2);
        if (dgamma)
          xsimd::fma(gy, xh, vfloat::load_unaligned(dgamma + i)).store_unaligned(dgamma + i);
        if (dbeta) (vfloat::load_unaligned(dbeta + i) + gy).store_unaligned(dbeta + i);
      }
      a = xsimd::hadd(a1);
      b = xsimd::hadd(a2);
#endif
      for (; i < end; ++i) {
        float xh = (xs[i] - m) * r;
        float gdy = g[i] * gamma[i];
        a += gdy;
        b += gdy * xh;
        if (dgamma) dgamma[i] += g[i] * xh;
        if (dbeta) dbeta[i] += g[i];
      }
      t1 += a;
      t2 += b;
    }
    sum_gdy[n] = float(t1);
    sum_gdy_xhat[n] = float(t2);
  }
}

void sample_normalize_backward_f32(const NormDims& d, const float* x, const float* dy,
                                   const float* mean, const float* rstd, const float* gamma,
                                   const float* sum_gdy, const float* sum_gdy_xhat, float* dx) {
  assert(d.n > 0 && d.c > 0 && d.plane > 0);
  std::size_t len = std::size_t(d.c) * d.plane;
  for (int n = 0; n < d.n; ++n) {
    const float* xs = x + n * len;
    const float* g = dy + n * len;
    float* out = dx + n * len;
    float m = mean[n], r = rstd[n];
    float k1 = float(double(sum_gdy[n]) / double(len));
    float k2 = float(double(sum_gdy_xhat[n]) / double(len));
    std::size_t i = 0;
#if NORMLAB_HAS_SIMD
    vfloat vm(m), vr(r), vk1(k1), vk2(k2);
    for (; i + kW <= len; i += kW) {
      vfloat xh = (vfloat::load_unaligned(xs + i) - vm) * vr;
      vfloat gdy = vfloat::load_unaligned(g + i) * vfloat::load_unaligned(gamma + i);
      (vr * (gdy - vk1 - xh * vk2)).store_unaligned(out + i);
    }
#endif
    for (; i < len; ++i) {
      float xh = (xs[i] - m) * r;
      out[i] = r * (g[i] * gamma[i] - k1 - xh * k2);
    }
  }
}

// ---- pixel ---------------------------------------------------------------------------------

void pixel_moments_f32(const NormDims& d, const float* x, float* mean, float* var) {
  assert(d.n > 0 && d.c > 0 && d.plane > 0);
  std::size_t len = std::size_t(d.c) * d.plane;
  for (int n = 0; n < d.n; ++n)
    column_moments(x + n * len, d.c, d.plane, d.plane, 1, mean + n * d.plane, var + n * d.plane);
}

void pixel_normalize_f32(const NormDims& d, const float* x, const float* mean, const float* rstd,
                         const float* gamma, const float* beta, float* y) {
  assert(d.n > 0 && d.c > 0 && d.plane > 0);
  std::size_t P = d.plane;
  for (int n = 0; n < d.n; ++n) {
    const float* m = mean + n * P;
    const float* r = rstd + n * P;
    for (int k = 0; k < d.c; ++k) {
      std::size_t off = (std::size_t(n) * d.c + k) * P;
      const float* xs = x + off;
      float* ys = y + off;
      float g = gamma[k], b = beta[k];
      std::size_t p = 0;
#if NORMLAB_HAS_SIMD
      vfloat vg(g), vb(b);
      for (; p + kW <= P; p += kW) {
        vfloat xh = (vfloat::load_unaligned(xs + p) - vfloat::load_unaligned(m + p)) *
                    vfloat::load_unaligned(r + p);
        xsimd::fma(xh, vg, vb).store_unaligned(ys + p);
      }
#endif
      for (; p < P; ++p) ys[p] = (xs[p] - m[p]) * r[p] * g + b;
    }
  }
}

void pixel_grad_sums_f32(const NormDims& d, const float* x, const float* dy, const float* mean,
                         const float* rstd, const float* gamma, float* sum_gdy,
                         float* sum_gdy_xhat, float* dgamma, float* dbeta) {
  assert(d.n > 0 && d.c > 0 && d.plane > 0);
  std::size_t P = d.plane;
  // Column partials (per pixel, across channels) and row sums (per channel, across pixels
  // and samples, for the parameter gradients), each flushed into double.
  float* p1 = scratch_floats(2 * P);
  float* p2 = p1 + P;
  double* s1 = scratch_doubles(2 * P + 2 * std::size_t(d.c));
  double* s2 = s1 + P;
  double* pg = s2 + P;
  double* pb = pg + d.c;
  std::fill(pg, pg + 2 * d.c, 0.0);
  for (int n = 0; n < d.n; ++n) {
    const float* m = mean + n * P;
    const float* r = rstd + n * P;
    std::fill(p1, p1 + 2 * P, 0.0f);
    std::fill(s1, s1 + 2 * P, 0.0);
    for (int k0 = 0; k0 < d.c; k0 += kRowBlock) {
      for (int k = k0; k < std::min(d.c, k0 + kRowBlock); ++k) {
        std::size_t off = (std::size_t(n) * d.c + k) * P;
        const float* xs = x + off;
        const float* g = dy + off;
        float gk = gamma[k];
        for (std::size_t p0 = 0; p0 < P; p0 += kBlock) {
          std::size_t end = std::min(P, p0 + kBlock), p = p0;
          float a = 0.0f, b = 0.0f;
#if NORMLAB_HAS_SIMD
          vfloat vg(gk), a1(0.0f), a2(0.0f);
          for (; p + kW <= end; p += kW) {
            vfloat gy = vfloat::load_unaligned(g + p);
            vfloat xh = (vfloat::load_unaligned(xs + p) - vfloat::load_unaligned(m + p)) *
                        vfloat::load_unaligned(r + p);
            vfloat gdy = gy * vg;
            (vfloat::load_unaligned(p1 + p) + gdy).store_unaligned(p1 + p);
            xsimd::fma(gdy, xh, vfloat::load_unaligned(p2 + p)).store_unaligned(p2 + p);
            a1 += gy;
            a2 = xsimd::fma(gy, xh, a2);
          }
          a = xsimd::hadd(a1);
          b = xsimd::hadd(a2);
#endif
          for (; p < end; ++p) {
            float xh = (xs[p] - m[p]) * r[p];
            float gdy = g[p] * gk;
            p1[p] += gdy;
            p2[p] += gdy * xh;
            a += g[p];
            b += g[p] * xh;
          }
          pb[k] += a;
          pg[k] += b;
        }
      }
      flush(s1, p1, P);
      flush(s2, p2, P);
    }
    for (std::size_t p = 0; p < P; ++p) {
      sum_gdy[n * P + p] = float(s1[p]);
      sum_gdy_xhat[n * P + p] = float(s2[p]);
    }
  }
  for (int k = 0; k < d.c; ++k) {
    if (dgamma) dgamma[k] += float(pg[k]);
    if (dbeta) dbeta[k] += float(pb[k]);
  }
}

void pixel_normalize_backward_f32(const NormDims& d, const float* x, const float* dy,
                                  const float* mean, const float* rstd, const float* gamma,
                                  const float* sum_gdy, const float* sum_gdy_xhat, float* dx) {
  assert(d.n > 0 && d.c > 0 && d.plane > 0);
  std::size_t P = d.plane;
  float inv_count = float(1.0 / double(d.c));
  for (int n = 0; n < d.n; ++n) {
    const float* m = mean + n * P;
    const float* r = rstd + n * P;
    const float* t1 = sum_gdy + n * P;
    const float* t2 = sum_gdy_xhat + n * P;
    for (int k = 0; k < d.c; ++k) {
      std::size_t off = (std::size_t(n) * d.c + k) * P;
      const float* xs = x + off;
      const float* g = dy + off;
      float* out = dx + off;
      float gk = gamma[k];
      std::size_t p = 0;
#if NORMLAB_HAS_SIMD
      vfloat vg(gk), vinv(inv_count);
      for (; p + kW <= P; p += kW) {
        vfloat vr = vfloat::load_unaligned(r + p);
        vfloat xh = (vfloat::load_unaligned(xs + p) - vfloat::load_unaligned(m + p)) * vr;
        vfloat k1 = vfloat::load_unaligned(t1 + p) * vinv;
        vfloat k2 = vfloat::load_unaligned(t2 + p) * vinv;
        (vr * (vfloat::load_unaligned(g + p) * vg - k1 - xh * k2)).store_unaligned(out + p);
      }
#endif
      for (; p < P; ++p) {
        float xh = (xs[p] - m[p]) * r[p];
        out[p] = r[p] * (g[p] * gk - t1[p] * inv_count - xh * t2[p] * inv_count);
      }
    }
  }
}

}  // namespace normlab
