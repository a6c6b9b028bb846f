// Winograd F(2×2, 3×3). The transform matrices (correlation form, as CNNs use):
//   Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1]    G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1]
//   Aᵀ = [1 1 1 0; 0 1 −1 −1]
// Every transform is applied along columns, then along rows. The tile transforms work on a
// row of tiles at a time: the rows of the patch are first combined whole (contiguous
// vectors), then each tile's columns 2k…2k+3 are picked from the combined rows; with SIMD,
// four tiles at once, their even and odd columns split by shuffles. When a row's tile count
// is not a multiple of four, the last group of four overlaps the one before (the shared
// tiles are computed twice, identically).
#include "core/kernels/winograd.hpp"

#include <algorithm>
#include <cassert>

#include "core/kernels/gemm.hpp"
#include "core/kernels/simd.hpp"

#if NORMLAB_HAS_SIMD && defined(__SSE2__)
#include <emmintrin.h>  // also the wasm SIMD128 build, through Emscripten's SSE mapping
#define NORMLAB_WINOGRAD_SSE 1
#else
#define NORMLAB_WINOGRAD_SSE 0
#endif

namespace normlab {
namespace {

constexpr int kPoints = 16;  // ξ = 4·row + column of the 4×4 transformed tile

int round_up(int x, int to) { return (x + to - 1) / to * to; }

long total_tiles(const Winograd3x3& s) { return long(s.batch) * s.tiles_h() * s.tiles_w(); }

// Tiles per block: a block's transformed input (16·in floats per tile) and transformed
// output or output gradient (16·out) stay near 64 K floats, 256 KB, inside L2; a multiple of
// 16, a GEMM column panel on every target.
int block_tiles(const Winograd3x3& s) {
  const int budget = (128 * 1024) / (kPoints * (s.in + s.out));
  const long tb = std::min<long>(std::clamp(budget / 16 * 16, 32, 512), total_tiles(s));
  return round_up(int(tb), 16);
}

// Floats of each of the four scratch lines of a row of tiles: columns 2k…2k+3 of its tiles
// k < tiles_w, read by the widest loads.
int line_floats(const Winograd3x3& s) { return round_up(2 * s.tiles_w() + 2, 4) + 4; }

// Floats of the scratch: four lines, then a line of zeros as long as an input or output row
// (it stands in for the rows outside the plane).
std::size_t scratch_floats(const Winograd3x3& s) {
  return 4 * std::size_t(line_floats(s)) + std::size_t(round_up(std::max(s.width, s.out_w()), 4));
}

// A run of tiles in one tile row of one sample, `count` of them from column tx0, at index t
// of the current block.
struct RowPiece {
  int n, ty, tx0, count, t;
};

template <class F>
void for_each_row_piece(const Winograd3x3& s, long g0, long g1, F f) {
  const int tw = s.tiles_w();
  const long per_sample = long(s.tiles_h()) * tw;
  for (long g = g0; g < g1;) {
    const int n = int(g / per_sample);
    const long r = g % per_sample;
    const int ty = int(r / tw), tx0 = int(r % tw);
    const int count = int(std::min<long>(tw - tx0, g1 - g));
    f(RowPiece{n, ty, tx0, count, int(g - g0)});
    g += count;
  }
}

// Calls group(k) for k = 0, 4, 8, … and, when 4 does not divide count, k = count − 4, so
// every tile below count is covered by a group of four. Nothing when count < 4.
template <class F>
int for_each_group_of_four(int count, F group) {
#if NORMLAB_WINOGRAD_SSE
  if (count < 4) return 0;
  for (int k = 0;; k += 4) {
    const int at = std::min(k, count - 4);
    group(at);
    if (at == count - 4) return count;
  }
#else
  (void)group;
  (void)count;
  return 0;
#endif
}

// Columns [lo, hi) of `used` that fall inside a row of `size` values when column q reads
// col0 + q; the others read the zero padding.
struct Inside {
  int lo, hi;
};
Inside inside(int col0, int used, int size) {
  const int lo = std::clamp(-col0, 0, used);
  return {lo, std::clamp(size - col0, lo, used)};
}

// V_ξ of the piece's tiles for one input channel: dst[ξ·xi_stride + k], tile k < count.
// lines: the scratch (scratch_floats), its zero line filled.
NORMLAB_INLINE_COPIES void input_tiles(const Winograd3x3& s, const float* plane,
                                       const RowPiece& pc, float* dst, std::size_t xi_stride,
                                       float* lines, int len) {
  float* t = lines;
  const float* zero = lines + 4 * len;
  const float* row[4];
  for (int r = 0; r < 4; ++r) {
    const int iy = 2 * pc.ty - s.pad + r;
    row[r] = iy >= 0 && iy < s.height ? plane + std::size_t(iy) * s.width : zero;
  }
  // Bᵀ along the columns, on whole rows; column q of the lines is input column col0 + q.
  const int col0 = 2 * pc.tx0 - s.pad, used = 2 * pc.count + 2;
  const Inside in = inside(col0, used, s.width);
  for (int r = 0; r < 4; ++r) {
    for (int q = 0; q < in.lo; ++q) t[r * len + q] = 0.0f;
    for (int q = in.hi; q < used; ++q) t[r * len + q] = 0.0f;
  }
  {
    // Inside, column q reads d[q − in.lo] (input column col0 + q ≥ 0).
    const float *d0 = row[0] + (col0 + in.lo), *d1 = row[1] + (col0 + in.lo),
                *d2 = row[2] + (col0 + in.lo), *d3 = row[3] + (col0 + in.lo);
    float *t0 = t + in.lo, *t1 = t + len + in.lo, *t2 = t + 2 * len + in.lo,
          *t3 = t + 3 * len + in.lo;
    const int n = in.hi - in.lo;
    int q = 0;
#if NORMLAB_WINOGRAD_SSE
    for (; q + 4 <= n; q += 4) {
      const __m128 a0 = _mm_loadu_ps(d0 + q), a1 = _mm_loadu_ps(d1 + q);
      const __m128 a2 = _mm_loadu_ps(d2 + q), a3 = _mm_loadu_ps(d3 + q);
      _mm_storeu_ps(t0 + q, _mm_sub_ps(a0, a2));
      _mm_storeu_ps(t1 + q, _mm_add_ps(a1, a2));
      _mm_storeu_ps(t2 + q, _mm_sub_ps(a2, a1));
      _mm_storeu_ps(t3 + q, _mm_sub_ps(a1, a3));
    }
#endif
    for (; q < n; ++q) {
      t0[q] = d0[q] - d2[q];
      t1[q] = d1[q] + d2[q];
      t2[q] = d2[q] - d1[q];
      t3[q] = d1[q] - d3[q];
    }
  }
  // B along the rows: tile k reads columns 2k … 2k+3 of each combined row.
  for (int r = 0; r < 4; ++r) {
    const float* tr = t + r * len;
    float* v0 = dst + std::size_t(4 * r) * xi_stride;
    float* v1 = v0 + xi_stride;
    float* v2 = v1 + xi_stride;
    float* v3 = v2 + xi_stride;
    int k = for_each_group_of_four(pc.count, [&](int at) {
#if NORMLAB_WINOGRAD_SSE
      const __m128 a = _mm_loadu_ps(tr + 2 * at), b = _mm_loadu_ps(tr + 2 * at + 4);
      const __m128 a2 = _mm_loadu_ps(tr + 2 * at + 2), b2 = _mm_loadu_ps(tr + 2 * at + 6);
      const __m128 e0 = _mm_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0));
      const __m128 o0 = _mm_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1));
      const __m128 e1 = _mm_shuffle_ps(a2, b2, _MM_SHUFFLE(2, 0, 2, 0));
      const __m128 o1 = _mm_shuffle_ps(a2, b2, _MM_SHUFFLE(3, 1, 3, 1));
      _mm_storeu_ps(v0 + at, _mm_sub_ps(e0, e1));
      _mm_storeu_ps(v1 + at, _mm_add_ps(o0, e1));
      _mm_storeu_ps(v2 + at, _mm_sub_ps(e1, o0));
      _mm_storeu_ps(v3 + at, _mm_sub_ps(o0, o1));
#else
      (void)at;
#endif
    });
    for (; k < pc.count; ++k) {
      const float e0 = tr[2 * k], o0 = tr[2 * k + 1], e1 = tr[2 * k + 2], o1 = tr[2 * k + 3];
      v0[k] = e0 - e1;
      v1[k] = o0 + e1;
      v2[k] = e1 - o0;
      v3[k] = o0 - o1;
    }
  }
}

