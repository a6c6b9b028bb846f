#include <catch2/catch.hpp>

#include <cstdint>
#include <memory>
#include <string>

#include "core/kernels/one_channel_conv.hpp"
#include "core/memory_budget.hpp"
#include "core/model/memory_estimate.hpp"
#include "core/model/presets.hpp"
#include "core/train/trainer.hpp"
#include "core/train/training_memory.hpp"
#include "support/mnist.hpp"

#if defined(__SANITIZE_ADDRESS__)
#define NORMLAB_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NORMLAB_ASAN 1
#endif
#endif
#if defined(NORMLAB_ASAN)
#include <sanitizer/allocator_interface.h>
#else
#include <malloc.h>
#endif

using namespace normlab;

namespace {

// Bytes the process has allocated and not freed (the sanitizer's allocator under ASan).
std::size_t heap_in_use() {
#if defined(NORMLAB_ASAN)
  return __sanitizer_get_current_allocated_bytes();
#else
  const struct mallinfo2 m = mallinfo2();
  return m.uordblks + m.hblkhd;  // small blocks in the arenas + mmapped large ones
#endif
}

// Installs a fixed budget for one test and restores the default afterwards.
uint64_t fixed_budget = 0;
MemoryBudget fixed_budget_provider() { return {fixed_budget, fixed_budget}; }
struct BudgetScope {
  explicit BudgetScope(uint64_t bytes) {
    fixed_budget = bytes;
    set_memory_budget(fixed_budget_provider);
  }
  ~BudgetScope() { set_memory_budget(nullptr); }
};

struct Case {
  const char* preset;
  const char* norm;
  const char* optimizer;
  int batch;
};

}  // namespace

// What the estimate claims is checked against what training really allocates: the heap
// growth from before the model is built to after two steps and an evaluation (at the
// training batch size). Tolerance: 12% of the estimate. Three things blur the comparison:
// allocator overhead (16 B per block, 64-byte alignment); the GEMM/normalization scratch,
// which is shared by the whole process and may already have been grown by earlier tests;
// and the evaluation's batch, freed when evaluate returns. The measured growth must
// therefore lie between the estimate without that scratch and batch and the estimate with
// them, each widened by the tolerance.
TEST_CASE("the training memory estimate matches the measured heap growth within 12%") {
  const Dataset train = dataset_slice(test::mnist_train(), 0, 512);
  const Dataset eval = dataset_slice(test::mnist_test(), 0, 256);
  const Case cases[] = {
      {"tiny", "batch", "sgd", 64},        {"tiny", "layer-channels", "adam", 32},
      {"mlp", "batch", "sgd", 128},        {"resnet-mini", "group:4", "sgd", 16},
      {"convnext-mini", "layer-channels", "adamw", 16},
      {"baseline", "batch", "sgd", 16},    {"lenet5", "layer-sample", "sgd", 64},
      {"efficientnet-lite0", "batch", "sgd", 8},
  };
  for (const Case& c : cases) {
    CAPTURE(c.preset, c.norm, c.optimizer, c.batch);
    TrainConfig config;
    config.optimizer = c.optimizer;
    config.batch_size = c.batch;
    config.eval_batch_size = c.batch;
    const std::size_t before = heap_in_use();
    auto model = make_model(c.preset, NormSpec::parse(c.norm), 1);
    std::size_t measured = 0;
    {
      Trainer trainer(*model, train, config);
      trainer.step();
      trainer.step();
      trainer.evaluate(eval);
      measured = heap_in_use() - before;
    }
    const MemoryPlan plan = training_plan(config, train.count);
    const MemoryEstimate e = estimate_memory(*model, plan);
    uint64_t own = 0;  // workspaces each layer keeps; the rest is the shared scratch
    for (auto& l : e.layers) own += l.workspace;
    const uint64_t shared = e.workspaces - own;
    MemoryPlan kept = plan;  // what is still allocated when the growth is measured
    kept.eval_batch = 0;
    const uint64_t lower = estimate_memory(*model, kept).total() - shared;
    CAPTURE(measured, e.total(), shared, lower);
    CHECK(double(measured) >= 0.88 * double(lower));
    CHECK(double(measured) <= 1.12 * double(e.total()));
  }
}

TEST_CASE("the estimate grows with the batch and counts the optimizer's state") {
  auto model = make_model("tiny", NormSpec::parse("batch"), 1);
  TrainConfig c;
  c.momentum = 0.0;
  const uint64_t params = estimate_memory(*model, training_plan(c, 100)).parameters;
  const auto at = [&](int batch, const char* optimizer, double momentum) {
    TrainConfig k;
    k.batch_size = batch;
    k.eval_batch_size = 1;
    k.optimizer = optimizer;
    k.momentum = momentum;
    return estimate_memory(*model, training_plan(k, 100000));
  };
  CHECK(at(8, "sgd", 0.0).optimizer_state == 0);
  CHECK(at(8, "sgd", 0.9).optimizer_state == at(8, "sgd", 0.9).gradients);
  CHECK(at(8, "adam", 0.9).optimizer_state == 2 * at(8, "adam", 0.9).gradients);
  CHECK(at(8, "sgd", 0.9).parameters == params);
  // Activations scale with the batch exactly; the whole estimate grows strictly.
  CHECK(at(64, "sgd", 0.9).activations == 8 * at(8, "sgd", 0.9).activations);
  CHECK(at(64, "sgd", 0.9).total() > at(8, "sgd", 0.9).total());
  // A dataset smaller than the batch bounds it.
  TrainConfig big;
  big.batch_size = 4096;
  big.eval_batch_size = 1;
  CHECK(estimate_memory(*model, training_plan(big, 100)).activations == at(100, "sgd", 0.9).activations);
}

