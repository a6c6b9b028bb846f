#pragma once
// How many bytes a model takes to train or run at a batch size, estimated from its layers
// and shapes without running it, so a configuration that would exhaust memory is refused
// before anything is allocated (memory_budget.hpp).
//
// What is counted, in bytes, with the capacity rule every buffer follows (a tensor keeps
// the largest size it was ever resized to):
//   parameters       values of every parameter and buffer (running statistics)
//   gradients        one per parameter value
//   optimizer_state  optimizer_slots copies of the parameters (SGD momentum 1, Adam 2)
//   activations      every layer's output, for the largest batch it sees (train or eval),
//                    but those written into a Sequential's gradient buffers
//   caches           what backward needs or makes: input gradients (training batch) in
//                    buffers that also hold outputs lent them (sequential.hpp), dropout
//                    and ReLU masks, max-pool argmax, normalization statistics, the loss
//   workspaces       im2col columns of every convolution (each layer keeps its own), the
//                    largest GEMM packing panels and normalization scratch (shared)
//   data             the batches fed in (training and eval), their labels, an epoch order
//   probes           a copy of the weights and the kept probe samples, when probing
// Not counted: the dataset itself, the model's containers and names (a few KB), and the
// per-step history the trainer keeps. Sizes are 64-bit: in wasm32 a size_t would wrap
// for exactly the configurations this must refuse.
#include <cstdint>
#include <string>
#include <vector>

#include "model.hpp"

namespace normlab {

struct MemoryPlan {
  int train_batch = 0;       // 0: no training, forward passes only
  int eval_batch = 0;        // largest forward-only batch; 0: none
  int optimizer_slots = 0;   // parameter-sized float vectors the optimizer keeps
  int probe_capacity = 0;    // probe samples kept; 0: probes off
  int dataset_count = 0;     // samples per epoch (the trainer shuffles their indices)
};

struct LayerMemory {
  std::string name, kind;
  uint64_t activations = 0, caches = 0, workspace = 0;
};

struct MemoryEstimate {
  uint64_t parameters = 0, gradients = 0, optimizer_state = 0;
  uint64_t activations = 0, caches = 0, workspaces = 0, data = 0, probes = 0;
  std::vector<LayerMemory> layers;  // leaves, residual sums and each sequential's dx buffers

  uint64_t total() const {
    return parameters + gradients + optimizer_state + activations + caches + workspaces +
           data + probes;
  }
  // What a plan adds to a model that exists: everything but its parameters and gradients.
  uint64_t beyond_model() const { return total() - parameters - gradients; }
  // "activations 1.2 GB, caches 900 MB, ..." (the parts above 1% of the total).
  std::string breakdown() const;
};

MemoryEstimate estimate_memory(Model& model, const MemoryPlan& plan);

// One layer used on its own (no optimizer, no loss), for an input batch of shape x: its
// parameters and gradients, output, caches, workspaces, and the copies of x and dy the
// caller keeps (training = forward then backward).
MemoryEstimate estimate_layer_memory(Layer& layer, const Shape& x, bool training);

}  // namespace normlab
