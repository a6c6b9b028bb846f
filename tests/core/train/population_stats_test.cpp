#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/model/presets.hpp"
#include "core/train/population_stats.hpp"
#include "support/mnist.hpp"

using namespace normlab;

namespace {

std::vector<std::vector<float>> buffer_values(Model& m) {
  std::vector<std::vector<float>> out;
  for (auto& b : m.buffers()) out.emplace_back(b.value, b.value + b.size);
  return out;
}

}  // namespace

TEST_CASE("population statistics average each BatchNorm input's batch mean and unbiased variance",
          "[train][population]") {
  const Dataset& data = test::mnist_train();
  auto model = make_model("tiny", NormSpec::parse("batch"), 3);
  auto twin = make_model("tiny", NormSpec::parse("batch"), 3);
  const auto before = buffer_values(*model);
  const int batch = 50, samples = 330;  // 6 full batches; the last 30 samples are left out
  auto stats = batch_norm_population_stats(*model, data, batch, samples);

  // Reference, computed on the twin: in tiny (a plain sequence) each BatchNorm's input is
  // the output of the leaf before it, captured by a forward hook in train mode.
  auto layers = twin->layers();
  std::map<std::string, std::string> input_of;  // norm layer → the leaf feeding it
  for (std::size_t i = 1; i < layers.size(); ++i)
    if (layers[i].layer->kind() == "batch_norm2d") input_of[layers[i].name] = layers[i - 1].name;
  REQUIRE(input_of.size() == 2);
  REQUIRE(stats.size() == 2);
  std::map<std::string, std::vector<double>> mean_sum, var_sum;
  std::map<std::string, Tensor> captured;
  twin->set_forward_hook([&](const std::string& name, Layer&, const Tensor& y) { captured[name] = y; });
  std::vector<int32_t> idx(batch), labels;
  Tensor x;
  for (int first = 0; first + batch <= samples; first += batch) {
    for (int i = 0; i < batch; ++i) idx[i] = first + i;
    fetch_batch(data, idx.data(), batch, x, labels);
    twin->forward(x, Mode::Train);
    for (auto& [norm, source] : input_of) {
      const Tensor& t = captured.at(source);
      const Shape& s = t.shape();
      const double m = double(s.n) * s.plane();
      auto& ms = mean_sum[norm];
      auto& vs = var_sum[norm];
      ms.resize(s.c);
      vs.resize(s.c);
      for (int c = 0; c < s.c; ++c) {
        double sum = 0, sq = 0;
        for (int n = 0; n < s.n; ++n)
          for (std::size_t i = 0; i < s.plane(); ++i) sum += t[(std::size_t(n) * s.c + c) * s.plane() + i];
        const double mean = sum / m;
        for (int n = 0; n < s.n; ++n)
          for (std::size_t i = 0; i < s.plane(); ++i) {
            const double d = t[(std::size_t(n) * s.c + c) * s.plane() + i] - mean;
            sq += d * d;
          }
        ms[c] += mean;
        vs[c] += sq / (m - 1);
      }
    }
  }
  for (auto& p : stats) {
    INFO(p.name);
    CHECK(p.batches == 6);
    REQUIRE(mean_sum.count(p.name) == 1);
    REQUIRE(p.mean.size() == mean_sum[p.name].size());
    for (std::size_t c = 0; c < p.mean.size(); ++c) {
      // Float batch statistics (one-pass kernels) against a double reference.
      CHECK(p.mean[c] == Approx(mean_sum[p.name][c] / 6).margin(1e-5).epsilon(1e-4));
      CHECK(p.var[c] == Approx(var_sum[p.name][c] / 6).epsilon(1e-4));
    }
  }
  // The measurement leaves the running statistics as they were.
  CHECK(buffer_values(*model) == before);
}

TEST_CASE("population statistics are empty without BatchNorm and refuse too few samples",
          "[train][population]") {
  const Dataset& data = test::mnist_train();
  auto ln = make_model("tiny", NormSpec::parse("layer-sample"), 1);
  CHECK(batch_norm_population_stats(*ln, data, 64, 256).empty());
  auto bn = make_model("tiny", NormSpec::parse("batch"), 1);
  CHECK_THROWS_WITH(batch_norm_population_stats(*bn, data, 64, 63),
                    Catch::Contains("63 samples available, fewer than one batch of 64"));
  CHECK_THROWS_WITH(batch_norm_population_stats(*bn, data, 1, 100), Catch::Contains("batch_size = 1"));
}
