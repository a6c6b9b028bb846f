// Pooling kernels. Each output window is clipped to the image once (its row and column
// ranges), so the inner loops carry no bounds checks. Max pooling compares like PyTorch:
// the first maximum in row-major window order wins, and a NaN wins over numbers (a later
// NaN over an earlier one). 2×2 windows of stride 2 without padding, every preset's
// pooling, have a path of their own: no clipping, and four outputs at a time with SIMD.
#include "core/kernels/pool.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>

#include "core/kernels/elementwise.hpp"
#include "core/kernels/simd.hpp"

#if NORMLAB_HAS_SIMD && defined(__SSE2__)
#include <emmintrin.h>  // also the wasm SIMD128 build, through Emscripten's SSE mapping
#define NORMLAB_POOL_SSE 1
#else
#define NORMLAB_POOL_SSE 0
#endif

namespace normlab {

namespace {

void check_geometry(const PoolGeometry& g) {
  assert(g.channels >= 0 && g.height > 0 && g.width > 0);
  assert(g.kernel > 0 && g.stride > 0 && g.pad >= 0);
  assert(g.out_h == (g.height + 2 * g.pad - g.kernel) / g.stride + 1);
  assert(g.out_w == (g.width + 2 * g.pad - g.kernel) / g.stride + 1);
  (void)g;
}

// Input rows (or columns) [lo, hi) covered by output row (column) o.
struct Range {
  int lo, hi;
};
Range window(int o, const PoolGeometry& g, int size) {
  int start = o * g.stride - g.pad;
  return {std::max(start, 0), std::min(start + g.kernel, size)};
}

bool is_2x2_stride_2(const PoolGeometry& g) { return g.kernel == 2 && g.stride == 2 && g.pad == 0; }

// Replaces (best, arg) with (v, at) where v is the later maximum in window order: larger,
// or NaN.
inline void take_max(float v, int32_t at, float& best, int32_t& arg) {
  if (v > best || v != v) {
    best = v;
    arg = at;
  }
}

#if NORMLAB_POOL_SSE
inline void take_max(__m128 v, __m128i at, __m128& best, __m128i& arg) {
  const __m128 m = _mm_or_ps(_mm_cmpgt_ps(v, best), _mm_cmpunord_ps(v, v));
  const __m128i mi = _mm_castps_si128(m);
  best = _mm_or_ps(_mm_and_ps(m, v), _mm_andnot_ps(m, best));
  arg = _mm_or_si128(_mm_and_si128(mi, at), _mm_andnot_si128(mi, arg));
}
#endif

// One plane of 2×2 stride-2 max pooling. Window order: (0,0), (0,1), (1,0), (1,1).
// `base` is the plane's offset in its sample, added to every argmax. With SIMD, a row of
// at least four outputs ends with a step over its last four, overlapping the step before
// (outputs computed twice come out the same): no scalar tail with unpredictable branches.
void max_pool_2x2_plane(const float* x, int width, int out_h, int out_w, int32_t base, float* y,
                        int32_t* argmax) {
  for (int oy = 0; oy < out_h; ++oy) {
    const float* r0 = x + std::size_t(2 * oy) * width;
    const float* r1 = r0 + width;
    const int32_t i0 = base + 2 * oy * width;  // argmax of (0,0) at ox = 0
    float* yr = y + std::size_t(oy) * out_w;
    int32_t* ar = argmax + std::size_t(oy) * out_w;
    int ox = 0;
#if NORMLAB_POOL_SSE
    // Columns 2·ox … 2·ox + 7 of both rows, split into even and odd columns.
    const __m128i step = _mm_set_epi32(6, 4, 2, 0);
    auto four = [&](int ox) {
      const __m128 a0 = _mm_loadu_ps(r0 + 2 * ox), b0 = _mm_loadu_ps(r0 + 2 * ox + 4);
      const __m128 a1 = _mm_loadu_ps(r1 + 2 * ox), b1 = _mm_loadu_ps(r1 + 2 * ox + 4);
      const __m128i at = _mm_add_epi32(_mm_set1_epi32(i0 + 2 * ox), step);
      __m128 best = _mm_shuffle_ps(a0, b0, _MM_SHUFFLE(2, 0, 2, 0));
      __m128i arg = at;
      take_max(_mm_shuffle_ps(a0, b0, _MM_SHUFFLE(3, 1, 3, 1)), _mm_add_epi32(at, _mm_set1_epi32(1)),
               best, arg);
      take_max(_mm_shuffle_ps(a1, b1, _MM_SHUFFLE(2, 0, 2, 0)),
               _mm_add_epi32(at, _mm_set1_epi32(width)), best, arg);
      take_max(_mm_shuffle_ps(a1, b1, _MM_SHUFFLE(3, 1, 3, 1)),
               _mm_add_epi32(at, _mm_set1_epi32(width + 1)), best, arg);
      _mm_storeu_ps(yr + ox, best);
      _mm_storeu_si128(reinterpret_cast<__m128i*>(ar + ox), arg);
    };
    for (; ox + 4 <= out_w; ox += 4) four(ox);
    if (ox < out_w && out_w >= 4) {
      four(out_w - 4);
      ox = out_w;
    }
#endif
    NORMLAB_NO_VECTORIZE
    for (; ox < out_w; ++ox) {
      const int32_t at = i0 + 2 * ox;
      float best = r0[2 * ox];
      int32_t arg = at;
      take_max(r0[2 * ox + 1], at + 1, best, arg);
      take_max(r1[2 * ox], at + width, best, arg);
      take_max(r1[2 * ox + 1], at + width + 1, best, arg);
      yr[ox] = best;
      ar[ox] = arg;
    }
  }
}

// dx of one plane of 2×2 stride-2 max pooling, in one pass: the windows do not overlap, so
// each pixel gets its window's dy if it was the argmax and 0 otherwise; a last row or
// column no window reaches (odd sizes) gets 0. Four windows at a time with SIMD, ending
// like the forward pass with an overlapping step; elsewhere without branches, since which
// pixel of a window is its maximum is as good as random.
NORMLAB_INLINE_COPIES void max_pool_2x2_backward_plane(const float* dy, const int32_t* argmax,
                                                       int32_t base, const PoolGeometry& g,
                                                       float* dx) {
  const int width = g.width;
  for (int oy = 0; oy < g.out_h; ++oy) {
    float* r0 = dx + std::size_t(2 * oy) * width;
    float* r1 = r0 + width;
    const float* d = dy + std::size_t(oy) * g.out_w;
    const int32_t* a = argmax + std::size_t(oy) * g.out_w;
    const int32_t i0 = base + 2 * oy * width;
    int ox = 0;
#if NORMLAB_POOL_SSE
    const __m128i step = _mm_set_epi32(6, 4, 2, 0);
    const __m128i one = _mm_set1_epi32(1), below = _mm_set1_epi32(width),
                  below_right = _mm_set1_epi32(width + 1);
    auto four = [&](int ox) {
      const __m128 v = _mm_loadu_ps(d + ox);
      // Where in its window each maximum was: 0, 1, width or width + 1.
      const __m128i at = _mm_sub_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(a + ox)),
                                       _mm_add_epi32(_mm_set1_epi32(i0 + 2 * ox), step));
      const __m128 v00 = _mm_and_ps(v, _mm_castsi128_ps(_mm_cmpeq_epi32(at, _mm_setzero_si128())));
      const __m128 v01 = _mm_and_ps(v, _mm_castsi128_ps(_mm_cmpeq_epi32(at, one)));
      const __m128 v10 = _mm_and_ps(v, _mm_castsi128_ps(_mm_cmpeq_epi32(at, below)));
      const __m128 v11 = _mm_and_ps(v, _mm_castsi128_ps(_mm_cmpeq_epi32(at, below_right)));
      _mm_storeu_ps(r0 + 2 * ox, _mm_unpacklo_ps(v00, v01));
      _mm_storeu_ps(r0 + 2 * ox + 4, _mm_unpackhi_ps(v00, v01));
      _mm_storeu_ps(r1 + 2 * ox, _mm_unpacklo_ps(v10, v11));
      _mm_storeu_ps(r1 + 2 * ox + 4, _mm_unpackhi_ps(v10, v11));
    };
    for (; ox + 4 <= g.out_w; ox += 4) four(ox);
    if (ox < g.out_w && g.out_w >= 4) {
      four(g.out_w - 4);
      ox = g.out_w;
    }
#endif
    NORMLAB_NO_VECTORIZE
    for (; ox < g.out_w; ++ox) {
      const int32_t at = a[ox] - (i0 + 2 * ox);  // 0, 1, width or width + 1
      const int row = at >= width ? 1 : 0;
      float window[4] = {0.0f, 0.0f, 0.0f, 0.0f};
      window[(2 * row + at - row * width) & 3] = d[ox];
      r0[2 * ox] = window[0];
      r0[2 * ox + 1] = window[1];
      r1[2 * ox] = window[2];
      r1[2 * ox + 1] = window[3];
    }
    for (int ix = 2 * g.out_w; ix < width; ++ix) r0[ix] = r1[ix] = 0.0f;
  }
  for (int iy = 2 * g.out_h; iy < g.height; ++iy)
    std::fill(dx + std::size_t(iy) * width, dx + std::size_t(iy + 1) * width, 0.0f);
}

}  // namespace

