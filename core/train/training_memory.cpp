#include "training_memory.hpp"

#include <algorithm>

#include "../error.hpp"
#include "../memory_budget.hpp"

namespace normlab {
namespace {

std::string which(Model& model) {
  return msg("preset ", model.preset(), " (norm ", model.norm().str(), ")");
}

}  // namespace

MemoryPlan training_plan(const TrainConfig& c, int dataset_count) {
  check_arg(c.batch_size >= 1, "trainer: batch_size = ", c.batch_size, ", expected ≥ 1");
  check_arg(c.eval_batch_size >= 1, "trainer: eval_batch_size = ", c.eval_batch_size, ", expected ≥ 1");
  check_arg(c.optimizer == "sgd" || c.optimizer == "adam" || c.optimizer == "adamw",
            "trainer: optimizer \"", c.optimizer, "\" is unknown, expected sgd, adam or adamw");
  MemoryPlan p;
  // A batch cannot hold more samples than the dataset has.
  p.train_batch = dataset_count > 0 ? std::min(c.batch_size, dataset_count) : c.batch_size;
  p.eval_batch = c.eval_batch_size;
  if (c.optimizer == "adam" || c.optimizer == "adamw")
    p.optimizer_slots = 2;
  else if (c.momentum > 0.0)
    p.optimizer_slots = 1;
  p.probe_capacity = c.probe_every > 0 ? c.probe_capacity : 0;
  p.dataset_count = dataset_count;
  return p;
}

void require_training_memory(Model& model, const TrainConfig& config, int dataset_count) {
  const MemoryEstimate e = estimate_memory(model, training_plan(config, dataset_count));
  std::string what = msg("training ", which(model), " at batch ", config.batch_size);
  if (config.eval_batch_size > config.batch_size)
    what += msg(" (evaluating at batch ", config.eval_batch_size, ")");
  require_memory(e.beyond_model(), what, e.breakdown(),
                 config.eval_batch_size > config.batch_size
                     ? "choose a smaller batch size, evaluation batch size or preset"
                     : "choose a smaller batch size or a smaller preset");
}

void require_forward_memory(Model& model, int batch, int reserved, const char* who) {
  if (batch <= reserved) return;
  MemoryPlan now, before;
  now.eval_batch = batch;
  before.eval_batch = reserved;
  const MemoryEstimate e = estimate_memory(model, now);
  const uint64_t had = reserved > 0 ? estimate_memory(model, before).beyond_model() : 0;
  const uint64_t growth = e.beyond_model() > had ? e.beyond_model() - had : 0;
  require_memory(growth, msg(who, ": a forward pass of ", which(model), " at batch ", batch),
                 e.breakdown(), "use a smaller batch");
}

}  // namespace normlab
