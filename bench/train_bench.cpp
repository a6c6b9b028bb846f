// Training throughput of the native SIMD build: samples/s and achieved GFLOP/s of `tiny`
// and `baseline` at batch 64 with each norm, medians of several timed repetitions after a
// warm-up. Prints a table; asserts nothing.
// Usage: train_bench [--quick]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "core/kernels/simd.hpp"
#include "core/model/presets.hpp"
#include "core/train/trainer.hpp"
#include "support/mnist.hpp"

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  using namespace normlab;
  bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
  const Dataset& train = test::mnist_train();
  const char* norms[] = {"none", "batch", "layer-channels", "layer-sample", "group:2", "instance"};
  struct Net { const char* preset; int steps; };
  const Net nets[] = {{"tiny", quick ? 10 : 50}, {"baseline", quick ? 2 : 5}};
  const int batch = 64, reps = quick ? 3 : 5;

  std::printf("normlab native training throughput (%s kernels, batch %d, SGD momentum, 1 thread)\n",
              simd_name(), batch);
  std::printf("%-10s %-15s %12s %12s %14s %10s\n", "preset", "norm", "samples/s", "GFLOP/s",
              "MFLOP/sample", "spread");
  for (const Net& net : nets) {
    for (const char* norm : norms) {
      std::unique_ptr<Model> model;
      try {
        model = make_model(net.preset, NormSpec::parse(norm), 1);
      } catch (const Error& e) {
        std::printf("%-10s %-15s %s\n", net.preset, norm, "(not applicable to this preset)");
        continue;
      }
      TrainConfig config;
      config.batch_size = batch;
      config.seed = 1;
      config.lr = 0.01;
      Trainer trainer(*model, train, config);
      trainer.step();  // warm-up: workspaces, first-touch of buffers
      std::vector<double> rates;
      for (int r = 0; r < reps; ++r) {
        auto t0 = std::chrono::steady_clock::now();
        for (int s = 0; s < net.steps; ++s) trainer.step();
        double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        rates.push_back(net.steps * batch / seconds);
      }
      double rate = median(rates);
      double flops = model->training_flops_per_sample();
      auto [lo, hi] = std::minmax_element(rates.begin(), rates.end());
      std::printf("%-10s %-15s %12.0f %12.2f %14.2f %9.0f%%\n", net.preset, norm, rate,
                  rate * flops / 1e9, flops / 1e6, 100.0 * (*hi - *lo) / rate);
    }
  }
  std::printf("FLOPs: 3 × forward (forward, backward-data, backward-weight) per sample, from the model.\n");
  return 0;
}