// (A·dy_t·Aᵀ)_ξ of the piece's tiles for one output channel of dy (out_h × out_w):
// dst[ξ·xi_stride + k]. Outputs past the plane's edge count as zero.
NORMLAB_INLINE_COPIES void grad_tiles(const Winograd3x3& s, const float* plane,
                                      const RowPiece& pc, float* dst, std::size_t xi_stride,
                                      float* lines, int len) {
  float* u = lines;
  const float* zero = lines + 4 * len;
  const int oh = s.out_h(), ow = s.out_w();
  const float* y0 = plane + std::size_t(2 * pc.ty) * ow;
  const float* y1 = 2 * pc.ty + 1 < oh ? y0 + ow : zero;
  // A along the columns, on whole rows: (y0, y1) → (y0, y0 + y1, y0 − y1, −y1); column q
  // of the lines is output column 2·tx0 + q.
  const int col0 = 2 * pc.tx0, used = 2 * pc.count;
  const Inside in = inside(col0, used, ow);
  for (int r = 0; r < 4; ++r)
    for (int q = in.hi; q < used; ++q) u[r * len + q] = 0.0f;
  {
    const float *a = y0 + col0, *b = y1 + col0;
    float *u0 = u, *u1 = u + len, *u2 = u + 2 * len, *u3 = u + 3 * len;
    int q = 0;  // in.lo is 0: columns start inside the plane
#if NORMLAB_WINOGRAD_SSE
    for (; q + 4 <= in.hi; q += 4) {
      const __m128 va = _mm_loadu_ps(a + q), vb = _mm_loadu_ps(b + q);
      _mm_storeu_ps(u0 + q, va);
      _mm_storeu_ps(u1 + q, _mm_add_ps(va, vb));
      _mm_storeu_ps(u2 + q, _mm_sub_ps(va, vb));
      _mm_storeu_ps(u3 + q, _mm_sub_ps(_mm_setzero_ps(), vb));
    }
#endif
    for (; q < in.hi; ++q) {
      u0[q] = a[q];
      u1[q] = a[q] + b[q];
      u2[q] = a[q] - b[q];
      u3[q] = -b[q];
    }
  }
  for (int r = 0; r < 4; ++r) {
    const float* ur = u + r * len;
    float* z0 = dst + std::size_t(4 * r) * xi_stride;
    float* z1 = z0 + xi_stride;
    float* z2 = z1 + xi_stride;
    float* z3 = z2 + xi_stride;
    int k = for_each_group_of_four(pc.count, [&](int at) {
#if NORMLAB_WINOGRAD_SSE
      const __m128 a = _mm_loadu_ps(ur + 2 * at), b = _mm_loadu_ps(ur + 2 * at + 4);
      const __m128 e = _mm_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0));
      const __m128 o = _mm_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1));
      _mm_storeu_ps(z0 + at, e);
      _mm_storeu_ps(z1 + at, _mm_add_ps(e, o));
      _mm_storeu_ps(z2 + at, _mm_sub_ps(e, o));
      _mm_storeu_ps(z3 + at, _mm_sub_ps(_mm_setzero_ps(), o));
