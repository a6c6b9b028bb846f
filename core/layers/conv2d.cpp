#include "conv2d.hpp"

#include <algorithm>
#include <cmath>

#include "../error.hpp"
#include "../kernels/elementwise.hpp"
#include "../kernels/gemm.hpp"
#include "../memory_budget.hpp"

namespace normlab {

Conv2d::Conv2d(int in_channels, int out_channels, int kernel, Conv2dOptions o)
    : in_(in_channels), out_(out_channels), k_(kernel), opt_(o) {
  check_arg(in_ > 0, "conv2d: in_channels must be positive, got ", in_);
  check_arg(out_ > 0, "conv2d: out_channels must be positive, got ", out_);
  check_arg(k_ > 0, "conv2d: kernel must be positive, got ", k_);
  check_arg(o.stride > 0, "conv2d: stride must be positive, got ", o.stride);
  check_arg(o.pad >= 0, "conv2d: pad must be non-negative, got ", o.pad);
  check_arg(o.groups > 0, "conv2d: groups must be positive, got ", o.groups);
  check_arg(in_ % o.groups == 0, "conv2d: groups=", o.groups, " must divide in_channels=", in_);
  check_arg(out_ % o.groups == 0, "conv2d: groups=", o.groups, " must divide out_channels=", out_);
  require_parameter_memory(uint64_t(out_) * uint64_t(in_ / o.groups) * uint64_t(k_) * uint64_t(k_) + uint64_t(out_),
                           msg("conv2d ", in_, "→", out_, " with a ", k_, "×", k_, " kernel"));
  std::size_t total = weight_size() + (o.bias ? std::size_t(out_) : 0);
  values_.assign(total, 0.0f);
  grads_.assign(total, 0.0f);
  // Usable as constructed; models re-initialize every layer from their own seed.
  Rng rng(0);
  init(rng);
}

Shape Conv2d::output_shape(const Shape& x) const {
  check_arg(x.n > 0, "conv2d: empty batch, input ", x.str());
  check_arg(x.c == in_, "conv2d: input ", x.str(), " has ", x.c, " channels, expected ", in_);
  check_arg(x.h > 0 && x.w > 0, "conv2d: input ", x.str(), " has an empty plane");
  check_arg(x.h + 2 * opt_.pad >= k_ && x.w + 2 * opt_.pad >= k_, "conv2d: kernel ", k_,
            " is larger than the padded input ", x.h + 2 * opt_.pad, "x", x.w + 2 * opt_.pad,
            " (input ", x.str(), ", pad ", opt_.pad, ")");
  return Shape{x.n, out_, conv_out_size(x.h, k_, opt_.stride, opt_.pad),
               conv_out_size(x.w, k_, opt_.stride, opt_.pad)};
}

ConvGeometry Conv2d::geometry(const Shape& x) const {
  ConvGeometry g;
  g.channels = is_depthwise() ? in_ : in_ / opt_.groups;
  g.height = x.h;
  g.width = x.w;
  g.kernel_h = g.kernel_w = k_;
  g.stride = opt_.stride;
  g.pad = opt_.pad;
  g.out_h = conv_out_size(x.h, k_, opt_.stride, opt_.pad);
  g.out_w = conv_out_size(x.w, k_, opt_.stride, opt_.pad);
  return g;
}

bool Conv2d::is_winograd(const Shape& x) const {
  return opt_.algorithm == ConvAlgorithm::Auto && k_ == 3 && opt_.stride == 1 &&
         opt_.groups == 1 && in_ >= kWinogradMinChannels && out_ >= kWinogradMinChannels &&
         winograd_shape_ok(winograd_shape(x));
}

bool Conv2d::is_one_channel(const Shape& x) const {
  return opt_.algorithm == ConvAlgorithm::Auto && opt_.groups == 1 &&
         one_channel_conv2d_supports(geometry(x));
}

Winograd3x3 Conv2d::winograd_shape(const Shape& x) const {
  Winograd3x3 s;
  s.batch = x.n;
  s.in = in_;
  s.out = out_;
  s.height = x.h;
  s.width = x.w;
  s.pad = opt_.pad;
  return s;
}

const Tensor& Conv2d::forward(const Tensor& x, Mode) {
  x_ = nullptr;  // a forward that throws leaves nothing for backward
  const Shape ys = y_shape_ = output_shape(x.shape());
  Tensor& y = output(y_);
  y.resize(ys);
  const ConvGeometry g = geometry(x.shape());
  const int n = ys.n;
  const float* w = weight();

  if (is_winograd(x.shape())) {
    const Winograd3x3 s = winograd_shape(x.shape());
    filters_.resize(winograd_filter_floats(s));
    work_.resize(winograd_forward_workspace_floats(s));
    winograd_filter_transform_f32(s, w, filters_.data(), work_.data());
    winograd_conv3x3_f32(s, x.data(), filters_.data(), bias(), y.data(), work_.data());
    x_ = &x;
    return y;
  }
  if (is_one_channel(x.shape())) {
    for (int i = 0; i < n; ++i)
      one_channel_conv2d_f32(g, out_, x.data() + i * x.shape().sample_size(), w,
                             y.data() + i * ys.sample_size());
  } else if (is_depthwise()) {
    for (int i = 0; i < n; ++i)
      depthwise_conv2d_f32(g, x.data() + i * x.shape().sample_size(), w,
                           y.data() + i * ys.sample_size());
  } else {
    // Per group: y_g (cout_g × ohw) = W_g (cout_g × rows) · cols (rows × ohw).
    const int cout_g = out_ / opt_.groups;
    const int rows = g.rows(), ncols = g.cols();
    const std::size_t x_group = std::size_t(g.channels) * x.shape().plane();
    const std::size_t y_group = std::size_t(cout_g) * ncols;
    if (!is_pointwise()) cols_.resize(std::size_t(rows) * ncols);
    for (int i = 0; i < n; ++i) {
      for (int grp = 0; grp < opt_.groups; ++grp) {
        const float* xg = x.data() + i * x.shape().sample_size() + grp * x_group;
        const float* cols = xg;  // a 1×1 stride-1 conv's column matrix is x itself
        if (!is_pointwise()) {
          im2col_f32(g, xg, cols_.data());
          cols = cols_.data();
        }
        gemm_f32(Trans::No, Trans::No, cout_g, ncols, rows, 1.0f,
                 w + std::size_t(grp) * cout_g * rows, rows, cols, ncols, 0.0f,
                 y.data() + i * ys.sample_size() + grp * y_group, ncols);
      }
    }
  }
  if (opt_.bias) add_channel_bias_f32(y.data(), bias(), n, out_, ys.plane());
  x_ = &x;
  return y;
}

const Tensor& Conv2d::backward(const Tensor& dy) { return *backward_pass(dy, true); }
void Conv2d::backward_params(const Tensor& dy) { backward_pass(dy, false); }

Tensor* Conv2d::backward_pass(const Tensor& dy, bool want_dx) {
  check_arg(x_ != nullptr, "conv2d: backward called before forward");
  check_arg(dy.shape() == y_shape_, "conv2d: dy has shape ", dy.shape().str(), ", expected ",
            y_shape_.str(), " (the output of the last forward)");
  const Tensor& x = *x_;
  const Shape& xs = x.shape();
  const Shape& ys = y_shape_;
  const int n = xs.n;
  const float* w = weight();
  float* dw = grads_.data();
  Tensor* dx = want_dx ? &input_grad(dx_) : nullptr;
  if (dx) dx->resize(xs);

  if (opt_.bias) channel_sum_f32(dy.data(), n, out_, ys.plane(), dw + weight_size());

  if (is_one_channel(xs)) {
    const ConvGeometry g = geometry(xs);
    for (int i = 0; i < n; ++i)
      one_channel_conv2d_backward_weight_f32(g, out_, x.data() + i * xs.sample_size(),
                                             dy.data() + i * ys.sample_size(), dw);
    if (dx) backward_lowered(dy, dx, false);
    return dx;
  }
  if (is_depthwise()) {
    const ConvGeometry g = geometry(xs);
    for (int i = 0; i < n; ++i) {
      const float* dyi = dy.data() + i * ys.sample_size();
      depthwise_conv2d_backward_weight_f32(g, x.data() + i * xs.sample_size(), dyi, dw);
      if (dx) depthwise_conv2d_backward_data_f32(g, dyi, w, dx->data() + i * xs.sample_size());
    }
    return dx;
  }

  if (!is_winograd(xs)) {
    backward_lowered(dy, dx, true);
    return dx;
  }
  const Winograd3x3 s = winograd_shape(xs), t = winograd_input_grad_shape(s);
  work_.resize(std::max(winograd_backward_weight_workspace_floats(s),
                        winograd_forward_workspace_floats(t)));
  winograd_conv3x3_backward_weight_f32(s, x.data(), dy.data(), dw, work_.data());
  if (!dx) return nullptr;
  // dx is the 3×3 convolution of dy with the filters flipped and transposed.
  filters_.resize(winograd_filter_floats(t));
  winograd_filter_transform_flipped_f32(s, w, filters_.data(), work_.data());
  winograd_conv3x3_f32(t, dy.data(), filters_.data(), nullptr, dx->data(), work_.data());
  return dx;
}

void Conv2d::backward_lowered(const Tensor& dy, Tensor* dx, bool want_dw) {
  const Tensor& x = *x_;
  const Shape& xs = x.shape();
  const Shape& ys = y_shape_;
  const ConvGeometry g = geometry(xs);
  const float* w = weight();
  float* dw = grads_.data();
  const int cout_g = out_ / opt_.groups;
  const int rows = g.rows(), ncols = g.cols();
  const std::size_t x_group = std::size_t(g.channels) * xs.plane();
  const std::size_t y_group = std::size_t(cout_g) * ncols;
  if (!is_pointwise()) {
    if (want_dw) cols_.resize(std::size_t(rows) * ncols);
    if (dx) dcols_.resize(std::size_t(rows) * ncols);
  }
  for (int i = 0; i < xs.n; ++i) {
    for (int grp = 0; grp < opt_.groups; ++grp) {
      const float* xg = x.data() + i * xs.sample_size() + grp * x_group;
      const float* dyg = dy.data() + i * ys.sample_size() + grp * y_group;
      float* dxg = dx ? dx->data() + i * xs.sample_size() + grp * x_group : nullptr;
      const float* wg = w + std::size_t(grp) * cout_g * rows;
      float* dwg = dw + std::size_t(grp) * cout_g * rows;
      if (want_dw) {
        // Recomputing the columns costs less than caching them for the whole batch.
        const float* cols = xg;
        if (!is_pointwise()) {
          im2col_f32(g, xg, cols_.data());
          cols = cols_.data();
        }
        // dW_g += dY_g · colsᵀ
        gemm_f32(Trans::No, Trans::Yes, cout_g, rows, ncols, 1.0f, dyg, ncols, cols, ncols,
                 1.0f, dwg, rows);
      }
      if (!dx) continue;
      // dcols = W_gᵀ · dY_g; for a pointwise conv dcols is dx itself.
      float* dcols = is_pointwise() ? dxg : dcols_.data();
      gemm_f32(Trans::Yes, Trans::No, rows, ncols, cout_g, 1.0f, wg, rows, dyg, ncols, 0.0f,
               dcols, ncols);
      if (!is_pointwise()) {
        std::fill(dxg, dxg + x_group, 0.0f);
        col2im_f32(g, dcols, dxg);
      }
    }
  }
}

std::vector<Param> Conv2d::params() {
  std::vector<Param> ps;
  ps.push_back(Param{"weight", values_.data(), grads_.data(), weight_size(),
                     {out_, in_ / opt_.groups, k_, k_}, true});
  if (opt_.bias)
    ps.push_back(Param{"bias", values_.data() + weight_size(), grads_.data() + weight_size(),
                       std::size_t(out_), {out_}, false});
  return ps;
}

void Conv2d::init(Rng& rng) {
  // kaiming_uniform(a=√5) on the weight and PyTorch's bias rule both give ±1/√fan_in.
  const float bound = 1.0f / std::sqrt(float((in_ / opt_.groups) * k_ * k_));
  for (float& v : values_) v = rng.uniform(-bound, bound);
}

double Conv2d::forward_flops(const Shape& x) const {
  const int oh = conv_out_size(x.h, k_, opt_.stride, opt_.pad);
  const int ow = conv_out_size(x.w, k_, opt_.stride, opt_.pad);
  if (oh <= 0 || ow <= 0) return 0.0;
  return 2.0 * out_ * (in_ / opt_.groups) * k_ * k_ * double(oh) * ow;
}

}  // namespace normlab
