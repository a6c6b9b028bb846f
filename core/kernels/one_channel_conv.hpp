#pragma once
// Stride-1 convolution of ONE input channel into `out` channels, direct: a network's first
// layer on grayscale images. Lowered to im2col + GEMM, its GEMMs are only kh·kw deep (9)
// and spend about as long packing as multiplying. Here a tile of output vectors (a few
// channels × a few vectors of one row) is accumulated in registers, straight from a
// zero-padded copy of the plane. Shapes are of ONE sample; any kernel size and padding,
// any channel count; rows at least two vectors wide (one_channel_conv2d_supports).
#include <cstddef>

#include "im2col.hpp"

namespace normlab {

// One input channel, stride 1, output rows at least two SIMD vectors wide (8 floats in the
// wasm SIMD128 build, 16 with AVX, 2 in the scalar build).
bool one_channel_conv2d_supports(const ConvGeometry& g);
// y (out, out_h, out_w) = x (1, height, width) correlated with weight (out, kh, kw):
// ASSIGNS y.
void one_channel_conv2d_f32(const ConvGeometry& g, int out, const float* x, const float* weight,
                            float* y);
// dweight (out, kh, kw) += correlation of x with dy (out, out_h, out_w): ACCUMULATES.
void one_channel_conv2d_backward_weight_f32(const ConvGeometry& g, int out, const float* x,
                                            const float* dy, float* dweight);

// Floats of the kernels' own reused per-thread buffers (the padded plane and the splatted
// weights), for memory estimates.
std::size_t one_channel_conv2d_workspace_floats(const ConvGeometry& g, int out);

}  // namespace normlab
