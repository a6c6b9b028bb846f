#include <catch2/catch.hpp>

#include <cmath>
#include <memory>
#include <vector>

#include "core/layers/activation.hpp"
#include "core/layers/batch_norm2d.hpp"
#include "core/layers/conv2d.hpp"
#include "core/layers/dense.hpp"
#include "core/layers/group_norm.hpp"
#include "core/loss.hpp"
#include "core/model/model.hpp"
#include "core/model/residual.hpp"
#include "core/optim/sgd.hpp"
#include "core/probes/probes.hpp"
#include "core/train/trainer.hpp"
#include "support/check.hpp"

using namespace normlab;

namespace {

// 1×4×4 → 3 classes:
//   0 conv 1→2 3×3 pad 1, 1 BatchNorm2d(2), 2 ReLU,
//   3 residual(body: 0 conv 2→2 3×3 pad 1, 1 ReLU; identity shortcut),
//   4 GroupNorm(1, 2) (its input is the residual SUM), 5 dense 32→3.
std::unique_ptr<Model> small_model(uint64_t seed) {
  auto net = std::make_unique<Sequential>();
  Conv2dOptions pad1;
  pad1.pad = 1;
  net->add(std::make_unique<Conv2d>(1, 2, 3, pad1));
  net->add(std::make_unique<BatchNorm2d>(2));
  net->add(std::make_unique<Relu>());
  auto body = std::make_unique<Sequential>();
  body->add(std::make_unique<Conv2d>(2, 2, 3, pad1));
  body->add(std::make_unique<Relu>());
  net->add(std::make_unique<Residual>(std::move(body)));
  net->add(std::make_unique<GroupNorm>(1, 2));
  net->add(std::make_unique<Dense>(32, 3));
  auto model = std::make_unique<Model>("probe-test", NormSpec{}, Shape{1, 1, 4, 4}, 3, std::move(net));
  model->init(seed);
  return model;
}

std::vector<double> channel_stats(const Tensor& x, bool var) {
  const Shape& s = x.shape();
  std::vector<double> out(s.c);
  for (int c = 0; c < s.c; ++c) {
    double m = 0, v = 0, count = double(s.n) * s.plane();
    for (int n = 0; n < s.n; ++n)
      for (std::size_t i = 0; i < s.plane(); ++i) m += x[(n * s.c + c) * s.plane() + i];
    m /= count;
    for (int n = 0; n < s.n; ++n)
      for (std::size_t i = 0; i < s.plane(); ++i) {
        double d = x[(n * s.c + c) * s.plane() + i] - m;
        v += d * d;
      }
    out[c] = var ? v / count : m;
  }
  return out;
}

double l2(const float* p, std::size_t n) {
  double s = 0;
  for (std::size_t i = 0; i < n; ++i) s += double(p[i]) * p[i];
  return std::sqrt(s);
}

const ActivationProbe& activation(const ProbeSample& s, const std::string& name) {
  for (auto& a : s.activations)
    if (a.name == name) return a;
  FAIL("no activation probe named " << name);
  return s.activations.front();
}

Dataset synthetic_dataset(int count, int h, int w, int classes, uint64_t seed) {
  Dataset d;
  d.count = count;
  d.height = h;
  d.width = w;
  d.classes = classes;
  Rng rng(seed, 9);
  d.images.resize(std::size_t(count) * h * w);
  for (auto& b : d.images) b = uint8_t(rng.below(256));
  d.labels.resize(count);
  for (auto& l : d.labels) l = uint8_t(rng.below(uint32_t(classes)));
  return d;
}

}  // namespace

