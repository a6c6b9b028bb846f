// Pooling against PyTorch (fixtures *_pool2d_*.txt, global_avg_pool.txt from make_golden.py):
// MaxPool2d(2), AvgPool2d(2), AvgPool2d(3, stride 2, pad 1) and the mean over H,W; fwd + bwd.
#include <catch2/catch.hpp>

#include "core/layers/pool.hpp"
#include "golden/golden.hpp"

namespace normlab {
namespace {

// A max picks one input exactly and an average sums ≤ 9 O(1) values (≈6e-8 relative per
// add); the absolute floor 1e-6 covers averages that cancel to near 0.
constexpr double kRtol = 1e-5;
constexpr double kAtol = 1e-6;

void check_pool(Layer& pool, const golden::Fixture& fx) {
  const Tensor x = fx.to_tensor("x");
  GOLDEN_CHECK_TENSOR(fx, "y", pool.forward(x, Mode::Train), kAtol, kRtol);
  GOLDEN_CHECK_TENSOR(fx, "dx", pool.backward(fx.to_tensor("dy")), kAtol, kRtol);
}

TEST_CASE("max_pool2d matches PyTorch forward and backward", "[golden][pool]") {
  const std::string name = GENERATE(as<std::string>{}, "max_pool2d_k2", "max_pool2d_k2_odd");
  golden::Fixture fx(name);
  MaxPool2d pool(fx.integer("kernel"), fx.integer("stride"), fx.integer("pad"));
  check_pool(pool, fx);
}

TEST_CASE("avg_pool2d matches PyTorch forward and backward, padded zeros counted",
          "[golden][pool]") {
  const std::string name = GENERATE(as<std::string>{}, "avg_pool2d_k2", "avg_pool2d_k2_odd",
                                    "avg_pool2d_k3_s2_p1", "avg_pool2d_k3_s2_p1_even");
  golden::Fixture fx(name);
  AvgPool2d pool(fx.integer("kernel"), fx.integer("stride"), fx.integer("pad"));
  check_pool(pool, fx);
}

TEST_CASE("global_avg_pool2d matches the PyTorch mean over H and W", "[golden][pool]") {
  golden::Fixture fx("global_avg_pool");
  GlobalAvgPool2d pool;
  check_pool(pool, fx);
}

}  // namespace
}  // namespace normlab
