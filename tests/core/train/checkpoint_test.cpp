#include <catch2/catch.hpp>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/model/presets.hpp"
#include "core/rng.hpp"
#include "core/serialize.hpp"
#include "core/train/checkpoint.hpp"
#include "core/train/trainer.hpp"
#include "support/mnist.hpp"

using namespace normlab;

namespace {

struct Setup {
  const char* preset;
  const char* norm;
  TrainConfig config;
};

std::vector<double> run_losses(Trainer& t, int steps) {
  std::vector<double> out;
  for (int i = 0; i < steps; ++i) out.push_back(t.step().loss);
  return out;
}

std::vector<std::vector<float>> weights(Model& m) {
  std::vector<std::vector<float>> out;
  for (auto& p : m.params()) out.emplace_back(p.value, p.value + p.size);
  for (auto& b : m.buffers()) out.emplace_back(b.value, b.value + b.size);
  return out;
}

// Trains n + m steps without stopping, and n steps, a checkpoint, a resume and m more;
// everything that follows must be bitwise identical.
void check_resume(const Setup& s, const Dataset& train, int n, int m) {
  auto straight_model = make_model(s.preset, NormSpec::parse(s.norm), 7);
  Trainer straight(*straight_model, train, s.config);
  const std::vector<double> all = run_losses(straight, n + m);

  auto first_model = make_model(s.preset, NormSpec::parse(s.norm), 7);
  std::vector<uint8_t> bytes;
  {
    Trainer first(*first_model, train, s.config);
    const std::vector<double> head = run_losses(first, n);
    REQUIRE(head == std::vector<double>(all.begin(), all.begin() + n));
    bytes = save_checkpoint(first);
  }  // the first trainer and its model are gone: the checkpoint is all that is left
  first_model.reset();
  ResumedTrainer resumed = load_checkpoint(bytes.data(), bytes.size(), train);
  CHECK(resumed.trainer->steps_done() == n);
  const std::vector<double> tail = run_losses(*resumed.trainer, m);
  CHECK(tail == std::vector<double>(all.begin() + n, all.end()));
  CHECK(weights(*resumed.model) == weights(*straight_model));
  CHECK(resumed.trainer->epoch() == straight.epoch());
  CHECK(resumed.trainer->epoch_history().size() == straight.epoch_history().size());
  // Nothing hides outside the checkpoint: both trainers now save the same bytes.
  CHECK(save_checkpoint(*resumed.trainer) == save_checkpoint(straight));
}

TrainConfig config(const char* optimizer, int batch) {
  TrainConfig c;
  c.optimizer = optimizer;
  c.batch_size = batch;
  c.seed = 11;
  c.lr = optimizer[0] == 'a' ? 1e-3 : 0.05;
  return c;
}

// A small trainer's checkpoint: tiny with BatchNorm, SGD with momentum, mid-epoch.
std::vector<uint8_t> tiny_checkpoint(const Dataset& train) {
  auto model = make_model("tiny", NormSpec::parse("batch"), 3);
  Trainer t(*model, train, config("sgd", 16));
  run_losses(t, 2);  // of 3 per epoch on 40 samples
  return save_checkpoint(t);
}

std::string load_error(const uint8_t* data, std::size_t size, const Dataset& train) {
  try {
    load_checkpoint(data, size, train);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}
std::string load_error(const std::vector<uint8_t>& bytes, const Dataset& train) {
  return load_error(bytes.data(), bytes.size(), train);
}

// Rewrites the checksum after an edit, so the structural checks behind it are reached.
void reseal(std::vector<uint8_t>& bytes) {
  const uint32_t crc = crc32(bytes.data(), bytes.size() - 4);
  for (int i = 0; i < 4; ++i) bytes[bytes.size() - 4 + i] = uint8_t(crc >> (8 * i));
}

}  // namespace

TEST_CASE("a resumed trainer continues bitwise as if it had never stopped") {
  // 100 samples at batch 16: 7 steps per epoch, so resumes fall mid-epoch and runs cross
  // epoch boundaries (a fresh shuffle) after the resume.
  const Dataset train = dataset_slice(test::mnist_train(), 0, 100);

  SECTION("tiny with BatchNorm, SGD with Nesterov momentum and weight decay") {
    TrainConfig c = config("sgd", 16);
    c.nesterov = true;
    c.weight_decay = 1e-4;
    check_resume({"tiny", "batch", c}, train, 5, 12);
  }
  SECTION("tiny with BatchNorm, Adam, augmentation, a cosine schedule and label smoothing") {
    TrainConfig c = config("adam", 16);
    c.augment = true;
    c.schedule.kind = ScheduleKind::Cosine;
    c.schedule.warmup_steps = 3;
    c.epochs = 3;
    c.label_smoothing = 0.1f;
    check_resume({"tiny", "batch", c}, train, 9, 9);
  }
  SECTION("baseline with dropout, AdamW and gradient clipping, resumed at an epoch boundary") {
    TrainConfig c = config("adamw", 10);
    c.weight_decay = 0.01;
    c.clip_norm = 1.0;
    check_resume({"baseline", "batch", c}, dataset_slice(train, 0, 30), 3, 2);
  }
  SECTION("mlp with LayerNorm and a step schedule, resumed before the first step") {
    TrainConfig c = config("sgd", 32);
    c.schedule.kind = ScheduleKind::Step;
    c.schedule.step_size = 4;
    c.schedule.gamma = 0.5;
    check_resume({"mlp", "layer-sample", c}, train, 0, 10);
  }
  SECTION("a changed base learning rate is part of the state") {
    auto a_model = make_model("tiny", NormSpec::parse("group:2"), 7);
    Trainer a(*a_model, train, config("sgd", 16));
    run_losses(a, 2);
    a.set_base_lr(0.01);
    const std::vector<uint8_t> bytes = save_checkpoint(a);
    const std::vector<double> expected = run_losses(a, 4);
    ResumedTrainer b = load_checkpoint(bytes.data(), bytes.size(), train);
    CHECK(b.trainer->config().lr == 0.01);
    CHECK(run_losses(*b.trainer, 4) == expected);
  }
}

TEST_CASE("a checkpoint cut at any length is refused with a message") {
  const Dataset train = dataset_slice(test::mnist_train(), 0, 40);
  const std::vector<uint8_t> bytes = tiny_checkpoint(train);
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    const std::string e = load_error(bytes.data(), n, train);
    CAPTURE(n, e);
    REQUIRE_THAT(e, Catch::StartsWith("checkpoint: truncated") || Catch::StartsWith("checkpoint: bad magic"));
  }
  CHECK_THAT(load_error({}, train), Catch::Contains("too short for the magic"));
  std::vector<uint8_t> longer = bytes;
  longer.push_back(0);
  CHECK_THAT(load_error(longer, train), Catch::Contains("1 unexpected bytes after the end"));
}