#else
      (void)at;
#endif
    });
    for (; k < pc.count; ++k) {
      const float e = ur[2 * k], o = ur[2 * k + 1];
      z0[k] = e;
      z1[k] = e + o;
      z2[k] = e - o;
      z3[k] = -o;
    }
  }
}

// y of the piece's tiles for one output channel: Aᵀ·M·A + bias, from src[ξ·xi_stride + k],
// written into the plane (out_h × out_w) and clipped at its edges.
void output_tiles(const Winograd3x3& s, const float* src, std::size_t xi_stride, float bias,
                  const RowPiece& pc, float* plane) {
  const int oh = s.out_h(), ow = s.out_w();
  float* row0 = plane + std::size_t(2 * pc.ty) * ow;
  float* row1 = row0 + ow;
  const bool two_rows = 2 * pc.ty + 1 < oh;
  // Leading tiles whose four outputs are all inside the plane.
  const int whole = two_rows ? std::clamp(ow / 2 - pc.tx0, 0, pc.count) : 0;
  int k = for_each_group_of_four(whole, [&](int at) {
#if NORMLAB_WINOGRAD_SSE
    __m128 m[kPoints];
    for (int xi = 0; xi < kPoints; ++xi) m[xi] = _mm_loadu_ps(src + xi * xi_stride + at);
    __m128 s0[4], s1[4];
    for (int c = 0; c < 4; ++c) {
      s0[c] = _mm_add_ps(_mm_add_ps(m[c], m[4 + c]), m[8 + c]);
      s1[c] = _mm_sub_ps(_mm_sub_ps(m[4 + c], m[8 + c]), m[12 + c]);
    }
    const __m128 b = _mm_set1_ps(bias);
    const __m128 y00 = _mm_add_ps(_mm_add_ps(_mm_add_ps(s0[0], s0[1]), s0[2]), b);
    const __m128 y01 = _mm_add_ps(_mm_sub_ps(_mm_sub_ps(s0[1], s0[2]), s0[3]), b);
    const __m128 y10 = _mm_add_ps(_mm_add_ps(_mm_add_ps(s1[0], s1[1]), s1[2]), b);
    const __m128 y11 = _mm_add_ps(_mm_sub_ps(_mm_sub_ps(s1[1], s1[2]), s1[3]), b);
    float* o0 = row0 + 2 * (pc.tx0 + at);
    float* o1 = row1 + 2 * (pc.tx0 + at);
    _mm_storeu_ps(o0, _mm_unpacklo_ps(y00, y01));
    _mm_storeu_ps(o0 + 4, _mm_unpackhi_ps(y00, y01));
    _mm_storeu_ps(o1, _mm_unpacklo_ps(y10, y11));
    _mm_storeu_ps(o1 + 4, _mm_unpackhi_ps(y10, y11));
#else
    (void)at;
#endif
  });
  for (; k < pc.count; ++k) {
    float m[kPoints];
    for (int xi = 0; xi < kPoints; ++xi) m[xi] = src[xi * xi_stride + k];
    float s0[4], s1[4];
    for (int c = 0; c < 4; ++c) {
      s0[c] = m[c] + m[4 + c] + m[8 + c];
      s1[c] = m[4 + c] - m[8 + c] - m[12 + c];
    }
    const int x0 = 2 * (pc.tx0 + k);
    const bool two_cols = x0 + 1 < ow;
    row0[x0] = s0[0] + s0[1] + s0[2] + bias;
    if (two_cols) row0[x0 + 1] = s0[1] - s0[2] - s0[3] + bias;
    if (two_rows) {
      row1[x0] = s1[0] + s1[1] + s1[2] + bias;
      if (two_cols) row1[x0 + 1] = s1[1] - s1[2] - s1[3] + bias;
    }
  }
}

