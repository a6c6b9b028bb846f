// One full training step of the tiny preset against PyTorch (fixtures train_step_tiny_*.txt
// from make_golden.py), for every norm: none, batch, layer-channels, layer-sample, group:2,
// instance. Every parameter is set from the fixture by name; then train forward on a fixed
// batch of 8, mean cross-entropy, backward, one SGD step (lr 0.1, momentum 0.9). Compared:
// logits, loss, every parameter gradient, every parameter after the step, and BatchNorm's
// running statistics.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "core/loss.hpp"
#include "core/model/presets.hpp"
#include "core/optim/sgd.hpp"
#include "golden/golden.hpp"

namespace normlab {
namespace {

// Errors compound through ~9 float32 layers and a 784-term dense reduction: 1e-4 relative,
// the budget for a full step. Floors: logits and parameters are O(0.1..1), so 1e-6 is far
// below anything that matters. Gradients (largest entries 0.01..0.8) get 1e-6 plus 1e-4 of
// the tensor's largest magnitude: entries that nearly cancel (sums over the batch of terms
// of both signs) keep only the absolute accuracy of the large terms they are made of. A conv
// bias right before batch or instance norm has an exactly-zero gradient (the norm removes
// the per-channel mean), which float32 leaves at ~1e-8: the 1e-6 term covers it.
constexpr double kRtol = 1e-4;
constexpr double kAtol = 1e-6;

double max_abs(const std::vector<double>& v) {
  double m = 0.0;
  for (double x : v) m = std::max(m, std::fabs(x));
  return m;
}

bool is_model_param_name(const std::string& n) {
  return n.find(':') == std::string::npos && n.find('.') != std::string::npos &&
         n.find("running_") == std::string::npos;
}

void check_train_step(const std::string& norm, const std::string& case_name) {
  golden::Fixture fx(case_name);
  auto model = make_model("tiny", NormSpec::parse(norm), 1);
  INFO("norm " << norm);

  // The model's parameters are exactly the fixture's, by name.
  std::vector<std::string> want_names, got_names;
  for (const auto& n : fx.tensor_names())
    if (is_model_param_name(n)) want_names.push_back(n);
  auto params = model->params();
  for (const auto& p : params) got_names.push_back(p.name);
  std::sort(got_names.begin(), got_names.end());
  REQUIRE(got_names == want_names);
  for (const auto& p : params) golden::load_param(params, p.name, fx, p.name);

  const Tensor x = fx.to_tensor("x");
  std::vector<int32_t> labels;
  for (double v : fx.tensor("labels").values) labels.push_back(int32_t(std::lround(v)));

  model->zero_grad();
  const Tensor& logits = model->forward(x, Mode::Train);
  GOLDEN_CHECK_TENSOR(fx, "logits", logits, kAtol, kRtol);
  SoftmaxCrossEntropy loss;
  const LossResult r = loss.forward(logits, labels.data());
  const double want_loss = fx.scalar("loss");
  golden::report(case_name + " loss",
                 golden::compare(std::vector<float>{float(r.loss)}.data(), {want_loss}, kAtol,
                                 kRtol));
  REQUIRE(std::fabs(r.loss - want_loss) <= kRtol * std::fabs(want_loss));
  model->backward(loss.backward());

  for (const auto& p : params) {
    const std::string g = "grad:" + p.name;
    GOLDEN_CHECK(fx, g, p.grad, p.size, kAtol + 1e-4 * max_abs(fx.tensor(g).values), kRtol);
  }

  // BatchNorm running statistics after this one train forward.
  int running = 0;
  for (const auto& b : model->buffers()) {
    GOLDEN_CHECK(fx, b.name, b.value, b.size, kAtol, kRtol);
    ++running;
  }
  REQUIRE(running == (norm == "batch" ? 4 : 0));

  SgdOptions o;
  o.lr = fx.scalar("lr");
  o.momentum = fx.scalar("momentum");
  Sgd sgd(params, o);
  sgd.step();
  for (const auto& p : params) GOLDEN_CHECK(fx, "after:" + p.name, p.value, p.size, kAtol, kRtol);
}

TEST_CASE("one tiny training step matches PyTorch for every norm", "[golden][train_step]") {
  const auto norm_case = GENERATE(table<std::string, std::string>({
      {"none", "train_step_tiny_none"},
      {"batch", "train_step_tiny_batch"},
      {"layer-channels", "train_step_tiny_layer_channels"},
      {"layer-sample", "train_step_tiny_layer_sample"},
      {"group:2", "train_step_tiny_group2"},
      {"instance", "train_step_tiny_instance"},
  }));
  check_train_step(std::get<0>(norm_case), std::get<1>(norm_case));
}

}  // namespace
}  // namespace normlab
