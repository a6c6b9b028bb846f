// Dense against PyTorch's F.linear (fixtures dense_*.txt from make_golden.py): forward, dx,
// dweight, dbias; x and y are (N, C, 1, 1) as the engine stores a dense activation.
#include <catch2/catch.hpp>

#include "core/layers/dense.hpp"
#include "golden/golden.hpp"

namespace normlab {
namespace {

// Outputs are dot products of up to 20 float32 products of O(1) terms (≈6e-8 relative
// each); the absolute floor 1e-6 covers outputs that cancel to near 0.
constexpr double kRtol = 1e-5;
constexpr double kAtol = 1e-6;

TEST_CASE("dense matches PyTorch linear forward and backward", "[golden][dense]") {
  const std::string name = GENERATE(as<std::string>{}, "dense_7_to_3", "dense_20_to_10");
  golden::Fixture fx(name);
  Dense dense(fx.integer("in"), fx.integer("out"));
  golden::load_param(dense.params(), "weight", fx, "weight");
  golden::load_param(dense.params(), "bias", fx, "bias_value");

  const Tensor x = fx.to_tensor("x");
  GOLDEN_CHECK_TENSOR(fx, "y", dense.forward(x, Mode::Train), kAtol, kRtol);
  dense.zero_grad();
  GOLDEN_CHECK_TENSOR(fx, "dx", dense.backward(fx.to_tensor("dy")), kAtol, kRtol);
  const Param w = golden::find_param(dense.params(), "weight");
  const Param b = golden::find_param(dense.params(), "bias");
  GOLDEN_CHECK(fx, "dweight", w.grad, w.size, kAtol, kRtol);
  GOLDEN_CHECK(fx, "dbias", b.grad, b.size, kAtol, kRtol);
}

}  // namespace
}  // namespace normlab
