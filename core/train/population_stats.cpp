#include "population_stats.hpp"

#include <algorithm>
#include <numeric>

#include "../error.hpp"
#include "../layers/batch_norm2d.hpp"
#include "../model/buffer_guard.hpp"
#include "training_memory.hpp"

namespace normlab {

std::vector<PopulationStats> batch_norm_population_stats(Model& model, const Dataset& data,
                                                         int batch_size, int max_samples) {
  check_arg(batch_size >= 2, "population statistics: batch_size = ", batch_size, ", expected ≥ 2");
  const int available = std::min(data.count, std::max(0, max_samples));
  check_arg(available >= batch_size, "population statistics: ", available,
            " samples available, fewer than one batch of ", batch_size);
  const Shape in = model.input_shape();
  check_arg(data.channels == in.c && data.height == in.h && data.width == in.w,
            "population statistics: dataset images are ", data.channels, "×", data.height, "×",
            data.width, ", the model expects ", in.c, "×", in.h, "×", in.w);

  // A train-mode forward at batch_size: refused before it allocates more than the budget.
  require_forward_memory(model, batch_size, 0, "population statistics");

  std::vector<std::pair<std::string, BatchNorm2d*>> norms;
  for (auto& n : model.norm_layers())
    if (auto* bn = dynamic_cast<BatchNorm2d*>(n.layer)) norms.emplace_back(n.name, bn);
  std::vector<PopulationStats> out(norms.size());
  // Sums in double: thousands of batches of float statistics would drift.
  std::vector<std::vector<double>> mean_sum(norms.size()), var_sum(norms.size());
  for (std::size_t k = 0; k < norms.size(); ++k) {
    out[k].name = norms[k].first;
    mean_sum[k].assign(std::size_t(norms[k].second->channels()), 0.0);
    var_sum[k].assign(std::size_t(norms[k].second->channels()), 0.0);
  }
  if (norms.empty()) return out;

  BufferGuard guard(model);
  std::vector<int32_t> idx(static_cast<std::size_t>(batch_size));
  std::vector<int32_t> labels;
  Tensor x;
  int batches = 0;
  for (int first = 0; first + batch_size <= available; first += batch_size, ++batches) {
    std::iota(idx.begin(), idx.end(), first);
    fetch_batch(data, idx.data(), idx.size(), x, labels);
    model.forward(x, Mode::Train);
    for (std::size_t k = 0; k < norms.size(); ++k) {
      const BatchNorm2d& bn = *norms[k].second;
      const double m = double(bn.values_per_statistic());
      const double unbias = m > 1 ? m / (m - 1) : 1.0;
      for (std::size_t c = 0; c < mean_sum[k].size(); ++c) {
        mean_sum[k][c] += bn.batch_mean()[c];
        var_sum[k][c] += bn.batch_var()[c] * unbias;
      }
    }
  }
  for (std::size_t k = 0; k < norms.size(); ++k) {
    out[k].batches = batches;
    for (std::size_t c = 0; c < mean_sum[k].size(); ++c) {
      out[k].mean.push_back(float(mean_sum[k][c] / batches));
      out[k].var.push_back(float(var_sum[k][c] / batches));
    }
  }
  return out;
}

}  // namespace normlab
