// Pooling kernels. Each output window is clipped to the image once (its row and column
// ranges), so the inner loops carry no bounds checks. Max pooling compares like PyTorch:
// the first maximum in row-major window order wins, and a NaN wins over numbers.
#include "core/kernels/pool.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>

#include "core/kernels/elementwise.hpp"

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

}  // namespace

void max_pool2d_f32(const PoolGeometry& g, int n, const float* x, float* y, int32_t* argmax) {
  check_geometry(g);
  const std::size_t in_plane = std::size_t(g.height) * g.width;
  const std::size_t out_plane = std::size_t(g.out_h) * g.out_w;
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