TEST_CASE("a trainer whose memory exceeds the budget is refused before it allocates") {
  const Dataset& train = test::mnist_train();
  auto model = make_model("vgg16", NormSpec::parse("batch"), 1);
  TrainConfig config;
  config.batch_size = 8192;
  const uint64_t needed = estimate_memory(*model, training_plan(config, train.count)).beyond_model();
  CHECK(needed > kNativeMemoryLimit);  // over 8 GiB: refused even by the native default

  const std::size_t before = heap_in_use();
  try {
    Trainer t(*model, train, config);
    FAIL("a trainer needing " << needed << " bytes was built");
  } catch (const MemoryLimitError& e) {
    const std::string m = e.what();
    CHECK_THAT(m, Catch::Contains("training preset vgg16 (norm batch) at batch 8192"));
    CHECK_THAT(m, Catch::Contains("needs about " + format_bytes(needed)));
    CHECK_THAT(m, Catch::Contains("more than the 8.00 GB the engine may still allocate"));
  }
  // Nothing of that size was allocated: the heap is where it was (a few KB of strings aside).
  CHECK(heap_in_use() < before + 64 * 1024);

  SECTION("the budget decides, and the engine works normally afterwards") {
    config.batch_size = 64;
    const uint64_t at64 = estimate_memory(*model, training_plan(config, train.count)).beyond_model();
    {
      BudgetScope budget(at64 - 1);
      CHECK_THROWS_AS(Trainer(*model, train, config), MemoryLimitError);
    }
    BudgetScope budget(at64);
    config.batch_size = 8;
    Trainer t(*model, train, config);
    CHECK(std::isfinite(t.step().loss));
  }
}

TEST_CASE("evaluate refuses a batch larger than the budget allows, and only the growth counts") {
  const Dataset& train = test::mnist_train();
  auto model = make_model("tiny", NormSpec::parse("batch"), 1);
  TrainConfig config;
  config.batch_size = 32;
  config.eval_batch_size = 100;
  Trainer t(*model, train, config);
  MemoryPlan at2000, at100;
  at2000.eval_batch = 2000;
  at100.eval_batch = 100;
  const uint64_t growth =
      estimate_memory(*model, at2000).beyond_model() - estimate_memory(*model, at100).beyond_model();
  {
    BudgetScope budget(growth - 1);
    CHECK(t.evaluate(test::mnist_test(), Mode::Eval, 100).count == 2000);  // nothing grows
    try {
      t.evaluate(test::mnist_test(), Mode::Eval, 2000);
      FAIL("evaluate at batch 2000 ran beyond the budget");
    } catch (const MemoryLimitError& e) {
      CHECK_THAT(std::string(e.what()), Catch::Contains("evaluate: a forward pass of preset tiny (norm batch) at batch 2000"));
    }
  }
  BudgetScope budget(growth);
  CHECK(t.evaluate(test::mnist_test(), Mode::Eval, 2000).count == 2000);
}

TEST_CASE("a single layer's estimate counts its output, caches, workspace and the copies") {
  auto model = make_model("tiny", NormSpec::parse("batch"), 1);
  Layer& conv = model->net().at(0);  // conv 1→8, 3×3, pad 1
  const MemoryEstimate e = estimate_layer_memory(conv, Shape{10, 1, 28, 28}, true);
  CHECK(e.parameters == (8 * 9 + 8) * sizeof(float));
  CHECK(e.activations == 10 * 8 * 28 * 28 * sizeof(float));
  CHECK(e.caches == 10 * 1 * 28 * 28 * sizeof(float));               // dx
  // The direct kernel's buffers, and the column gradient of dx, which is lowered.
  ConvGeometry g;
  g.channels = 1, g.height = g.width = g.out_h = g.out_w = 28, g.kernel_h = g.kernel_w = 3;
  g.pad = 1;
  CHECK(e.layers.at(0).workspace ==
        (one_channel_conv2d_workspace_floats(g, 8) + 9 * 28 * 28) * sizeof(float));
  CHECK(e.data == (10 * 784 + 10 * 8 * 784) * sizeof(float));          // x and dy
}

TEST_CASE("format_bytes prints three significant digits in powers of 1024") {
  CHECK(format_bytes(0) == "0 B");
  CHECK(format_bytes(1023) == "1023 B");
  CHECK(format_bytes(1536) == "1.50 KB");
  CHECK(format_bytes(std::size_t(100) << 20) == "100 MB");
  CHECK(format_bytes(std::size_t(8) << 30) == "8.00 GB");
}
