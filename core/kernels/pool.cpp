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

// Input rows (or columns) [lo, hi) covered by output row (column) o, whose unclipped
// window starts at `start`.
struct Range {
  int start, lo, hi;
};
Range window(int o, const PoolGeometry& g, int size) {
  int start = o * g.stride - g.pad;
  return {start, std::max(start, 0), std::min(start + g.kernel, size)};
}

bool is_2x2_stride_2(const PoolGeometry& g) { return g.kernel == 2 && g.stride == 2 && g.pad == 0; }

// An argmax code in `bytes` bytes, least significant first. Loops of at most four steps:
// unrolled (clang does) they only grow the wasm.
void put_code(uint8_t* at, int bytes, uint32_t code) {
#pragma GCC unroll 1
  for (int b = 0; b < bytes; ++b, code >>= 8) at[b] = uint8_t(code);
}
uint32_t get_code(const uint8_t* at, int bytes) {
  uint32_t code = 0;
#pragma GCC unroll 1
  while (bytes-- > 0) code = code << 8 | at[bytes];
  return code;
}

// Replaces (best, arg) with (v, at) where v is the later maximum in window order: larger,
// or NaN.
inline void take_max(float v, int at, float& best, int& arg) {
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

// One plane of 2×2 stride-2 max pooling. Window order, and argmax codes: (0,0) 0, (0,1) 1,
// (1,0) 2, (1,1) 3. With SIMD, a row of at least four outputs ends with a step over its
// last four, overlapping the step before (outputs computed twice come out the same): no
// scalar tail with unpredictable branches.
void max_pool_2x2_plane(const float* x, int width, int out_h, int out_w, float* y,
                        uint8_t* argmax) {
  for (int oy = 0; oy < out_h; ++oy) {
    const float* r0 = x + std::size_t(2 * oy) * width;
    const float* r1 = r0 + width;
    float* yr = y + std::size_t(oy) * out_w;
    uint8_t* ar = argmax + std::size_t(oy) * out_w;
    int ox = 0;
#if NORMLAB_POOL_SSE
    // Columns 2·ox … 2·ox + 7 of both rows, split into even and odd columns.
    auto four = [&](int ox) {
      const __m128 a0 = _mm_loadu_ps(r0 + 2 * ox), b0 = _mm_loadu_ps(r0 + 2 * ox + 4);
      const __m128 a1 = _mm_loadu_ps(r1 + 2 * ox), b1 = _mm_loadu_ps(r1 + 2 * ox + 4);
      __m128 best = _mm_shuffle_ps(a0, b0, _MM_SHUFFLE(2, 0, 2, 0));
      __m128i arg = _mm_setzero_si128();
      take_max(_mm_shuffle_ps(a0, b0, _MM_SHUFFLE(3, 1, 3, 1)), _mm_set1_epi32(1), best, arg);
      take_max(_mm_shuffle_ps(a1, b1, _MM_SHUFFLE(2, 0, 2, 0)), _mm_set1_epi32(2), best, arg);
      take_max(_mm_shuffle_ps(a1, b1, _MM_SHUFFLE(3, 1, 3, 1)), _mm_set1_epi32(3), best, arg);
      _mm_storeu_ps(yr + ox, best);
      // The four codes narrowed to the four bytes of the first lane.
      const __m128i codes = _mm_packs_epi32(arg, arg);
      _mm_storeu_si32(ar + ox, _mm_packus_epi16(codes, codes));
    };
    for (; ox + 4 <= out_w; ox += 4) four(ox);
    if (ox < out_w && out_w >= 4) {
      four(out_w - 4);
      ox = out_w;
    }
#endif
    NORMLAB_NO_VECTORIZE
    for (; ox < out_w; ++ox) {
      float best = r0[2 * ox];
      int arg = 0;
      take_max(r0[2 * ox + 1], 1, best, arg);
      take_max(r1[2 * ox], 2, best, arg);
      take_max(r1[2 * ox + 1], 3, best, arg);
      yr[ox] = best;
      ar[ox] = uint8_t(arg);
    }
  }
}

// dx of one plane of 2×2 stride-2 max pooling, in one pass: the windows do not overlap, so
// each pixel gets its window's dy if it was the argmax and 0 otherwise; a last row or
// column no window reaches (odd sizes) gets 0. Four windows at a time with SIMD, ending
// like the forward pass with an overlapping step; elsewhere without branches, since which
// pixel of a window is its maximum is as good as random.
NORMLAB_INLINE_COPIES void max_pool_2x2_backward_plane(const float* dy, const uint8_t* argmax,
                                                       const PoolGeometry& g, float* dx) {
  const int width = g.width;
  for (int oy = 0; oy < g.out_h; ++oy) {
    float* r0 = dx + std::size_t(2 * oy) * width;
    float* r1 = r0 + width;
    const float* d = dy + std::size_t(oy) * g.out_w;
    const uint8_t* a = argmax + std::size_t(oy) * g.out_w;
    int ox = 0;
#if NORMLAB_POOL_SSE
    // The codes of the pixels under row 0 of two neighbouring windows, and under row 1.
    const __m128i row0 = _mm_set_epi32(1, 0, 1, 0), row1 = _mm_set_epi32(3, 2, 3, 2);
    const __m128i zero = _mm_setzero_si128();
    auto four = [&](int ox) {
      // dy and code of windows ox … ox + 3, each twice (once per column), as a dx row lays
      // out their pixels; the codes' bytes widened to lanes.
      const __m128 v = _mm_loadu_ps(d + ox);
      const __m128i at = _mm_unpacklo_epi16(_mm_unpacklo_epi8(_mm_loadu_si32(a + ox), zero), zero);
      const __m128 v_lo = _mm_unpacklo_ps(v, v), v_hi = _mm_unpackhi_ps(v, v);
      const __m128i at_lo = _mm_unpacklo_epi32(at, at), at_hi = _mm_unpackhi_epi32(at, at);
      // dy where the pixel is its window's maximum, 0 elsewhere.
      auto routed = [](__m128 v, __m128i at, __m128i pixel) {
        return _mm_and_ps(v, _mm_castsi128_ps(_mm_cmpeq_epi32(at, pixel)));
      };
      _mm_storeu_ps(r0 + 2 * ox, routed(v_lo, at_lo, row0));
      _mm_storeu_ps(r0 + 2 * ox + 4, routed(v_hi, at_hi, row0));
      _mm_storeu_ps(r1 + 2 * ox, routed(v_lo, at_lo, row1));
      _mm_storeu_ps(r1 + 2 * ox + 4, routed(v_hi, at_hi, row1));
    };
    for (; ox + 4 <= g.out_w; ox += 4) four(ox);
    if (ox < g.out_w && g.out_w >= 4) {
      four(g.out_w - 4);
      ox = g.out_w;
    }
#endif
    NORMLAB_NO_VECTORIZE
    for (; ox < g.out_w; ++ox) {
      float window[4] = {0.0f, 0.0f, 0.0f, 0.0f};
      window[a[ox] & 3] = d[ox];
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

void max_pool2d_f32(const PoolGeometry& g, int n, const float* x, float* y, uint8_t* argmax) {
  check_geometry(g);
  const std::size_t in_plane = std::size_t(g.height) * g.width;
  const std::size_t out_plane = std::size_t(g.out_h) * g.out_w;
  const std::size_t planes = std::size_t(n) * g.channels;
  if (is_2x2_stride_2(g)) {
    for (std::size_t p = 0; p < planes; ++p)
      max_pool_2x2_plane(x + p * in_plane, g.width, g.out_h, g.out_w, y + p * out_plane,
                         argmax + p * out_plane);
    return;
  }
  const int bytes = max_pool2d_argmax_bytes(g.kernel);
  for (std::size_t p = 0; p < planes; ++p) {
    const float* xp = x + p * in_plane;
    float* yp = y + p * out_plane;
    uint8_t* ap = argmax + p * out_plane * bytes;
    for (int oy = 0; oy < g.out_h; ++oy) {
      const Range ry = window(oy, g, g.height);
      for (int ox = 0; ox < g.out_w; ++ox) {
        const Range rx = window(ox, g, g.width);
        const std::size_t o = std::size_t(oy) * g.out_w + ox;
        // A window wholly in the padding (pad ≥ kernel) has no input: −∞, code 0.
        float best = -std::numeric_limits<float>::infinity();
        int arg = -1;  // ky·kernel + kx of the maximum so far, −1 before the first pixel
        for (int iy = ry.lo; iy < ry.hi; ++iy) {
          const float* row = xp + std::size_t(iy) * g.width;
          const int row_code = (iy - ry.start) * g.kernel - rx.start;  // the code of ix = 0
          for (int ix = rx.lo; ix < rx.hi; ++ix) {
            const float v = row[ix];
            if (arg < 0 || v > best || std::isnan(v)) {
              best = v;
              arg = row_code + ix;
            }
          }
        }
        yp[o] = best;
        put_code(ap + o * bytes, bytes, uint32_t(std::max(arg, 0)));
      }
    }
  }
}

void max_pool2d_backward_f32(const PoolGeometry& g, int n, const float* dy, const uint8_t* argmax,
                             float* dx) {
  check_geometry(g);
  const std::size_t in_plane = std::size_t(g.height) * g.width;
  const std::size_t out_plane = std::size_t(g.out_h) * g.out_w;
  const std::size_t planes = std::size_t(n) * g.channels;
  if (is_2x2_stride_2(g)) {
    for (std::size_t p = 0; p < planes; ++p)
      max_pool_2x2_backward_plane(dy + p * out_plane, argmax + p * out_plane, g,
                                  dx + p * in_plane);
    return;
  }
  std::fill(dx, dx + in_plane * planes, 0.0f);
  const int bytes = max_pool2d_argmax_bytes(g.kernel);
  for (std::size_t p = 0; p < planes; ++p) {
    float* dxp = dx + p * in_plane;
    const float* dyp = dy + p * out_plane;
    const uint8_t* ap = argmax + p * out_plane * bytes;
    for (int oy = 0; oy < g.out_h; ++oy)
      for (int ox = 0; ox < g.out_w; ++ox) {
        const std::size_t o = std::size_t(oy) * g.out_w + ox;
        const uint32_t code = get_code(ap + o * bytes, bytes);
        assert(code < uint32_t(g.kernel * g.kernel));
        const int iy = oy * g.stride - g.pad + int(code / g.kernel);
        const int ix = ox * g.stride - g.pad + int(code % g.kernel);
        // Outside the image only for a window wholly in the padding.
        if (iy >= 0 && iy < g.height && ix >= 0 && ix < g.width)
          dxp[std::size_t(iy) * g.width + ix] += dyp[o];
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
