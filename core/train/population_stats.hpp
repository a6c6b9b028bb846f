#pragma once
// What BatchNorm's running statistics estimate, measured exactly for the current weights.
// With the weights frozen, running = (1 − m)·running + m·batch converges to the average of
// the batch statistics over batches; this computes that average directly: the network runs
// in train mode (as during training, dropout included, no augmentation) on consecutive full
// batches of `batch_size` samples of `data` in dataset order, at most `max_samples` samples,
// and for every BatchNorm layer the per-channel batch mean and UNBIASED batch variance (the
// two values its running estimates are fed) are averaged over those batches.
// The model's buffers (running statistics) are restored afterwards: nothing changes.
// Throws ArgumentError when batch_size < 2, fewer than batch_size samples are available, or
// a forward pass at batch_size would not fit the memory budget.
#include <string>
#include <vector>

#include "../data/dataset.hpp"
#include "../model/model.hpp"

namespace normlab {

struct PopulationStats {
  std::string name;                // the BatchNorm layer, as in Model::norm_layers()
  std::vector<float> mean, var;    // [C]: average batch mean, average unbiased batch variance
  int batches = 0;                 // how many batches were averaged
};

std::vector<PopulationStats> batch_norm_population_stats(Model& model, const Dataset& data,
                                                         int batch_size, int max_samples);

}  // namespace normlab
