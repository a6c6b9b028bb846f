#include "core/layers/flatten.hpp"

#include <catch2/catch.hpp>

#include "core/error.hpp"
#include "support/check.hpp"
#include "support/gradcheck.hpp"

namespace normlab {
namespace {

TEST_CASE("flatten turns (N,C,H,W) into (N,C·H·W,1,1) keeping NCHW order", "[layers][flatten]") {
  Flatten flatten;
  CHECK(flatten.kind() == "flatten");
  const Tensor x = test::random_tensor(Shape{3, 4, 5, 2}, 1);
  const Tensor& y = flatten.forward(x, Mode::Train);
  REQUIRE(y.shape() == Shape{3, 40, 1, 1});
  CHECK(y.at(2, 1 * 10 + 3 * 2 + 1, 0, 0) == x.at(2, 1, 3, 1));
  REQUIRE_CLOSE(y.data(), x.data(), x.size(), 0.0, 0.0);  // a copy, value for value
  CHECK(y.data() != x.data());                            // owned by the layer
  const Tensor dy = test::random_tensor(y.shape(), 2);
  const Tensor& dx = flatten.backward(dy);
  REQUIRE(dx.shape() == x.shape());
  REQUIRE_CLOSE(dx.data(), dy.data(), dy.size(), 0.0, 0.0);
  CHECK(flatten.forward_flops(x.shape()) == 0.0);
}

TEST_CASE("flatten gradient matches finite differences", "[layers][flatten]") {
  Flatten flatten;
  test::check_gradients(flatten, test::random_tensor(Shape{2, 3, 2, 2}, 3), 4);
}

TEST_CASE("flatten rejects empty batches and misuse of backward", "[layers][flatten][errors]") {
  using Catch::Contains;
  Flatten flatten;
  REQUIRE_THROWS_AS(flatten.backward(Tensor(Shape{1, 4, 1, 1})), ArgumentError);
  REQUIRE_THROWS_WITH(flatten.backward(Tensor(Shape{1, 4, 1, 1})),
                      Contains("flatten: backward called before forward"));
  REQUIRE_THROWS_WITH(flatten.forward(Tensor(Shape{0, 4, 2, 2}), Mode::Train),
                      Contains("flatten: empty batch"));
  flatten.forward(Tensor(Shape{2, 4, 2, 2}), Mode::Train);
  REQUIRE_THROWS_WITH(flatten.backward(Tensor(Shape{2, 4, 2, 2})),
                      Contains("flatten: dy has shape (2,4,2,2), expected (2,16,1,1)"));
}

}  // namespace
}  // namespace normlab
