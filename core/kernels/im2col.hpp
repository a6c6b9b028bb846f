#pragma once
// Convolution lowering for ONE sample and ONE group. The geometry describes that group:
// `channels` input channels of height×width, zero padding `pad` on every side.
// cols is (channels·kernel_h·kernel_w) × (out_h·out_w), row-major, row index
// (c·kernel_h + i)·kernel_w + j — the layout of a PyTorch weight (out, in/groups, kh, kw).
namespace normlab {

struct ConvGeometry {
  int channels = 0, height = 0, width = 0;
  int kernel_h = 1, kernel_w = 1;
  int stride = 1, pad = 0;
  int out_h = 0, out_w = 0;
  int rows() const { return channels * kernel_h * kernel_w; }
  int cols() const { return out_h * out_w; }
};

// out = (in + 2·pad − kernel) / stride + 1
inline int conv_out_size(int in, int kernel, int stride, int pad) {
  return (in + 2 * pad - kernel) / stride + 1;
}

void im2col_f32(const ConvGeometry& g, const float* x, float* cols);
// x += col2im(cols): ACCUMULATES into x (channels×height×width); the caller zeroes it.
void col2im_f32(const ConvGeometry& g, const float* cols, float* x);

// Depthwise convolution (groups == channels, one filter per channel), direct, no lowering.
// x: (C,H,W) of one sample; weight: (C,kh,kw); y: (C,out_h,out_w). `g.channels` = C.
void depthwise_conv2d_f32(const ConvGeometry& g, const float* x, const float* weight, float* y);
// dx = conv_transpose(dy): ASSIGNS dx (C,H,W).
void depthwise_conv2d_backward_data_f32(const ConvGeometry& g, const float* dy,
                                        const float* weight, float* dx);
// dweight += correlation of x and dy: ACCUMULATES into dweight (C,kh,kw).
void depthwise_conv2d_backward_weight_f32(const ConvGeometry& g, const float* x,
                                          const float* dy, float* dweight);

}  // namespace normlab
