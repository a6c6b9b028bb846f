#include "core/layers/dropout.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <vector>

#include "core/error.hpp"
#include "support/check.hpp"

namespace normlab {
namespace {

std::vector<bool> mask_of(Dropout& d, const Tensor& x) {
  d.forward(x, Mode::Train);
  std::vector<bool> kept(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) kept[i] = d.kept(i);
  return kept;
}

TEST_CASE("dropout with the same seed draws the same masks", "[layers][dropout]") {
  const Tensor x = test::random_tensor(Shape{2, 3, 5, 7}, 1);
  Dropout a(0.4f, 123), b(0.4f, 123), c(0.4f, 124);
  const std::vector<bool> a1 = mask_of(a, x), a2 = mask_of(a, x);
  CHECK(a1 == mask_of(b, x));
  CHECK(a2 == mask_of(b, x));  // the sequence matches, not just the first mask
  CHECK(a1 != a2);             // successive steps draw fresh masks
  CHECK(a1 != mask_of(c, x));  // another seed, another mask
  a.reseed(123);
  CHECK(mask_of(a, x) == a1);  // reseed restarts the sequence
}

TEST_CASE("dropout keeps a fraction 1−p of elements and scales them by 1/(1−p)",
          "[layers][dropout]") {
  for (float p : {0.1f, 0.5f, 0.8f}) {
    INFO("p = " << p);
    Dropout d(p, 7);
    const Tensor x = test::random_tensor(Shape{4, 25, 20, 50}, 2, 0.5f, 1.5f);  // no zeros
    const Tensor& y = d.forward(x, Mode::Train);
    REQUIRE(y.shape() == x.shape());
    const float scale = 1.0f / (1.0f - p);
    std::size_t kept = 0, wrong = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
      if (y[i] != 0.0f) {
        ++kept;
        wrong += y[i] != x[i] * scale;  // the layer computes exactly x·(1/(1−p)) in float
      }
    }
    REQUIRE(wrong == 0);
    // Kept count ~ Binomial(n, 1−p): 5 standard deviations, a false failure ~1 in 1.7 million.
    const double n = double(x.size()), q = 1.0 - p;
    const double sd = std::sqrt(n * p * q);
    CHECK(std::fabs(double(kept) - n * q) < 5 * sd);
  }
}

TEST_CASE("dropout with p = 0 and dropout in eval mode are the identity", "[layers][dropout]") {
  const Tensor x = test::random_tensor(Shape{2, 3, 4, 5}, 3);
  const Tensor dy = test::random_tensor(x.shape(), 4);
  Dropout none(0.0f);
  REQUIRE_CLOSE(none.forward(x, Mode::Train).data(), x.data(), x.size(), 0.0, 0.0);
  REQUIRE_CLOSE(none.backward(dy).data(), dy.data(), dy.size(), 0.0, 0.0);
  Dropout d(0.5f, 9);
  REQUIRE_CLOSE(d.forward(x, Mode::Eval).data(), x.data(), x.size(), 0.0, 0.0);
  REQUIRE_CLOSE(d.backward(dy).data(), dy.data(), dy.size(), 0.0, 0.0);
}

TEST_CASE("dropout backward multiplies dy by the mask of the last train forward",
          "[layers][dropout]") {
  const Tensor x = test::random_tensor(Shape{3, 4, 5, 6}, 5, 0.5f, 1.5f);
  const Tensor dy = test::random_tensor(x.shape(), 6);
  Dropout d(0.3f, 11);
  const Tensor& y = d.forward(x, Mode::Train);
  std::vector<float> y_copy(y.data(), y.data() + y.size());
  const Tensor& dx = d.backward(dy);
  const float scale = 1.0f / 0.7f;
  std::vector<float> want(dx.size());
  for (std::size_t i = 0; i < dx.size(); ++i) want[i] = y_copy[i] == 0.0f ? 0.0f : dy[i] * scale;
  REQUIRE_CLOSE(dx.data(), want.data(), want.size(), 0.0, 0.0);
  // dropout is linear given the mask: backward twice gives the same dx (no fresh draw).
  std::vector<float> first(dx.data(), dx.data() + dx.size());
  REQUIRE_CLOSE(d.backward(dy).data(), first.data(), first.size(), 0.0, 0.0);
}

TEST_CASE("dropout multiplies by the mask, so a dropped ∞ or NaN gives NaN as in PyTorch",
          "[layers][dropout]") {
  const float inf = std::numeric_limits<float>::infinity();
  Tensor x(Shape{1, 64, 1, 1}, inf);
  Dropout d(0.5f, 3);
  const Tensor& y = d.forward(x, Mode::Train);
  std::size_t dropped = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    dropped += !d.kept(i);
    CHECK((d.kept(i) ? y[i] == inf : std::isnan(y[i])));
  }
  CHECK(dropped > 0);
  CHECK(dropped < x.size());
  const Tensor& dx = d.backward(Tensor(x.shape(), std::numeric_limits<float>::quiet_NaN()));
  for (std::size_t i = 0; i < dx.size(); ++i) CHECK(std::isnan(dx[i]));
}

TEST_CASE("dropout rejects bad p and misuse with messages naming them",
          "[layers][dropout][errors]") {
  using Catch::Contains;
  REQUIRE_THROWS_AS(Dropout(1.0f), ArgumentError);
  REQUIRE_THROWS_WITH(Dropout(1.0f), Contains("dropout: p must be in [0, 1), got 1"));
  REQUIRE_THROWS_WITH(Dropout(-0.1f), Contains("dropout: p must be in [0, 1), got -0.1"));
  REQUIRE_THROWS_WITH(Dropout(std::numeric_limits<float>::quiet_NaN()),
                      Contains("dropout: p must be in [0, 1), got nan"));
  Dropout d(0.5f);
  CHECK(d.kind() == "dropout");
  CHECK(d.p() == 0.5f);
  REQUIRE_THROWS_WITH(d.backward(Tensor(Shape{1, 1, 1, 1})),
                      Contains("dropout: backward called before forward"));
  REQUIRE_THROWS_WITH(d.forward(Tensor(Shape{0, 1, 1, 1}), Mode::Train),
                      Contains("dropout: empty batch"));
  d.forward(Tensor(Shape{2, 2, 1, 1}), Mode::Train);
  REQUIRE_THROWS_WITH(d.backward(Tensor(Shape{2, 1, 1, 1})),
                      Contains("dropout: dy has shape (2,1,1,1), expected (2,2,1,1)"));
}

}  // namespace
}  // namespace normlab