TEST_CASE("probes equal direct computations on a small model", "[probes]") {
  auto model = small_model(3);
  Sequential& net = model->net();
  Tensor x = test::random_tensor(Shape{5, 1, 4, 4}, 21);
  const int32_t labels[] = {0, 1, 2, 1, 0};

  Prober prober(*model, ProbeConfig{1, 4, 4096});
  SoftmaxCrossEntropy ce;
  Sgd sgd(model->params(), SgdOptions{0.1});
  auto& bn = dynamic_cast<BatchNorm2d&>(net.at(1));
  prober.begin_forward();
  const Tensor& logits = model->forward(x, Mode::Train);
  prober.end_forward(x);
  std::vector<float> running_mean = bn.running_mean(), running_var = bn.running_var();
  double loss = ce.forward(logits, labels).loss;
  model->zero_grad();
  model->backward(ce.backward());
  auto params = model->params();
  std::vector<std::vector<float>> before;
  for (auto& p : params) before.emplace_back(p.value, p.value + p.size);
  prober.before_update(params);
  sgd.step();
  prober.after_update(0, 0, loss, 0.1, params);
  REQUIRE(prober.samples().size() == 1);
  REQUIRE(prober.computations() == 1);
  const ProbeSample& s = prober.samples().back();

  // Recompute every intermediate directly, layer by layer (weights of conv/dense changed
  // in the step, so restore the pre-step values first).
  for (std::size_t k = 0; k < params.size(); ++k) std::copy(before[k].begin(), before[k].end(), params[k].value);
  auto& residual = dynamic_cast<Residual&>(net.at(3));
  Tensor a = net.at(0).forward(x, Mode::Train);  // conv
  Tensor b = net.at(1).forward(a, Mode::Train);  // BN (updates running stats again: read above)
  Tensor c = net.at(2).forward(b, Mode::Train);  // ReLU
  Tensor d = residual.body().forward(c, Mode::Train);
  Tensor e = c;
  for (std::size_t i = 0; i < e.size(); ++i) e[i] += d[i];  // residual sum feeds the GroupNorm

  REQUIRE(s.norms.size() == 2);
  const NormProbe& pbn = s.norms[0];
  CHECK(pbn.name == "1");
  CHECK(pbn.kind == "batch_norm2d");
  CHECK(pbn.values_per_statistic == 5 * 16);
  // Float32 of double sums over 80 values: 1e-6 relative, 1e-6 absolute near zero.
  REQUIRE_CLOSE(pbn.batch_mean.data(), channel_stats(a, false).data(), 2, 1e-6, 1e-5);
  REQUIRE_CLOSE(pbn.batch_var.data(), channel_stats(a, true).data(), 2, 1e-6, 1e-5);
  CHECK(pbn.running_mean == running_mean);
  CHECK(pbn.running_var == running_var);
  CHECK(pbn.gamma == std::vector<float>{1.0f, 1.0f});  // read before the update
  CHECK(pbn.beta == std::vector<float>{0.0f, 0.0f});

  const NormProbe& pgn = s.norms[1];
  CHECK(pgn.name == "4");
  CHECK(pgn.kind == "group_norm");
  CHECK(pgn.values_per_statistic == 2 * 16);
  CHECK(pgn.running_mean.empty());
  REQUIRE_CLOSE(pgn.batch_mean.data(), channel_stats(e, false).data(), 2, 1e-6, 1e-5);
  REQUIRE_CLOSE(pgn.batch_var.data(), channel_stats(e, true).data(), 2, 1e-6, 1e-5);

  // One activation probe per leaf, in forward order.
  std::vector<std::string> names;
  for (auto& p : s.activations) names.push_back(p.name);
  CHECK(names == std::vector<std::string>{"0", "1", "2", "3.body.0", "3.body.1", "4", "5"});
  const ActivationProbe& conv = activation(s, "0");
  double m = 0, v = 0;
  for (std::size_t i = 0; i < a.size(); ++i) m += a[i];
  m /= a.size();
  for (std::size_t i = 0; i < a.size(); ++i) v += (a[i] - m) * (a[i] - m);
  CHECK(conv.mean == Approx(m).margin(1e-6));
  CHECK(conv.std == Approx(std::sqrt(v / a.size())).epsilon(1e-5));
  CHECK(conv.dead_fraction == -1.0f);
  int dead = 0;
  for (int u = 0; u < 32; ++u) {
    bool all_zero = true;
    for (int n = 0; n < 5; ++n) all_zero = all_zero && c[n * 32 + u] == 0.0f;
    dead += all_zero;
  }
  CHECK(activation(s, "2").dead_fraction == float(dead / 32.0));
  CHECK(activation(s, "2").p15 == 0.0f);  // ReLU of a BN output: about half are 0

  // Param probes: grads as used by the step, norms before it, and the update ratio.
  REQUIRE(s.params.size() == params.size());
  for (std::size_t k = 0; k < params.size(); ++k) {
    INFO(params[k].name);
    CHECK(s.params[k].name == params[k].name);
    CHECK(s.params[k].grad_norm == Approx(l2(params[k].grad, params[k].size)).epsilon(1e-6));
    double w = l2(before[k].data(), before[k].size());
    CHECK(s.params[k].weight_norm == Approx(w).epsilon(1e-6));
    // Plain SGD: Δw = −lr·g, so the ratio is lr·‖g‖/‖w‖ (0 where ‖w‖ = 0: the BN beta).
    double want = w > 0 ? 0.1 * l2(params[k].grad, params[k].size) / w : 0.0;
    CHECK(s.params[k].update_ratio == Approx(want).epsilon(1e-4).margin(1e-7));
  }
}

TEST_CASE("probes that are off compute nothing", "[probes]") {
  auto model = small_model(1);
  Dataset d = synthetic_dataset(20, 4, 4, 3, 5);
  TrainConfig c;
  c.batch_size = 5;
  Trainer off(*model, d, c);
  for (int i = 0; i < 6; ++i) off.step();
  CHECK(off.probes().computations() == 0);
  CHECK(off.probes().samples().empty());
}

TEST_CASE("probes sample every K steps into a bounded ring and leave training unchanged",
          "[probes]") {
  Dataset d = synthetic_dataset(20, 4, 4, 3, 5);
  TrainConfig c;
  c.batch_size = 5;
  auto plain_model = small_model(1);
  Trainer plain(*plain_model, d, c);
  c.probe_every = 3;
  c.probe_capacity = 2;
  auto probed_model = small_model(1);
  Trainer probed(*probed_model, d, c);
  for (int i = 0; i < 7; ++i) {
    double a = plain.step().loss, b = probed.step().loss;
    REQUIRE(a == b);  // bitwise: probing never changes what training computes
  }
  CHECK(probed.probes().computations() == 3);  // steps 0, 3, 6
  REQUIRE(probed.probes().samples().size() == 2);
  CHECK(probed.probes().samples().at(0).step == 3);
  CHECK(probed.probes().samples().at(1).step == 6);
  CHECK(probed.probes().samples().at(1).loss == float(probed.history()[6].loss));
}
