#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "core/error.hpp"
#include "core/train/metrics.hpp"

using namespace normlab;

TEST_CASE("metrics build the confusion matrix and per-class accuracy from argmax logits",
          "[train][metrics]") {
  // 3 classes; rows are logits of 5 samples.
  Tensor logits(Shape{5, 3, 1, 1});
  const float v[] = {2, 1, 0,    // → 0
                     0, 3, 1,    // → 1
                     1, 1, 0,    // tie → first: 0
                     0, 0, 5,    // → 2
                     4, 0, 1};   // → 0
  std::copy(v, v + 15, logits.data());
  const int32_t labels[] = {0, 1, 1, 2, 2};
  MetricsAccumulator acc(3);
  acc.add(logits, labels, 0.5);
  Tensor two(Shape{1, 3, 1, 1});
  two[1] = 1.0f;
  const int32_t label2[] = {1};
  acc.add(two, label2, 2.0);
  EvalResult r = acc.result();
  CHECK(r.count == 6);
  CHECK(r.confusion == std::vector<int>{1, 0, 0,  // true 0
                                        1, 2, 0,  // true 1: one tie went to 0
                                        1, 0, 1}); // true 2
  CHECK(r.accuracy == Approx(4.0 / 6));
  CHECK(r.per_class == std::vector<double>{1.0, 2.0 / 3, 0.5});
  CHECK(r.loss == Approx((0.5 * 5 + 2.0) / 6));  // weighted by batch size
  CHECK(r.predictions == std::vector<int>{0, 1, 0, 2, 0, 1});
  // softmax of the winning logit, e.g. (2, 1, 0): e²/(e² + e + 1).
  REQUIRE(r.confidence.size() == 6);
  CHECK(r.confidence[0] == Approx(std::exp(2.0) / (std::exp(2.0) + std::exp(1.0) + 1.0)));
  CHECK(r.confidence[2] == Approx(std::exp(1.0) / (2 * std::exp(1.0) + 1.0)));
  CHECK(r.confidence[5] == Approx(std::exp(1.0) / (std::exp(1.0) + 2.0)));
}

TEST_CASE("metrics reject logits of another class count", "[train][metrics]") {
  MetricsAccumulator acc(10);
  Tensor logits(Shape{2, 3, 1, 1});
  const int32_t labels[] = {0, 1};
  CHECK_THROWS_AS(acc.add(logits, labels, 0.0), ArgumentError);
  CHECK(argmax(std::vector<float>{1, 3, 3, 2}.data(), 4) == 1);
}
