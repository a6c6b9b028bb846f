// Placeholder pooling kernels (plain loops).
#include "core/kernels/pool.hpp"

#include <limits>

namespace normlab {

void max_pool2d_f32(const PoolGeometry& g, int n, const float* x, float* y, int32_t* argmax) {
  const std::size_t in_plane = std::size_t(g.height) * g.width;
  const std::size_t out_plane = std::size_t(g.out_h) * g.out_w;
  for (int s = 0; s < n; ++s)
    for (int c = 0; c < g.channels; ++c) {
      const float* xp = x + (std::size_t(s) * g.channels + c) * in_plane;
      float* yp = y + (std::size_t(s) * g.channels + c) * out_plane;
      int32_t* ap = argmax + (std::size_t(s) * g.channels + c) * out_plane;
      for (int oy = 0; oy < g.out_h; ++oy)
        for (int ox = 0; ox < g.out_w; ++ox) {
          float best = -std::numeric_limits<float>::infinity();
          int32_t arg = -1;
          for (int i = 0; i < g.kernel; ++i)
            for (int j = 0; j < g.kernel; ++j) {
              int iy = oy * g.stride - g.pad + i, ix = ox * g.stride - g.pad + j;
              if (iy < 0 || iy >= g.height || ix < 0 || ix >= g.width) continue;
              float v = xp[iy * g.width + ix];
              if (arg < 0 || v > best || v != v) {
                best = v;
                arg = int32_t(std::size_t(c) * in_plane + iy * g.width + ix);
              }
            }
          yp[oy * g.out_w + ox] = best;
          ap[oy * g.out_w + ox] = arg;
        }
    }
}

void max_pool2d_backward_f32(const PoolGeometry& g, int n, const float* dy,
                             const int32_t* argmax, float* dx) {
  const std::size_t in_sample = std::size_t(g.channels) * g.height * g.width;
  const std::size_t out_sample = std::size_t(g.channels) * g.out_h * g.out_w;
  for (std::size_t i = 0; i < in_sample * n; ++i) dx[i] = 0.0f;
  for (int s = 0; s < n; ++s)
    for (std::size_t o = 0; o < out_sample; ++o)
      dx[s * in_sample + argmax[s * out_sample + o]] += dy[s * out_sample + o];
}

void avg_pool2d_f32(const PoolGeometry& g, int n, const float* x, float* y) {
  const std::size_t in_plane = std::size_t(g.height) * g.width;
  const std::size_t out_plane = std::size_t(g.out_h) * g.out_w;
  const float inv = 1.0f / float(g.kernel * g.kernel);
  for (std::size_t p = 0; p < std::size_t(n) * g.channels; ++p)
    for (int oy = 0; oy < g.out_h; ++oy)
      for (int ox = 0; ox < g.out_w; ++ox) {
        float s = 0.0f;
        for (int i = 0; i < g.kernel; ++i)
          for (int j = 0; j < g.kernel; ++j) {
            int iy = oy * g.stride - g.pad + i, ix = ox * g.stride - g.pad + j;
            if (iy >= 0 && iy < g.height && ix >= 0 && ix < g.width)
              s += x[p * in_plane + iy * g.width + ix];
          }
        y[p * out_plane + oy * g.out_w + ox] = s * inv;
      }
}

void avg_pool2d_backward_f32(const PoolGeometry& g, int n, const float* dy, float* dx) {
  const std::size_t in_plane = std::size_t(g.height) * g.width;
  const std::size_t out_plane = std::size_t(g.out_h) * g.out_w;
  const float inv = 1.0f / float(g.kernel * g.kernel);
  for (std::size_t i = 0; i < in_plane * n * g.channels; ++i) dx[i] = 0.0f;
  for (std::size_t p = 0; p < std::size_t(n) * g.channels; ++p)
    for (int oy = 0; oy < g.out_h; ++oy)
      for (int ox = 0; ox < g.out_w; ++ox) {
        float d = dy[p * out_plane + oy * g.out_w + ox] * inv;
        for (int i = 0; i < g.kernel; ++i)
          for (int j = 0; j < g.kernel; ++j) {
            int iy = oy * g.stride - g.pad + i, ix = ox * g.stride - g.pad + j;
            if (iy >= 0 && iy < g.height && ix >= 0 && ix < g.width)
              dx[p * in_plane + iy * g.width + ix] += d;
          }
      }
}

void global_avg_pool_f32(int n, int c, std::size_t plane, const float* x, float* y) {
  for (std::size_t p = 0; p < std::size_t(n) * c; ++p) {
    double s = 0.0;
    for (std::size_t i = 0; i < plane; ++i) s += x[p * plane + i];
    y[p] = float(s / double(plane));
  }
}

void global_avg_pool_backward_f32(int n, int c, std::size_t plane, const float* dy, float* dx) {
  for (std::size_t p = 0; p < std::size_t(n) * c; ++p) {
    float d = dy[p] / float(plane);
    for (std::size_t i = 0; i < plane; ++i) dx[p * plane + i] = d;
  }
}

}  // namespace normlab