void max_pool2d_f32(const PoolGeometry& g, int n, const float* x, float* y, int32_t* argmax) {
  check_geometry(g);
  const std::size_t in_plane = std::size_t(g.height) * g.width;
  const std::size_t out_plane = std::size_t(g.out_h) * g.out_w;
  if (is_2x2_stride_2(g)) {
    for (std::size_t p = 0; p < std::size_t(n) * g.channels; ++p)
      max_pool_2x2_plane(x + p * in_plane, g.width, g.out_h, g.out_w,
                         int32_t((p % g.channels) * in_plane), y + p * out_plane,
                         argmax + p * out_plane);
    return;
  }
  for (int s = 0; s < n; ++s)
    for (int c = 0; c < g.channels; ++c) {
      const std::size_t plane = std::size_t(s) * g.channels + c;
      const float* xp = x + plane * in_plane;
      float* yp = y + plane * out_plane;
      int32_t* ap = argmax + plane * out_plane;
      const int32_t base = int32_t(std::size_t(c) * in_plane);  // argmax is per sample
      for (int oy = 0; oy < g.out_h; ++oy) {
        const Range ry = window(oy, g, g.height);
        for (int ox = 0; ox < g.out_w; ++ox) {
          const Range rx = window(ox, g, g.width);
          // A window wholly in the padding (pad ≥ kernel) has no input: −∞, argmax −1.
          float best = -std::numeric_limits<float>::infinity();
          int32_t arg = -1;
          for (int iy = ry.lo; iy < ry.hi; ++iy) {
            const float* row = xp + std::size_t(iy) * g.width;
            for (int ix = rx.lo; ix < rx.hi; ++ix) {
              const float v = row[ix];
              if (arg < 0 || v > best || std::isnan(v)) {
                best = v;
                arg = base + iy * g.width + ix;
              }
            }
          }
          yp[oy * g.out_w + ox] = best;
          ap[oy * g.out_w + ox] = arg;
        }
      }
    }
}

