#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/layers/dense.hpp"
#include "core/layers/dropout.hpp"
#include "core/layers/flatten.hpp"
#include "core/model/presets.hpp"
#include "core/optim/schedule.hpp"
#include "core/train/trainer.hpp"
#include "support/mnist.hpp"

using namespace normlab;

namespace {

std::unique_ptr<Model> tiny(const std::string& norm, uint64_t seed = 1) {
  return make_model("tiny", NormSpec::parse(norm), seed);
}

std::vector<double> losses(const Trainer& t) {
  std::vector<double> out;
  for (auto& s : t.history()) out.push_back(s.loss);
  return out;
}

std::vector<std::vector<float>> buffer_values(Model& m) {
  std::vector<std::vector<float>> out;
  for (auto& b : m.buffers()) out.emplace_back(b.value, b.value + b.size);
  return out;
}

// Identity forward; backward returns NaN everywhere.
class NanBackward final : public Layer {
 public:
  std::string kind() const override { return "nan_backward"; }
  Shape output_shape(const Shape& x) const override { return x; }
  const Tensor& forward(const Tensor& x, Mode) override {
    y_ = x;
    return y_;
  }
  const Tensor& backward(const Tensor& dy) override {
    dx_ = Tensor(dy.shape(), std::numeric_limits<float>::quiet_NaN());
    return dx_;
  }

 private:
  Tensor y_, dx_;
};

// A dense net with dropout on 1×28×28: exercises the trainer's dropout stream.
std::unique_ptr<Model> dropout_mlp(uint64_t seed) {
  auto net = std::make_unique<Sequential>();
  net->add(std::make_unique<Flatten>());
  net->add(std::make_unique<Dense>(784, 32));
  net->add(std::make_unique<Dropout>(0.5f));
  net->add(std::make_unique<Dense>(32, 10));
  auto m = std::make_unique<Model>("dropout-mlp", NormSpec{}, Shape{1, 1, 28, 28}, 10, std::move(net));
  m->init(seed);
  return m;
}

}  // namespace

TEST_CASE("tiny with BatchNorm reaches 95% test accuracy on the bundled split",
          "[train][trainer][mnist]") {
  auto model = tiny("batch");
  TrainConfig c;
  c.optimizer = "sgd";
  c.lr = 0.05;
  c.momentum = 0.9;
  c.batch_size = 64;
  c.seed = 7;
  Trainer t(*model, test::mnist_train(), c);
  EpochResult e1 = t.run_epoch();
  EpochResult e2 = t.run_epoch();
  EvalResult r = t.evaluate(test::mnist_test());
  INFO("epoch losses " << e1.loss << ", " << e2.loss << "; test accuracy " << r.accuracy);
  CHECK(e2.loss < e1.loss);
  CHECK(r.count == 2000);
  CHECK(r.accuracy >= 0.95);
  CHECK(t.steps_done() == 2 * 125);  // 8000 / 64 = 125 exactly
}

TEST_CASE("the same seed and config give bitwise-identical loss sequences",
          "[train][trainer][mnist]") {
  const Dataset train = dataset_slice(test::mnist_train(), 0, 600);
  TrainConfig c;
  c.batch_size = 32;
  c.seed = 11;
  c.augment = true;
  c.optimizer = "adamw";
  c.lr = 1e-3;
  c.weight_decay = 0.01;
  auto run = [&](uint64_t seed, std::unique_ptr<Model> m) {
    TrainConfig cc = c;
    cc.seed = seed;
    Trainer t(*m, train, cc);
    for (int i = 0; i < 25; ++i) t.step();  // crosses the epoch boundary (19 steps per epoch)
    return losses(t);
  };
  auto a = run(11, tiny("batch", 3)), b = run(11, tiny("batch", 3));
  CHECK(a == b);
  CHECK(run(12, tiny("batch", 3)) != a);  // the seed drives order and augmentation
  // Dropout masks come from the trainer's seed as well.
  auto d1 = run(5, dropout_mlp(2)), d2 = run(5, dropout_mlp(2));
  CHECK(d1 == d2);
}