// G·g·Gᵀ of one 3×3 filter (row-major, element (a, b) at g[a·a_step + b·b_step]), in
// double, into u[ξ·xi_stride].
void filter_tile(const float* g, int a_step, int b_step, float* u, std::size_t xi_stride) {
  double h[4][3];  // G·g
  for (int c = 0; c < 3; ++c) {
    const double g0 = g[c * b_step], g1 = g[a_step + c * b_step], g2 = g[2 * a_step + c * b_step];
    h[0][c] = g0;
    h[1][c] = 0.5 * (g0 + g1 + g2);
    h[2][c] = 0.5 * (g0 - g1 + g2);
    h[3][c] = g2;
  }
  for (int r = 0; r < 4; ++r) {
    const double* hr = h[r];
    u[(4 * r + 0) * xi_stride] = float(hr[0]);
    u[(4 * r + 1) * xi_stride] = float(0.5 * (hr[0] + hr[1] + hr[2]));
    u[(4 * r + 2) * xi_stride] = float(0.5 * (hr[0] - hr[1] + hr[2]));
    u[(4 * r + 3) * xi_stride] = float(hr[2]);
  }
}

}  // namespace

bool winograd_shape_ok(const Winograd3x3& s) {
  return s.batch > 0 && s.in > 0 && s.out > 0 && s.height > 0 && s.width > 0 && s.pad >= 0 &&
         s.pad <= 2 && s.out_h() > 0 && s.out_w() > 0;
}

