// GroupNorm against PyTorch in float64 (fixtures group_norm_*.txt, instance_norm2d.txt from
// make_golden.py): GroupNorm(2,6), GroupNorm(1,6), GroupNorm(3,6) without affine, and
// GroupNorm(6,6) = InstanceNorm, the latter also against nn.InstanceNorm2d(6, affine=True);
// forward, dx, dgamma, dbeta.
#include <catch2/catch.hpp>

#include "core/layers/group_norm.hpp"
#include "golden/golden.hpp"

namespace normlab {
namespace {

// Statistics over (C/G)·H·W = 16..96 values; float32 rounding of x̂ and the backward
// reductions gives a few 1e-7 of the O(1) outputs; floor 1e-6 for dx's cancelled entries.
constexpr double kRtol = 1e-5;
constexpr double kAtol = 1e-6;

void check_group_norm(const std::string& name) {
  golden::Fixture fx(name);
  const bool affine = fx.integer("affine") != 0;
  const Tensor x = fx.to_tensor("x");
  GroupNorm norm(fx.integer("groups"), x.shape().c, float(fx.scalar("eps")), affine);
  if (affine) {
    golden::load_param(norm.params(), "gamma", fx, "gamma");
    golden::load_param(norm.params(), "beta", fx, "beta");
  } else {
    REQUIRE(norm.params().empty());
  }
  GOLDEN_CHECK_TENSOR(fx, "y", norm.forward(x, Mode::Train), kAtol, kRtol);
  norm.zero_grad();
  GOLDEN_CHECK_TENSOR(fx, "dx", norm.backward(fx.to_tensor("dy")), kAtol, kRtol);
  if (affine) {
    const Param g = golden::find_param(norm.params(), "gamma");
    const Param b = golden::find_param(norm.params(), "beta");
    GOLDEN_CHECK(fx, "dgamma", g.grad, g.size, kAtol, kRtol);
    GOLDEN_CHECK(fx, "dbeta", b.grad, b.size, kAtol, kRtol);
  }
}

TEST_CASE("group_norm matches PyTorch GroupNorm with 1, 2 and 3 groups",
          "[golden][group_norm]") {
  const std::string name = GENERATE(as<std::string>{}, "group_norm_g2", "group_norm_g1",
                                    "group_norm_g3_noaffine");
  check_group_norm(name);
}

TEST_CASE("group_norm with one group per channel matches PyTorch InstanceNorm2d",
          "[golden][group_norm]") {
  const std::string name = GENERATE(as<std::string>{}, "group_norm_instance", "instance_norm2d");
  check_group_norm(name);
}

}  // namespace
}  // namespace normlab
