#pragma once
// Pooling over (N,C,H,W) batches. Windows never read padding for max pooling; average
// pooling counts padded zeros (PyTorch's count_include_pad=True default).
#include <cstddef>
#include <cstdint>

namespace normlab {

struct PoolGeometry {
  int channels = 0, height = 0, width = 0;
  int kernel = 2, stride = 2, pad = 0;
  int out_h = 0, out_w = 0;
};

// argmax[i] = index within the sample's (C,H,W) input of the maximum for output i.
void max_pool2d_f32(const PoolGeometry& g, int n, const float* x, float* y, int32_t* argmax);
// ASSIGNS dx (zeroes it, then scatters dy through argmax).
void max_pool2d_backward_f32(const PoolGeometry& g, int n, const float* dy,
                             const int32_t* argmax, float* dx);
void avg_pool2d_f32(const PoolGeometry& g, int n, const float* x, float* y);
void avg_pool2d_backward_f32(const PoolGeometry& g, int n, const float* dy, float* dx);

// y[n,c] = mean over the plane of x[n,c,:]; backward spreads dy/plane (ASSIGNS dx).
void global_avg_pool_f32(int n, int c, std::size_t plane, const float* x, float* y);
void global_avg_pool_backward_f32(int n, int c, std::size_t plane, const float* dy, float* dx);

}  // namespace normlab
