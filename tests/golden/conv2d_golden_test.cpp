// Conv2d against PyTorch's F.conv2d (fixtures conv2d_*.txt from make_golden.py): forward,
// dx, dweight, dbias for stride 1/2, padding 0/1, kernels 1/3/5, groups 1, 2 and depthwise.
#include <catch2/catch.hpp>

#include "core/layers/conv2d.hpp"
#include "golden/golden.hpp"

namespace normlab {
namespace {

// Each output is a sum of up to in/groups·k·k = 75 float32 products of O(1) terms, each
// rounded to ≈6e-8 relative, so errors reach a few 1e-7 of the sum of |terms|; outputs
// that cancel to near 0 need the absolute floor 1e-5 (≈ 1e-5 of the O(1) outputs).
constexpr double kRtol = 1e-5;
constexpr double kAtol = 1e-5;

void check_conv_case(const std::string& name) {
  golden::Fixture fx(name);
  Conv2dOptions o;
  o.stride = fx.integer("stride");
  o.pad = fx.integer("pad");
  o.groups = fx.integer("groups");
  o.bias = fx.integer("bias") != 0;
  Conv2d conv(fx.integer("in"), fx.integer("out"), fx.integer("kernel"), o);
  golden::load_param(conv.params(), "weight", fx, "weight");
  if (o.bias) golden::load_param(conv.params(), "bias", fx, "bias_value");

  const Tensor x = fx.to_tensor("x");
  GOLDEN_CHECK_TENSOR(fx, "y", conv.forward(x, Mode::Train), kAtol, kRtol);
  conv.zero_grad();
  const Tensor dy = fx.to_tensor("dy");
  GOLDEN_CHECK_TENSOR(fx, "dx", conv.backward(dy), kAtol, kRtol);
  // dweight sums over N·oh·ow products (up to 98 here): same error budget as the forward.
  const Param w = golden::find_param(conv.params(), "weight");
  GOLDEN_CHECK(fx, "dweight", w.grad, w.size, kAtol, kRtol);
  if (o.bias) {
    const Param b = golden::find_param(conv.params(), "bias");
    GOLDEN_CHECK(fx, "dbias", b.grad, b.size, kAtol, kRtol);
  }
}

TEST_CASE("conv2d matches PyTorch forward and backward", "[golden][conv2d]") {
  const std::string name = GENERATE(as<std::string>{},  //
                                    "conv2d_k3_s1_p1", "conv2d_k3_s2_p1", "conv2d_k3_s2_p0_odd",
                                    "conv2d_k5_s1_p0", "conv2d_k5_s2_p1", "conv2d_k1_s1_p0",
                                    "conv2d_k1_s2_p0", "conv2d_k3_s1_p1_nobias");
  check_conv_case(name);
}

TEST_CASE("grouped conv2d matches PyTorch forward and backward", "[golden][conv2d]") {
  const std::string name =
      GENERATE(as<std::string>{}, "conv2d_k3_s1_p1_g2", "conv2d_k3_s2_p1_g2");
  check_conv_case(name);
}

TEST_CASE("depthwise conv2d matches PyTorch forward and backward", "[golden][conv2d]") {
  const std::string name =
      GENERATE(as<std::string>{}, "conv2d_depthwise_k3_s1_p1", "conv2d_depthwise_k3_s2_p1",
               "conv2d_depthwise_k5_s1_p0");
  check_conv_case(name);
}

}  // namespace
}  // namespace normlab
