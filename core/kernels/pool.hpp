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

// The argmax of output (oy, ox) is where its maximum lies in its window, ky·kernel + kx
// counted from the window's unclipped corner (oy·stride − pad, ox·stride − pad), stored in
// max_pool2d_argmax_bytes(kernel) bytes per output, least significant first: one byte for
// kernel ≤ 16, every preset's case. A window wholly in the padding (pad ≥ kernel) stores 0,
// a place outside the image, which backward skips.
inline int max_pool2d_argmax_bytes(int kernel) { return kernel <= 16 ? 1 : kernel <= 256 ? 2 : 4; }
void max_pool2d_f32(const PoolGeometry& g, int n, const float* x, float* y, uint8_t* argmax);
// ASSIGNS dx (zeroes it, then adds each dy to the pixel its argmax names).
void max_pool2d_backward_f32(const PoolGeometry& g, int n, const float* dy,
                             const uint8_t* argmax, float* dx);
void avg_pool2d_f32(const PoolGeometry& g, int n, const float* x, float* y);
void avg_pool2d_backward_f32(const PoolGeometry& g, int n, const float* dy, float* dx);

// y[n,c] = mean over the plane of x[n,c,:]; backward spreads dy/plane (ASSIGNS dx).
void global_avg_pool_f32(int n, int c, std::size_t plane, const float* x, float* y);
void global_avg_pool_backward_f32(int n, int c, std::size_t plane, const float* dy, float* dx);

}  // namespace normlab
