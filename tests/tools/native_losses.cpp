// Prints the first training losses of a preset as JSON, for the JS test that checks the
// wasm builds against the native ones (tests/js/native.test.js).
// Usage: native_losses PRESET NORM SEED BATCH STEPS LR
#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/model/presets.hpp"
#include "core/train/trainer.hpp"
#include "support/mnist.hpp"

int main(int argc, char** argv) {
  if (argc != 7) {
    std::fprintf(stderr, "usage: native_losses PRESET NORM SEED BATCH STEPS LR\n");
    return 2;
  }
  try {
    const normlab::Dataset& train = normlab::test::mnist_train();
    uint64_t seed = std::strtoull(argv[3], nullptr, 10);
    auto model = normlab::make_model(argv[1], normlab::NormSpec::parse(argv[2]), seed);
    normlab::TrainConfig config;
    config.seed = seed;
    config.batch_size = std::atoi(argv[4]);
    config.lr = std::atof(argv[6]);
    normlab::Trainer trainer(*model, train, config);
    int steps = std::atoi(argv[5]);
    std::printf("[");
    for (int i = 0; i < steps; ++i) std::printf("%s%.9g", i ? "," : "", trainer.step().loss);
    std::printf("]\n");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "native_losses: %s\n", e.what());
    return 1;
  }
  return 0;
}
