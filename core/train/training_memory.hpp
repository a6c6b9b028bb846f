#pragma once
// The memory a trainer commits, estimated from its config (model/memory_estimate.hpp), and
// the checks that refuse what the budget (memory_budget.hpp) cannot hold, before anything
// is allocated. Both throw ArgumentError naming the preset, norm, batch, the bytes needed
// and the bytes available.
#include "../model/memory_estimate.hpp"
#include "trainer.hpp"

namespace normlab {

// Training at config.batch_size, evaluating at config.eval_batch_size, with the optimizer's
// state and the probes the config asks for; dataset_count sizes the epoch order. Throws
// ArgumentError for a batch size below 1 or an unknown optimizer.
MemoryPlan training_plan(const TrainConfig& config, int dataset_count);

// The Trainer constructor's check: the plan's memory beyond the model's own parameters and
// gradients, which exist already.
void require_training_memory(Model& model, const TrainConfig& config, int dataset_count);

// Forward passes (evaluation, inference) of `batch` samples on a model whose buffers were
// already sized for `reserved` samples: only the growth is checked.
void require_forward_memory(Model& model, int batch, int reserved, const char* who);

}  // namespace normlab