std::size_t winograd_filter_floats(const Winograd3x3& s) {
  return kPoints * gemm_packed_a_floats(s.out, s.in);
}

std::size_t winograd_forward_workspace_floats(const Winograd3x3& s) {
  // The filter transforms stage all 16 U_ξ, unpacked, in the workspace.
  return std::max(std::size_t(kPoints) * (s.in + s.out) * block_tiles(s) + scratch_floats(s),
                  std::size_t(kPoints) * s.out * s.in);
}

std::size_t winograd_backward_weight_workspace_floats(const Winograd3x3& s) {
  return std::size_t(kPoints) * (s.in + s.out) * block_tiles(s) + scratch_floats(s) +
         std::size_t(kPoints) * s.out * s.in;
}

namespace {

// Packs the 16 staged U_ξ (m × k each, row-major, one after the other) for the GEMMs.
void pack_filters(int m, int k, const float* staged, float* u) {
  for (int xi = 0; xi < kPoints; ++xi)
    gemm_pack_a_f32(Trans::No, m, k, staged + xi * std::size_t(m) * k, k,
                    u + xi * gemm_packed_a_floats(m, k));
}

}  // namespace

void winograd_filter_transform_f32(const Winograd3x3& s, const float* w, float* u,
                                   float* workspace) {
  assert(winograd_shape_ok(s));
  const std::size_t xi_stride = std::size_t(s.out) * s.in;
  for (int o = 0; o < s.out; ++o)
    for (int i = 0; i < s.in; ++i)
      filter_tile(w + (std::size_t(o) * s.in + i) * 9, 3, 1,
                  workspace + std::size_t(o) * s.in + i, xi_stride);
  pack_filters(s.out, s.in, workspace, u);
}

Winograd3x3 winograd_input_grad_shape(const Winograd3x3& s) {
  Winograd3x3 t = s;
  t.in = s.out;
  t.out = s.in;
  t.height = s.out_h();
  t.width = s.out_w();
  t.pad = 2 - s.pad;
  return t;
}

void winograd_filter_transform_flipped_f32(const Winograd3x3& s, const float* w, float* u,
                                           float* workspace) {
  assert(winograd_shape_ok(s));
  const std::size_t xi_stride = std::size_t(s.in) * s.out;
  // Filter (i, o) of the input gradient is w[o][i] read backwards: element (a, b) at
  // (2 − a, 2 − b), so from its last element with negative steps.
  for (int i = 0; i < s.in; ++i)
    for (int o = 0; o < s.out; ++o)
      filter_tile(w + (std::size_t(o) * s.in + i) * 9 + 8, -3, -1,
                  workspace + std::size_t(i) * s.out + o, xi_stride);
  pack_filters(s.in, s.out, workspace, u);
}

