#include "core/loss.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <vector>

#include "core/error.hpp"
#include "reference/layers.hpp"
#include "support/check.hpp"

namespace normlab {
namespace {

namespace rl = ref::layers;

std::vector<int32_t> random_labels(int n, int k, uint64_t seed) {
  Rng rng(seed);
  std::vector<int32_t> labels(n);
  for (int32_t& l : labels) l = int32_t(rng.below(uint32_t(k)));
  return labels;
}

TEST_CASE("softmax cross-entropy matches the double reference with and without smoothing",
          "[loss]") {
  for (float eps : {0.0f, 0.1f, 0.5f}) {
    for (Shape s :
         {Shape{1, 1, 1, 1}, Shape{1, 10, 1, 1}, Shape{7, 10, 1, 1}, Shape{3, 33, 1, 1}}) {
      INFO("label_smoothing " << eps << ", logits " << s.str());
      const Tensor logits = test::random_tensor(s, 1, -6.0f, 6.0f);
      const std::vector<int32_t> labels = random_labels(s.n, s.c, 2);
      SoftmaxCrossEntropy loss(eps);
      const LossResult r = loss.forward(logits, labels.data());
      const rl::XentResult want = rl::softmax_cross_entropy(
          rl::to_double(logits.data(), logits.size()), s.n, s.c, labels, double(eps));
      // Computed in double from the same float logits; only the float ε differs from the
      // reference's double ε (both are the same value), so this is near-exact.
      CHECK(r.loss == Approx(want.loss).epsilon(1e-12).margin(1e-12));
      // Probabilities and gradients are stored in float: 1 ulp relative.
      REQUIRE_CLOSE(loss.probabilities().data(), want.probs.data(), want.probs.size(), 1e-7, 2e-7);
      const Tensor& d = loss.backward();
      REQUIRE(d.shape() == s);
      REQUIRE_CLOSE(d.data(), want.dlogits.data(), want.dlogits.size(), 1e-7, 1e-6);
    }
  }
}

TEST_CASE("softmax cross-entropy stays finite and exact for logits of ±1000", "[loss]") {
  SoftmaxCrossEntropy loss;
  Tensor logits(Shape{3, 3, 1, 1});
  const float rows[3][3] = {{1000, -1000, 0}, {1000, -1000, 0}, {-1000, -1000, -1000}};
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) logits.at(i, j, 0, 0) = rows[i][j];
  const int32_t labels[] = {0, 1, 2};
  const LossResult r = loss.forward(logits, labels);
  // Row 0: log-sum-exp = 1000 (+e^−1000, e^−2000 below double precision): loss 0.
  // Row 1: loss = lse − x_1 = 2000. Row 2: all equal, loss = log 3.
  REQUIRE(std::isfinite(r.loss));
  CHECK(r.loss == Approx((0.0 + 2000.0 + std::log(3.0)) / 3.0).epsilon(1e-12));
  CHECK(r.correct == 1);  // row 0 only; row 2 ties and the first index (0) wins, not 2
  const Tensor& d = loss.backward();
  for (std::size_t i = 0; i < d.size(); ++i) REQUIRE(std::isfinite(d[i]));
  CHECK(d.at(1, 0, 0, 0) == Approx(1.0 / 3));   // p = 1 on the wrong class, /N
  CHECK(d.at(1, 1, 0, 0) == Approx(-1.0 / 3));  // p = 0 − 1 on the label, /N
}

TEST_CASE("label smoothing spreads ε/K of the target over every class", "[loss]") {
  // Uniform logits: log p = −log K for every class, so any target summing to 1 gives log K.
  Tensor uniform(Shape{2, 4, 1, 1}, 0.5f);
  const int32_t labels[] = {1, 3};
  CHECK(SoftmaxCrossEntropy(0.3f).forward(uniform, labels).loss == Approx(std::log(4.0)));

  // Hand formula on one row: loss = −(1−ε)·log p_y − (ε/K)·Σ_k log p_k.
  Tensor logits(Shape{1, 3, 1, 1});
  logits[0] = 2.0f;
  logits[1] = -1.0f;
  logits[2] = 0.5f;
  const int32_t label[] = {2};
  const double eps = 0.2;
  const double lse = std::log(std::exp(2.0) + std::exp(-1.0) + std::exp(0.5));
  const double want =
      -(1 - eps) * (0.5 - lse) - eps / 3 * ((2.0 - lse) + (-1.0 - lse) + (0.5 - lse));
  SoftmaxCrossEntropy loss{float(eps)};
  CHECK(loss.forward(logits, label).loss == Approx(want).epsilon(1e-7));  // ε rounded to float
  // Its gradient: p − target, target = (ε/3, ε/3, 1 − ε + ε/3).
  const Tensor& d = loss.backward();
  const float e = float(eps);
  CHECK(d[0] == Approx(std::exp(2.0 - lse) - e / 3).margin(1e-6));
  CHECK(d[1] == Approx(std::exp(-1.0 - lse) - e / 3).margin(1e-6));
  CHECK(d[2] == Approx(std::exp(0.5 - lse) - (1 - e) - e / 3).margin(1e-6));
}

TEST_CASE("softmax cross-entropy gradient matches finite differences", "[loss]") {
  for (float eps : {0.0f, 0.1f}) {
    INFO("label_smoothing " << eps);
    Tensor logits = test::random_tensor(Shape{4, 7, 1, 1}, 5, -3.0f, 3.0f);
    const std::vector<int32_t> labels = random_labels(4, 7, 6);
    SoftmaxCrossEntropy loss(eps);
    loss.forward(logits, labels.data());
    const Tensor& d = loss.backward();
    std::vector<float> grad(d.data(), d.data() + d.size());
    for (std::size_t i = 0; i < logits.size(); ++i) {
      const float orig = logits[i];
      logits[i] = orig + 1e-2f;
      const double up = loss.forward(logits, labels.data()).loss;
      const float h_up = logits[i] - orig;  // the step actually taken in float
      logits[i] = orig - 1e-2f;
      const double down = loss.forward(logits, labels.data()).loss;
      const float h_down = orig - logits[i];
      logits[i] = orig;
      const double fd = (up - down) / (double(h_up) + double(h_down));
      INFO("dlogits[" << i << "]");
      // The loss is computed in double, so only truncation O(h²·f''') ≈ 1e-5 remains;
      // gradient entries are ~0.1/N.
      REQUIRE(std::fabs(grad[i] - fd) <= 2e-5);
    }
  }
}

TEST_CASE("softmax cross-entropy reference gradient matches central differences in double",
          "[loss][reference]") {
  std::vector<double> logits =
      rl::to_double(test::random_tensor(Shape{3, 5, 1, 1}, 7, -4.0f, 4.0f).data(), 15);
  const std::vector<int32_t> labels = {4, 0, 2};
  const double eps_smooth = 0.15;
  auto loss = [&] { return rl::softmax_cross_entropy(logits, 3, 5, labels, eps_smooth).loss; };
  const rl::XentResult r = rl::softmax_cross_entropy(logits, 3, 5, labels, eps_smooth);
  // Smooth: truncation O(h²) ≈ 1e-12 and rounding ≈ 1e-16/h ≈ 1e-11 at h = 1e-5.
  const std::vector<double> fd = rl::numeric_gradient(loss, logits, 1e-5);
  REQUIRE(test::mismatch(fd.data(), r.dlogits.data(), fd.size(), 1e-9, 1e-8) == "");
}

TEST_CASE("softmax cross-entropy counts argmax hits, first index on ties", "[loss]") {
  Tensor logits(Shape{4, 3, 1, 1}, 0.0f);
  logits.at(0, 2, 0, 0) = 1.0f;   // argmax 2
  logits.at(1, 1, 0, 0) = 5.0f;   // argmax 1
  logits.at(2, 0, 0, 0) = -1.0f;  // tie between 1 and 2: argmax 1
  // row 3 all zero: argmax 0
  const int32_t labels[] = {2, 0, 1, 0};
  CHECK(SoftmaxCrossEntropy().forward(logits, labels).correct == 3);
}

TEST_CASE("softmax cross-entropy propagates NaN logits into the loss instead of throwing",
          "[loss]") {
  Tensor logits(Shape{1, 3, 1, 1}, 0.0f);
  logits[1] = std::numeric_limits<float>::quiet_NaN();
  const int32_t labels[] = {0};
  CHECK(std::isnan(SoftmaxCrossEntropy().forward(logits, labels).loss));
}

TEST_CASE("softmax cross-entropy rejects bad labels, shapes and smoothing with clear messages",
          "[loss][errors]") {
  using Catch::Contains;
  REQUIRE_THROWS_AS(SoftmaxCrossEntropy(1.0f), ArgumentError);
  REQUIRE_THROWS_WITH(SoftmaxCrossEntropy(1.0f),
                      Contains("softmax_cross_entropy: label_smoothing must be in [0, 1), got 1"));
  REQUIRE_THROWS_WITH(SoftmaxCrossEntropy(-0.5f), Contains("got -0.5"));
  REQUIRE_THROWS_WITH(SoftmaxCrossEntropy(std::numeric_limits<float>::quiet_NaN()),
                      Contains("label_smoothing must be in [0, 1), got nan"));

  SoftmaxCrossEntropy loss;
  REQUIRE_THROWS_WITH(loss.backward(),
                      Contains("softmax_cross_entropy: backward called before forward"));
  REQUIRE_THROWS_WITH(loss.probabilities(),
                      Contains("softmax_cross_entropy: probabilities() called before forward"));
  const int32_t labels[] = {0, 10, 3};
  const Tensor logits(Shape{3, 10, 1, 1});
  REQUIRE_THROWS_WITH(loss.forward(logits, labels),
                      Contains("softmax_cross_entropy: labels[1] = 10 is outside [0, 10)"));
  const int32_t negative[] = {0, 1, -1};
  REQUIRE_THROWS_WITH(loss.forward(logits, negative),
                      Contains("labels[2] = -1 is outside [0, 10)"));
  REQUIRE_THROWS_WITH(loss.forward(logits, nullptr),
                      Contains("softmax_cross_entropy: labels is null, expected 3 labels"));
  REQUIRE_THROWS_WITH(loss.forward(Tensor(Shape{3, 10, 2, 2}), labels),
                      Contains("softmax_cross_entropy: logits (3,10,2,2) must be (N,K,1,1)"));
  REQUIRE_THROWS_WITH(loss.forward(Tensor(Shape{0, 10, 1, 1}), labels),
                      Contains("softmax_cross_entropy: empty batch"));
  // A rejected forward leaves nothing for backward.
  REQUIRE_THROWS_WITH(loss.backward(), Contains("backward called before forward"));
}

}  // namespace
}  // namespace normlab
