// Convolution lowering (im2col / col2im) and direct depthwise convolution. Every kernel
// walks output rows and, per kernel tap, the span of output columns whose input column
// lies inside the image: that span is a contiguous, branch-free copy / axpy / dot when
// stride = 1 (vectorized on vfloat), and the columns outside it are the zero padding.
#include "core/kernels/im2col.hpp"

#include <algorithm>
#include <cassert>
#include <cstddef>

#include "core/kernels/simd.hpp"

namespace normlab {

namespace {

// Output columns [lo, hi) whose input column ox·stride + offset lies in [0, in).
struct Span {
  int lo, hi;
};
Span valid_span(int out, int in, int offset, int stride) {
  // ox·s + offset ≥ 0  ⇔  ox ≥ ceil(−offset / s);  ox·s + offset ≤ in − 1.
  int lo = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
  int last = in - 1 - offset;
  int hi = last < 0 ? 0 : std::min(out, last / stride + 1);
  return {std::min(lo, hi), hi};
}

void check_geometry(const ConvGeometry& g) {
  assert(g.channels >= 0 && g.height > 0 && g.width > 0);
  assert(g.kernel_h > 0 && g.kernel_w > 0 && g.stride > 0 && g.pad >= 0);
  assert(g.out_h == conv_out_size(g.height, g.kernel_h, g.stride, g.pad));
  assert(g.out_w == conv_out_size(g.width, g.kernel_w, g.stride, g.pad));
  (void)g;
}

// y[0..n) += w·x[0..n)
inline void axpy_span(float w, const float* x, float* y, int n) {
  int i = 0;
#if NORMLAB_HAS_SIMD
  const vfloat vw(w);
  for (; i + kSimdWidth <= n; i += kSimdWidth)
    xsimd::fma(vw, vfloat::load_unaligned(x + i), vfloat::load_unaligned(y + i))
        .store_unaligned(y + i);
#endif
  for (; i < n; ++i) y[i] += w * x[i];
}

// y[0..n) += x[0..n)
inline void add_span(const float* x, float* y, int n) {
  int i = 0;
#if NORMLAB_HAS_SIMD
  for (; i + kSimdWidth <= n; i += kSimdWidth)
    (vfloat::load_unaligned(y + i) + vfloat::load_unaligned(x + i)).store_unaligned(y + i);
#endif
  for (; i < n; ++i) y[i] += x[i];
}

// Σ a[i]·b[i] over a short span (one image row), in float.
inline float dot_span(const float* a, const float* b, int n) {
  int i = 0;
  float sum = 0.0f;
#if NORMLAB_HAS_SIMD
  if (n >= kSimdWidth) {
    vfloat acc(0.0f);
    for (; i + kSimdWidth <= n; i += kSimdWidth)
      acc = xsimd::fma(vfloat::load_unaligned(a + i), vfloat::load_unaligned(b + i), acc);
    sum = xsimd::hadd(acc);
  }
#endif
  for (; i < n; ++i) sum += a[i] * b[i];
  return sum;
}

}  // namespace

NORMLAB_INLINE_COPIES void im2col_f32(const ConvGeometry& g, const float* x, float* cols) {
  check_geometry(g);
  const std::size_t P = std::size_t(g.out_h) * g.out_w;
  for (int c = 0; c < g.channels; ++c) {
    const float* xc = x + std::size_t(c) * g.height * g.width;
    for (int i = 0; i < g.kernel_h; ++i)
      for (int j = 0; j < g.kernel_w; ++j) {
        float* row = cols + std::size_t((c * g.kernel_h + i) * g.kernel_w + j) * P;
        const Span sx = valid_span(g.out_w, g.width, j - g.pad, g.stride);
        for (int oy = 0; oy < g.out_h; ++oy) {
          float* out = row + std::size_t(oy) * g.out_w;
          const int iy = oy * g.stride - g.pad + i;
          if (iy < 0 || iy >= g.height || sx.lo == sx.hi) {  // the row is all padding
            std::fill(out, out + g.out_w, 0.0f);
            continue;
          }
          // Input pixel of output column ox: in[ox·stride] (in bounds for ox in the span).
          const float* in = xc + std::size_t(iy) * g.width + (sx.lo * g.stride + j - g.pad);
          std::fill(out, out + sx.lo, 0.0f);
          if (g.stride == 1) {
            for (int ox = sx.lo; ox < sx.hi; ++ox) out[ox] = in[ox - sx.lo];
          } else {
            for (int ox = sx.lo; ox < sx.hi; ++ox) out[ox] = in[(ox - sx.lo) * g.stride];
          }
          std::fill(out + sx.hi, out + g.out_w, 0.0f);
        }
      }
  }
}

void col2im_f32(const ConvGeometry& g, const float* cols, float* x) {
  check_geometry(g);
  const std::size_t P = std::size_t(g.out_h) * g.out_w;
  for (int c = 0; c < g.channels; ++c) {
    float* xc = x + std::size_t(c) * g.height * g.width;
    for (int i = 0; i < g.kernel_h; ++i)
      for (int j = 0; j < g.kernel_w; ++j) {
        const float* row = cols + std::size_t((c * g.kernel_h + i) * g.kernel_w + j) * P;
        const Span sx = valid_span(g.out_w, g.width, j - g.pad, g.stride);
        for (int oy = 0; oy < g.out_h; ++oy) {
          const int iy = oy * g.stride - g.pad + i;
          if (iy < 0 || iy >= g.height || sx.lo == sx.hi) continue;
          const float* in = row + std::size_t(oy) * g.out_w;
          float* out = xc + std::size_t(iy) * g.width + (sx.lo * g.stride + j - g.pad);
          if (g.stride == 1) {
            add_span(in + sx.lo, out, sx.hi - sx.lo);
          } else {
            for (int ox = sx.lo; ox < sx.hi; ++ox) out[(ox - sx.lo) * g.stride] += in[ox];
          }
        }
      }
  }
}

void depthwise_conv2d_f32(const ConvGeometry& g, const float* x, const float* weight, float* y) {
  check_geometry(g);
  for (int c = 0; c < g.channels; ++c) {
    const float* xc = x + std::size_t(c) * g.height * g.width;
    const float* wc = weight + std::size_t(c) * g.kernel_h * g.kernel_w;
    for (int oy = 0; oy < g.out_h; ++oy) {
      float* out = y + (std::size_t(c) * g.out_h + oy) * g.out_w;
      std::fill(out, out + g.out_w, 0.0f);
      for (int i = 0; i < g.kernel_h; ++i) {
        const int iy = oy * g.stride - g.pad + i;
        if (iy < 0 || iy >= g.height) continue;
        for (int j = 0; j < g.kernel_w; ++j) {
          const float w = wc[i * g.kernel_w + j];
          const Span sx = valid_span(g.out_w, g.width, j - g.pad, g.stride);
          if (sx.lo == sx.hi) continue;
          const float* in = xc + std::size_t(iy) * g.width + (sx.lo * g.stride + j - g.pad);
          if (g.stride == 1) {
            axpy_span(w, in, out + sx.lo, sx.hi - sx.lo);
          } else {
            for (int ox = sx.lo; ox < sx.hi; ++ox) out[ox] += w * in[(ox - sx.lo) * g.stride];
          }
        }
      }
    }
  }
}

void depthwise_conv2d_backward_data_f32(const ConvGeometry& g, const float* dy, const float* weight,
                                        float* dx) {
  check_geometry(g);
  std::fill(dx, dx + std::size_t(g.channels) * g.height * g.width, 0.0f);
  for (int c = 0; c < g.channels; ++c) {
    float* dxc = dx + std::size_t(c) * g.height * g.width;
    const float* wc = weight + std::size_t(c) * g.kernel_h * g.kernel_w;
    for (int oy = 0; oy < g.out_h; ++oy) {
      const float* d = dy + (std::size_t(c) * g.out_h + oy) * g.out_w;
      for (int i = 0; i < g.kernel_h; ++i) {
        const int iy = oy * g.stride - g.pad + i;
        if (iy < 0 || iy >= g.height) continue;
        for (int j = 0; j < g.kernel_w; ++j) {
          const float w = wc[i * g.kernel_w + j];
          const Span sx = valid_span(g.out_w, g.width, j - g.pad, g.stride);
          if (sx.lo == sx.hi) continue;
          float* out = dxc + std::size_t(iy) * g.width + (sx.lo * g.stride + j - g.pad);
          if (g.stride == 1) {
            axpy_span(w, d + sx.lo, out, sx.hi - sx.lo);
          } else {
            for (int ox = sx.lo; ox < sx.hi; ++ox) out[(ox - sx.lo) * g.stride] += w * d[ox];
          }
        }
      }
    }
  }
}

void depthwise_conv2d_backward_weight_f32(const ConvGeometry& g, const float* x, const float* dy,
                                          float* dweight) {
  check_geometry(g);
  for (int c = 0; c < g.channels; ++c) {
    const float* xc = x + std::size_t(c) * g.height * g.width;
    const float* dyc = dy + std::size_t(c) * g.out_h * g.out_w;
    for (int i = 0; i < g.kernel_h; ++i)
      for (int j = 0; j < g.kernel_w; ++j) {
        const Span sx = valid_span(g.out_w, g.width, j - g.pad, g.stride);
        if (sx.lo == sx.hi) continue;  // this tap only ever sees padding
        // Row dots in float (≤ out_w terms), rows summed in double: the tap's gradient
        // sums out_h·out_w products.
        double sum = 0.0;
        for (int oy = 0; oy < g.out_h; ++oy) {
          const int iy = oy * g.stride - g.pad + i;
          if (iy < 0 || iy >= g.height) continue;
          const float* d = dyc + std::size_t(oy) * g.out_w;
          const float* in = xc + std::size_t(iy) * g.width + (sx.lo * g.stride + j - g.pad);
          if (g.stride == 1) {
            sum += dot_span(d + sx.lo, in, sx.hi - sx.lo);
          } else {
            float row = 0.0f;
            for (int ox = sx.lo; ox < sx.hi; ++ox) row += d[ox] * in[(ox - sx.lo) * g.stride];
            sum += row;
          }
        }
        dweight[(std::size_t(c) * g.kernel_h + i) * g.kernel_w + j] += float(sum);
      }
  }
}

}  // namespace normlab