void winograd_conv3x3_f32(const Winograd3x3& s, const float* x, const float* u,
                          const float* bias, float* y, float* workspace) {
  assert(winograd_shape_ok(s));
  const int tb = block_tiles(s), len = line_floats(s);
  const std::size_t v_stride = std::size_t(s.in) * tb, m_stride = std::size_t(s.out) * tb;
  float* v = workspace;
  float* m = v + kPoints * v_stride;
  float* lines = m + kPoints * m_stride;
  std::fill(lines + 4 * len, lines + scratch_floats(s), 0.0f);
  const std::size_t in_plane = std::size_t(s.height) * s.width;
  const std::size_t out_plane = std::size_t(s.out_h()) * s.out_w();
  const long total = total_tiles(s);
  for (long g0 = 0; g0 < total; g0 += tb) {
    const long g1 = std::min(total, g0 + tb);
    const int nb = int(g1 - g0);
    for_each_row_piece(s, g0, g1, [&](const RowPiece& pc) {
      for (int i = 0; i < s.in; ++i)
        input_tiles(s, x + (std::size_t(pc.n) * s.in + i) * in_plane, pc,
                    v + std::size_t(i) * tb + pc.t, v_stride, lines, len);
    });
    const std::size_t u_stride = gemm_packed_a_floats(s.out, s.in);
    for (int xi = 0; xi < kPoints; ++xi)
      gemm_packed_a_f32(s.out, nb, s.in, 1.0f, u + xi * u_stride, Trans::No, v + xi * v_stride,
                        tb, 0.0f, m + xi * m_stride, tb);
    for_each_row_piece(s, g0, g1, [&](const RowPiece& pc) {
      for (int o = 0; o < s.out; ++o)
        output_tiles(s, m + std::size_t(o) * tb + pc.t, m_stride, bias ? bias[o] : 0.0f, pc,
                     y + (std::size_t(pc.n) * s.out + o) * out_plane);
    });
  }
}

void winograd_conv3x3_backward_weight_f32(const Winograd3x3& s, const float* x, const float* dy,
                                          float* dw, float* workspace) {
  assert(winograd_shape_ok(s));
  const int tb = block_tiles(s), len = line_floats(s);
  const std::size_t v_stride = std::size_t(s.in) * tb, z_stride = std::size_t(s.out) * tb;
  const std::size_t u_stride = std::size_t(s.out) * s.in;
  float* v = workspace;
  float* z = v + kPoints * v_stride;
  float* lines = z + kPoints * z_stride;
  float* du = lines + scratch_floats(s);
  std::fill(lines + 4 * len, du, 0.0f);
  const std::size_t in_plane = std::size_t(s.height) * s.width;
  const std::size_t out_plane = std::size_t(s.out_h()) * s.out_w();
  const long total = total_tiles(s);
  for (long g0 = 0; g0 < total; g0 += tb) {
    const long g1 = std::min(total, g0 + tb);
    const int nb = int(g1 - g0);
    for_each_row_piece(s, g0, g1, [&](const RowPiece& pc) {
      for (int i = 0; i < s.in; ++i)
        input_tiles(s, x + (std::size_t(pc.n) * s.in + i) * in_plane, pc,
                    v + std::size_t(i) * tb + pc.t, v_stride, lines, len);
      for (int o = 0; o < s.out; ++o)
        grad_tiles(s, dy + (std::size_t(pc.n) * s.out + o) * out_plane, pc,
                   z + std::size_t(o) * tb + pc.t, z_stride, lines, len);
    });
    // dU_ξ (out × in) += Z_ξ (out × tiles) · V_ξᵀ (tiles × in); the first block assigns.
    for (int xi = 0; xi < kPoints; ++xi)
      gemm_f32(Trans::No, Trans::Yes, s.out, s.in, nb, 1.0f, z + xi * z_stride, tb,
               v + xi * v_stride, tb, g0 == 0 ? 0.0f : 1.0f, du + xi * u_stride, s.in);
  }
  // dw += Gᵀ·dU·G per filter, in double.
  for (std::size_t f = 0; f < u_stride; ++f) {
    double d[4][4];
    for (int xi = 0; xi < kPoints; ++xi) d[xi / 4][xi % 4] = du[xi * u_stride + f];
    double e[3][4];  // Gᵀ·dU
    for (int c = 0; c < 4; ++c) {
      e[0][c] = d[0][c] + 0.5 * (d[1][c] + d[2][c]);
      e[1][c] = 0.5 * (d[1][c] - d[2][c]);
      e[2][c] = 0.5 * (d[1][c] + d[2][c]) + d[3][c];
    }
    float* out = dw + f * 9;
    for (int a = 0; a < 3; ++a) {
      out[3 * a + 0] += float(e[a][0] + 0.5 * (e[a][1] + e[a][2]));
      out[3 * a + 1] += float(0.5 * (e[a][1] - e[a][2]));
      out[3 * a + 2] += float(0.5 * (e[a][1] + e[a][2]) + e[a][3]);
    }
  }
}

}  // namespace normlab