void max_pool2d_backward_f32(const PoolGeometry& g, int n, const float* dy, const int32_t* argmax,
                             float* dx) {
  check_geometry(g);
  const std::size_t in_sample = std::size_t(g.channels) * g.height * g.width;
  const std::size_t out_sample = std::size_t(g.channels) * g.out_h * g.out_w;
  if (is_2x2_stride_2(g)) {
    const std::size_t in_plane = std::size_t(g.height) * g.width;
    const std::size_t out_plane = std::size_t(g.out_h) * g.out_w;
    for (std::size_t p = 0; p < std::size_t(n) * g.channels; ++p)
      max_pool_2x2_backward_plane(dy + p * out_plane, argmax + p * out_plane,
                                  int32_t((p % g.channels) * in_plane), g, dx + p * in_plane);
    return;
  }
  std::fill(dx, dx + in_sample * n, 0.0f);
  for (int s = 0; s < n; ++s) {
    float* dxs = dx + s * in_sample;
    const float* dys = dy + s * out_sample;
    const int32_t* as = argmax + s * out_sample;
    for (std::size_t o = 0; o < out_sample; ++o) {
      assert(as[o] < int32_t(in_sample));
      if (as[o] >= 0) dxs[as[o]] += dys[o];
    }
  }
}

void avg_pool2d_f32(const PoolGeometry& g, int n, const float* x, float* y) {
  check_geometry(g);
  const std::size_t in_plane = std::size_t(g.height) * g.width;
  const std::size_t out_plane = std::size_t(g.out_h) * g.out_w;
  // count_include_pad: always divide by the full window (floor mode never lets a window
  // reach past the padded border, so this is PyTorch's divisor too).
  const float inv = 1.0f / float(g.kernel * g.kernel);
  for (std::size_t p = 0; p < std::size_t(n) * g.channels; ++p) {
    const float* xp = x + p * in_plane;
    float* yp = y + p * out_plane;
    for (int oy = 0; oy < g.out_h; ++oy) {
      const Range ry = window(oy, g, g.height);
      for (int ox = 0; ox < g.out_w; ++ox) {
        const Range rx = window(ox, g, g.width);
        float sum = 0.0f;
        for (int iy = ry.lo; iy < ry.hi; ++iy) {
          const float* row = xp + std::size_t(iy) * g.width;
          for (int ix = rx.lo; ix < rx.hi; ++ix) sum += row[ix];
        }
        yp[oy * g.out_w + ox] = sum * inv;
      }
    }
  }
}