TEST_CASE("epochs use every sample once, including the remainder batch", "[train][trainer]") {
  const Dataset train = dataset_slice(test::mnist_train(), 0, 10);
  auto model = tiny("group:2");
  TrainConfig c;
  c.batch_size = 4;
  Trainer t(*model, train, c);
  CHECK(t.steps_per_epoch() == 3);
  EpochResult e = t.run_epoch();
  CHECK(e.steps == 3);
  std::vector<int> sizes;
  for (auto& s : t.history()) sizes.push_back(s.batch);
  CHECK(sizes == std::vector<int>{4, 4, 2});
  CHECK(t.epoch() == 1);
  StepResult next = t.step();
  CHECK(next.epoch == 1);
  CHECK(next.batch == 4);
}

TEST_CASE("a one-sample remainder is skipped when a BatchNorm would see one value",
          "[train][trainer]") {
  // mlp with BatchNorm normalizes (N,100,1,1): N = 1 cannot be normalized in train mode.
  const Dataset train = dataset_slice(test::mnist_train(), 0, 9);
  auto model = make_model("mlp", NormSpec::parse("batch"), 1);
  TrainConfig c;
  c.batch_size = 4;
  Trainer t(*model, train, c);
  CHECK(t.steps_per_epoch() == 2);
  CHECK(t.run_epoch().steps == 2);
  CHECK(t.run_epoch().steps == 2);
  // Without BatchNorm the single sample is a batch like any other.
  auto ln = make_model("mlp", NormSpec::parse("layer-sample"), 1);
  Trainer u(*ln, train, c);
  CHECK(u.steps_per_epoch() == 3);
  CHECK(u.run_epoch().steps == 3);
}

TEST_CASE("evaluating in train mode leaves running statistics and training untouched",
          "[train][trainer][mnist]") {
  const Dataset train = dataset_slice(test::mnist_train(), 0, 256);
  const Dataset held = dataset_slice(test::mnist_test(), 0, 300);
  TrainConfig c;
  c.batch_size = 32;
  auto m1 = tiny("batch"), m2 = tiny("batch");
  Trainer a(*m1, train, c), b(*m2, train, c);
  for (int i = 0; i < 4; ++i) {
    a.step();
    b.step();
  }
  auto saved = buffer_values(*m1);
  TrainEvalGap gap = a.train_eval_gap(held, 50);
  CHECK(buffer_values(*m1) == saved);
  CHECK(gap.train_mode.count == 300);
  CHECK(gap.eval_mode.count == 300);
  CHECK(gap.gap == Approx(gap.train_mode.accuracy - gap.eval_mode.accuracy));
  // After 4 steps the running stats (momentum 0.1) still lag far behind: the modes differ.
  CHECK(gap.train_mode.loss != gap.eval_mode.loss);
  EvalResult eval = a.evaluate(held, Mode::Eval, 50);
  CHECK(eval.loss == gap.eval_mode.loss);
  for (int i = 0; i < 4; ++i) REQUIRE(a.step().loss == b.step().loss);
}

TEST_CASE("evaluate reports per-class accuracy and a confusion matrix that add up",
          "[train][trainer][mnist]") {
  auto model = tiny("layer-sample");
  TrainConfig c;
  Trainer t(*model, test::mnist_train(), c);
  for (int i = 0; i < 20; ++i) t.step();
  EvalResult r = t.evaluate(test::mnist_test());
  REQUIRE(r.confusion.size() == 100);
  REQUIRE(r.per_class.size() == 10);
  std::vector<int> counts = class_counts(test::mnist_test());
  int total = 0, diagonal = 0;
  for (int k = 0; k < 10; ++k) {
    int row = 0;
    for (int p = 0; p < 10; ++p) row += r.confusion[k * 10 + p];
    CHECK(row == counts[k]);
    CHECK(r.per_class[k] == Approx(double(r.confusion[k * 11]) / row));
    total += row;
    diagonal += r.confusion[k * 11];
  }
  CHECK(total == 2000);
  CHECK(r.accuracy == Approx(diagonal / 2000.0));
}

TEST_CASE("a non-finite loss stops training naming the step and the first bad layer",
          "[train][trainer][mnist]") {
  const Dataset train = dataset_slice(test::mnist_train(), 0, 128);
  auto model = tiny("batch");  // 0 conv, 1 bn, 2 relu, 3 pool, 4 conv, 5 bn, 6 relu, 7 pool, 8 dense
  TrainConfig c;
  c.batch_size = 32;
  Trainer t(*model, train, c);
  t.step();
  t.step();
  for (auto& p : model->params())
    if (p.name == "8.weight") p.value[3] = std::numeric_limits<float>::infinity();
  auto saved = buffer_values(*model);
  std::string message;
  try {
    t.step();
  } catch (const Error& e) {
    message = e.what();
  }
  INFO(message);
  CHECK(message.find("training diverged at step 2 (epoch 0, lr 0.05): the loss is ") == 0);
  CHECK(message.find("the first non-finite output is layer 8 (dense), whose weight holds "
                     "non-finite values") != std::string::npos);
  CHECK(t.history().size() == 2);  // what was recorded before is kept
  CHECK(t.steps_done() == 2);
  CHECK(buffer_values(*model) == saved);  // the failed step's forward left no trace
}

