// SoftmaxCrossEntropy against PyTorch's F.cross_entropy, mean reduction, with and without
// label_smoothing = 0.1 (fixtures cross_entropy*.txt from make_golden.py): loss, correct
// count, dlogits.
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "core/loss.hpp"
#include "golden/golden.hpp"

namespace normlab {
namespace {

TEST_CASE("softmax cross-entropy matches PyTorch loss and dlogits", "[golden][loss]") {
  const std::string name = GENERATE(as<std::string>{}, "cross_entropy", "cross_entropy_smoothing");
  golden::Fixture fx(name);
  SoftmaxCrossEntropy loss(float(fx.scalar("label_smoothing")));
  const Tensor logits = fx.to_tensor("logits");
  std::vector<int32_t> labels;
  for (double v : fx.tensor("labels").values) labels.push_back(int32_t(std::lround(v)));

  const LossResult r = loss.forward(logits, labels.data());
  // The engine works in double from float32 logits that equal the fixture's exactly, so
  // the loss agrees to far better than 1e-5; 1e-5 is the per-layer budget.
  const double want = fx.scalar("loss");
  golden::report(name + " loss", golden::compare(std::vector<float>{float(r.loss)}.data(),
                                                 {want}, 1e-7, 1e-5));
  REQUIRE(std::fabs(r.loss - want) <= 1e-5 * std::fabs(want));
  REQUIRE(r.correct == fx.integer("correct"));
  // dlogits = (softmax − target)/N: values ≤ 1/N; floor 1e-7 for the near-0 entries of
  // confidently wrong classes.
  GOLDEN_CHECK_TENSOR(fx, "dlogits", loss.backward(), 1e-7, 1e-5);
}

}  // namespace
}  // namespace normlab