void avg_pool2d_backward_f32(const PoolGeometry& g, int n, const float* dy, float* dx) {
  check_geometry(g);
  const std::size_t in_plane = std::size_t(g.height) * g.width;
  const std::size_t out_plane = std::size_t(g.out_h) * g.out_w;
  const float inv = 1.0f / float(g.kernel * g.kernel);
  std::fill(dx, dx + in_plane * n * g.channels, 0.0f);
  for (std::size_t p = 0; p < std::size_t(n) * g.channels; ++p) {
    float* dxp = dx + p * in_plane;
    const float* dyp = dy + p * out_plane;
    for (int oy = 0; oy < g.out_h; ++oy) {
      const Range ry = window(oy, g, g.height);
      for (int ox = 0; ox < g.out_w; ++ox) {
        const Range rx = window(ox, g, g.width);
        const float d = dyp[oy * g.out_w + ox] * inv;
        for (int iy = ry.lo; iy < ry.hi; ++iy) {
          float* row = dxp + std::size_t(iy) * g.width;
          for (int ix = rx.lo; ix < rx.hi; ++ix) row[ix] += d;
        }
      }
    }
  }
}

void global_avg_pool_f32(int n, int c, std::size_t plane, const float* x, float* y) {
  assert(n >= 0 && c >= 0 && plane > 0);
  for (std::size_t p = 0; p < std::size_t(n) * c; ++p)
    y[p] = float(sum_f32(x + p * plane, plane) / double(plane));
}

void global_avg_pool_backward_f32(int n, int c, std::size_t plane, const float* dy, float* dx) {
  assert(n >= 0 && c >= 0 && plane > 0);
  for (std::size_t p = 0; p < std::size_t(n) * c; ++p) {
    const float d = float(double(dy[p]) / double(plane));
    std::fill(dx + p * plane, dx + (p + 1) * plane, d);
  }
}

}  // namespace normlab