TEST_CASE("a non-finite gradient stops training even when the loss is finite",
          "[train][trainer][mnist]") {
  // A NaN can reach the gradients without reaching the loss (a ReLU whose max maps NaN to 0
  // hides it in the forward pass). NanBackward makes that happen on purpose.
  auto net = std::make_unique<Sequential>();
  net->add(std::make_unique<Flatten>());
  net->add(std::make_unique<Dense>(784, 10));
  net->add(std::make_unique<NanBackward>());
  Model model("nan-backward", NormSpec{}, Shape{1, 1, 28, 28}, 10, std::move(net));
  model.init(1);
  std::vector<float> before;
  for (auto& p : model.params())
    if (p.name == "1.weight") before.assign(p.value, p.value + p.size);
  const Dataset train = dataset_slice(test::mnist_train(), 0, 64);
  TrainConfig c;
  c.batch_size = 32;
  Trainer t(model, train, c);
  std::string message;
  try {
    t.step();
  } catch (const Error& e) {
    message = e.what();
  }
  CHECK(message == "training diverged at step 0 (epoch 0, lr 0.05): the gradient of 1.weight is "
                   "not finite; every layer's output is finite");
  CHECK(t.history().empty());
  for (auto& p : model.params())  // the update never ran
    if (p.name == "1.weight") CHECK(std::vector<float>(p.value, p.value + p.size) == before);
}

TEST_CASE("the trainer validates its config and the dataset's shape", "[train][trainer]") {
  const Dataset train = dataset_slice(test::mnist_train(), 0, 16);
  auto model = tiny("batch");
  TrainConfig c;
  c.optimizer = "rmsprop";
  CHECK_THROWS_WITH(Trainer(*model, train, c),
                    "trainer: optimizer \"rmsprop\" is unknown, expected sgd, adam or adamw");
  c.optimizer = "sgd";
  c.batch_size = 0;
  CHECK_THROWS_WITH(Trainer(*model, train, c), "trainer: batch_size = 0, expected ≥ 1");
  c.batch_size = 8;
  c.momentum = 1.5;
  CHECK_THROWS_WITH(Trainer(*model, train, c), "sgd: momentum = 1.5, expected a value in [0, 1)");
  c.momentum = 0.9;
  c.label_smoothing = 1.0f;
  CHECK_THROWS_AS(Trainer(*model, train, c), ArgumentError);
  c.label_smoothing = 0.1f;
  Dataset wide = train;
  wide.width = 14;
  wide.height = 56;
  CHECK_THROWS_WITH(Trainer(*model, wide, c),
                    "trainer: dataset images are 1×56×14, the model expects 1×28×28");
}

TEST_CASE("the trainer follows the learning-rate schedule and clips gradients",
          "[train][trainer][mnist]") {
  const Dataset train = dataset_slice(test::mnist_train(), 0, 320);
  auto model = tiny("batch");
  TrainConfig c;
  c.batch_size = 32;
  c.epochs = 2;
  c.lr = 0.1;
  c.schedule.kind = ScheduleKind::Cosine;  // total_steps 0: sized from epochs = 20 steps
  c.schedule.warmup_steps = 2;
  c.clip_norm = 0.5;
  c.probe_every = 1;
  Trainer t(*model, train, c);
  for (int i = 0; i < 20; ++i) t.step();
  Schedule want = c.schedule;
  want.total_steps = 20;
  for (auto& s : t.history()) CHECK(s.lr == Approx(schedule_lr(want, 0.1, s.step)).margin(1e-15));
  CHECK(t.history().back().lr < 0.002);
  // Probes see the clipped gradients: their global norm is at most clip_norm.
  for (std::size_t i = 0; i < t.probes().samples().size(); ++i) {
    double sq = 0;
    for (auto& p : t.probes().samples().at(i).params) sq += double(p.grad_norm) * p.grad_norm;
    CHECK(std::sqrt(sq) <= 0.5 * (1 + 1e-5));  // float norms of float grads
  }
}
