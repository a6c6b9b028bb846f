// Placeholder convolution lowering (plain loops).
#include "core/kernels/im2col.hpp"

#include <cstddef>

namespace normlab {

void im2col_f32(const ConvGeometry& g, const float* x, float* cols) {
  const int P = g.out_h * g.out_w;
  for (int c = 0; c < g.channels; ++c)
    for (int i = 0; i < g.kernel_h; ++i)
      for (int j = 0; j < g.kernel_w; ++j) {
        float* row = cols + std::size_t((c * g.kernel_h + i) * g.kernel_w + j) * P;
        for (int oy = 0; oy < g.out_h; ++oy)
          for (int ox = 0; ox < g.out_w; ++ox) {
            int iy = oy * g.stride - g.pad + i, ix = ox * g.stride - g.pad + j;
            bool in = iy >= 0 && iy < g.height && ix >= 0 && ix < g.width;
            row[oy * g.out_w + ox] = in ? x[(std::size_t(c) * g.height + iy) * g.width + ix] : 0.0f;
          }
      }
}

void col2im_f32(const ConvGeometry& g, const float* cols, float* x) {
  const int P = g.out_h * g.out_w;
  for (int c = 0; c < g.channels; ++c)
    for (int i = 0; i < g.kernel_h; ++i)
      for (int j = 0; j < g.kernel_w; ++j) {
        const float* row = cols + std::size_t((c * g.kernel_h + i) * g.kernel_w + j) * P;
        for (int oy = 0; oy < g.out_h; ++oy)
          for (int ox = 0; ox < g.out_w; ++ox) {
            int iy = oy * g.stride - g.pad + i, ix = ox * g.stride - g.pad + j;
            if (iy >= 0 && iy < g.height && ix >= 0 && ix < g.width)
              x[(std::size_t(c) * g.height + iy) * g.width + ix] += row[oy * g.out_w + ox];
          }
      }
}

void depthwise_conv2d_f32(const ConvGeometry& g, const float* x, const float* weight, float* y) {
  for (int c = 0; c < g.channels; ++c)
    for (int oy = 0; oy < g.out_h; ++oy)
      for (int ox = 0; ox < g.out_w; ++ox) {
        float s = 0.0f;
        for (int i = 0; i < g.kernel_h; ++i)
          for (int j = 0; j < g.kernel_w; ++j) {
            int iy = oy * g.stride - g.pad + i, ix = ox * g.stride - g.pad + j;
            if (iy >= 0 && iy < g.height && ix >= 0 && ix < g.width)
              s += x[(std::size_t(c) * g.height + iy) * g.width + ix] *
                   weight[(c * g.kernel_h + i) * g.kernel_w + j];
          }
        y[(std::size_t(c) * g.out_h + oy) * g.out_w + ox] = s;
      }
}

void depthwise_conv2d_backward_data_f32(const ConvGeometry& g, const float* dy,
                                        const float* weight, float* dx) {
  for (std::size_t i = 0; i < std::size_t(g.channels) * g.height * g.width; ++i) dx[i] = 0.0f;
  for (int c = 0; c < g.channels; ++c)
    for (int oy = 0; oy < g.out_h; ++oy)
      for (int ox = 0; ox < g.out_w; ++ox) {
        float d = dy[(std::size_t(c) * g.out_h + oy) * g.out_w + ox];
        for (int i = 0; i < g.kernel_h; ++i)
          for (int j = 0; j < g.kernel_w; ++j) {
            int iy = oy * g.stride - g.pad + i, ix = ox * g.stride - g.pad + j;
            if (iy >= 0 && iy < g.height && ix >= 0 && ix < g.width)
              dx[(std::size_t(c) * g.height + iy) * g.width + ix] +=
                  d * weight[(c * g.kernel_h + i) * g.kernel_w + j];
          }
      }
}

void depthwise_conv2d_backward_weight_f32(const ConvGeometry& g, const float* x,
                                          const float* dy, float* dweight) {
  for (int c = 0; c < g.channels; ++c)
    for (int oy = 0; oy < g.out_h; ++oy)
      for (int ox = 0; ox < g.out_w; ++ox) {
        float d = dy[(std::size_t(c) * g.out_h + oy) * g.out_w + ox];
        for (int i = 0; i < g.kernel_h; ++i)
          for (int j = 0; j < g.kernel_w; ++j) {
            int iy = oy * g.stride - g.pad + i, ix = ox * g.stride - g.pad + j;
            if (iy >= 0 && iy < g.height && ix >= 0 && ix < g.width)
              dweight[(c * g.kernel_h + i) * g.kernel_w + j] +=
                  d * x[(std::size_t(c) * g.height + iy) * g.width + ix];
          }
      }
}

}  // namespace normlab
