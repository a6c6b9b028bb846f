#pragma once
// 3×3 stride-1 convolution by Winograd's minimal filtering F(2×2, 3×3) (Lavin & Gray, 2016).
// Each 2×2 block of outputs (a "tile") costs 16 multiplies per (in, out) channel pair instead
// of 36, and the multiplies become 16 GEMMs over the channels, one per point ξ of the 4×4
// transformed tile:
//   U_ξ[o][i] = (G·w[o][i]·Gᵀ)_ξ        filters, once per call
//   V_ξ[i][t] = (Bᵀ·d_t[i]·B)_ξ         the 4×4 input patch d of tile t
//   M_ξ = U_ξ·V_ξ,   y_t[o] = Aᵀ·M[o][t]·A
// The weight gradient is the chain rule through the same algorithm, exact in exact
// arithmetic: dU_ξ = Σ_t (A·dy_t·Aᵀ)_ξ·V_ξ[i][t] (a GEMM whose depth is the batch's tiles),
// dw = Gᵀ·dU·G. The input gradient is a 3×3 stride-1 convolution of dy itself, with the
// filters flipped and transposed and padding 2 − pad (winograd_input_grad_shape).
// Tiles of the whole batch are processed in blocks sized to keep a block's transformed data
// in L2. Workspaces belong to the caller; nothing here allocates beyond gemm_f32's reused
// packing buffers. Preconditions are asserted.
#include <cstddef>

namespace normlab {

struct Winograd3x3 {
  int batch = 0, in = 0, out = 0;      // samples, input and output channels
  int height = 0, width = 0, pad = 1;  // input plane; zero padding on every side, 0…2
  int out_h() const { return height + 2 * pad - 2; }
  int out_w() const { return width + 2 * pad - 2; }
  int tiles_h() const { return (out_h() + 1) / 2; }
  int tiles_w() const { return (out_w() + 1) / 2; }
};

// True when the shape is valid for these kernels: every size positive, pad in 0…2.
bool winograd_shape_ok(const Winograd3x3& s);

// Floats of the transformed filters and of the workspaces of the calls below; the filter
// transforms use the forward workspace of their shape.
std::size_t winograd_filter_floats(const Winograd3x3& s);
std::size_t winograd_forward_workspace_floats(const Winograd3x3& s);
std::size_t winograd_backward_weight_workspace_floats(const Winograd3x3& s);

// u: the 16 U_ξ[o][i] from w: (out, in, 3, 3), each packed for the GEMM (gemm_pack_a_f32).
void winograd_filter_transform_f32(const Winograd3x3& s, const float* w, float* u,
                                   float* workspace);

// The shape and filters that make winograd_conv3x3_f32 compute the input gradient:
// channels swapped, dy's plane as input, padding 2 − pad; u: U_ξ[i][o] from w[o][i] flipped
// in both axes, packed. Its workspace: the forward workspace of winograd_input_grad_shape(s).
Winograd3x3 winograd_input_grad_shape(const Winograd3x3& s);
void winograd_filter_transform_flipped_f32(const Winograd3x3& s, const float* w, float* u,
                                           float* workspace);

// y: (batch, out, out_h, out_w) = x: (batch, in, height, width) convolved with the filters
// of u, plus bias[o] when bias is not null. ASSIGNS y.
void winograd_conv3x3_f32(const Winograd3x3& s, const float* x, const float* u,
                          const float* bias, float* y, float* workspace);

// dw: (out, in, 3, 3) += the weight gradient of the batch for output gradient
// dy: (batch, out, out_h, out_w). ACCUMULATES.
void winograd_conv3x3_backward_weight_f32(const Winograd3x3& s, const float* x, const float* dy,
                                          float* dw, float* workspace);

}  // namespace normlab