TEST_CASE("a checkpoint with any flipped bit is refused with a message") {
  const Dataset train = dataset_slice(test::mnist_train(), 0, 40);
  const std::vector<uint8_t> bytes = tiny_checkpoint(train);
  // Every bit of the first and last 64 bytes (header, config, checksum), and 2,048 bits
  // elsewhere (seeded): CRC-32 catches every single-bit error, so each must be refused.
  std::vector<std::size_t> bits;
  for (std::size_t b = 0; b < 8 * 64; ++b) {
    bits.push_back(b);
    bits.push_back(8 * bytes.size() - 1 - b);
  }
  Rng rng(5);
  for (int i = 0; i < 2048; ++i) bits.push_back(rng.below(uint32_t(8 * bytes.size())));
  for (std::size_t bit : bits) {
    std::vector<uint8_t> flipped = bytes;
    flipped[bit / 8] ^= uint8_t(1u << (bit % 8));
    const std::string e = load_error(flipped, train);
    CAPTURE(bit, e);
    REQUIRE_THAT(e, Catch::StartsWith("checkpoint: "));
  }
  CHECK_THAT(load_error(bytes, train), Catch::Equals(""));
}

TEST_CASE("a checkpoint whose checksum holds but whose fields do not is refused") {
  const Dataset train = dataset_slice(test::mnist_train(), 0, 40);
  const std::vector<uint8_t> good = tiny_checkpoint(train);
  // The order sits right after the model file: find it through the field layout.
  std::size_t at = 16;
  at += 4 + 3;                                                  // optimizer "sgd"
  at += 8 + 8 + 1 + 8 * 4 + 1 + 4 + 8 + 8 + 4 + 8 + 8 + 8 + 8 + 1 + 4 + 4 * 5 + 1;  // the rest of config
  at += 4 * 7;                                                  // dataset fingerprint
  uint32_t model_size = 0;
  std::memcpy(&model_size, good.data() + at, 4);  // little-endian hosts only, as the tests run
  at += 4 + model_size;
  REQUIRE(std::memcmp(good.data() + at - model_size, "NLAB", 4) == 0);
  const std::size_t cursor = at + 8 + 4 + 1, order = cursor + 8 + 4;

  SECTION("an order that is not a permutation") {
    std::vector<uint8_t> b = good;
    std::memcpy(b.data() + order, b.data() + order + 4, 4);  // a duplicate index
    reseal(b);
    CHECK_THAT(load_error(b, train), Catch::Contains("not a permutation"));
  }
  SECTION("a cursor past the end of the epoch") {
    std::vector<uint8_t> b = good;
    b[cursor] = 200;
    reseal(b);
    CHECK_THAT(load_error(b, train), Catch::Contains("cursor 200 is past"));
  }
  SECTION("a version from the future") {
    std::vector<uint8_t> b = good;
    b[4] = 2;
    reseal(b);
    CHECK_THAT(load_error(b, train), Catch::Contains("unsupported version 2"));
  }
  SECTION("a corrupt embedded model") {
    std::vector<uint8_t> b = good;
    b[at - model_size + 20] ^= 0x40;  // inside the model file, whose own checksum catches it
    reseal(b);
    CHECK_THAT(load_error(b, train), Catch::StartsWith("checkpoint: the embedded model file:"));
  }
  SECTION("an invalid config") {
    std::vector<uint8_t> b = good;
    const std::size_t batch = 16 + 4 + 3 + 8 + 8 + 1 + 8 * 4 + 1;
    std::memset(b.data() + batch, 0, 4);  // batch_size 0
    reseal(b);
    CHECK_THAT(load_error(b, train), Catch::Contains("its config is invalid: trainer: batch_size = 0"));
  }
}

TEST_CASE("resuming on other training data is refused, naming both datasets") {
  const Dataset train = dataset_slice(test::mnist_train(), 0, 40);
  const std::vector<uint8_t> bytes = tiny_checkpoint(train);
  const Dataset other = dataset_slice(test::mnist_train(), 1, 40);
  try {
    load_checkpoint(bytes.data(), bytes.size(), other);
    FAIL("resumed on other data");
  } catch (const ArgumentError& e) {
    CHECK_THAT(std::string(e.what()), Catch::Contains("it was trained on 40 samples of 1×28×28"));
    CHECK_THAT(std::string(e.what()), Catch::Contains("same training data"));
  }
}
