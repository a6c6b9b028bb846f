// Where a training step's time goes: forward and backward of every layer of a preset at
// batch 64 on random input, timed one layer at a time (medians of several steps), plus the
// GFLOP/s of each conv and dense layer. Backward runs as Sequential runs it: the first layer
// with parameters computes no input gradient. Runs natively and in wasm (node). Times are
// CPU time where the platform has it (bench_clock.hpp). Prints a table; asserts nothing.
// Only presets whose net is a flat chain of leaf layers are profiled.
//
// Usage: layer_profile [--quick] [--steps N] [preset[:norm]]...
//   default presets: tiny:batch baseline:batch baseline:layer-sample
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "bench_clock.hpp"
#include "core/kernels/simd.hpp"
#include "core/loss.hpp"
#include "core/model/presets.hpp"
#include "core/rng.hpp"

namespace {

using namespace normlab;

double median(std::vector<double> v) {  // 0 when never timed
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double ms_since(double t0) { return (bench::clock_seconds() - t0) * 1e3; }

void profile(const std::string& preset, const std::string& norm, int batch, int steps) {
  auto model = make_model(preset, NormSpec::parse(norm), 1);
  Sequential& net = model->net();
  std::vector<Layer*> layers;
  for (std::size_t i = 0; i < net.size(); ++i) {
    if (!net.at(i).children().empty()) {
      std::printf("%s:%s: not a flat chain of layers (layer %zu is a %s), skipped\n\n",
                  preset.c_str(), norm.c_str(), i, net.at(i).kind().c_str());
      return;
    }
    layers.push_back(&net.at(i));
  }
  Shape in = model->input_shape();
  in.n = batch;
  Tensor x(in);
  Rng rng(7);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = rng.uniform();
  std::vector<int32_t> labels(batch);
  for (auto& l : labels) l = int32_t(rng.below(model->num_classes()));
  SoftmaxCrossEntropy loss;

  const std::size_t L = layers.size(), first = net.first_trainable();
  std::vector<std::vector<double>> fwd(L), bwd(L);
  std::vector<double> total;
  for (int s = 0; s <= steps; ++s) {  // step 0 warms up
    const auto step0 = bench::clock_seconds();
    std::vector<const Tensor*> outs(L);
    const Tensor* cur = &x;
    for (std::size_t i = 0; i < L; ++i) {
      auto t0 = bench::clock_seconds();
      cur = outs[i] = &layers[i]->forward(*cur, Mode::Train);
      if (s > 0) fwd[i].push_back(ms_since(t0));
    }
    loss.forward(*cur, labels.data());
    model->zero_grad();
    const Tensor* dy = &loss.backward();
    // As Sequential runs it: no input gradient for the first layer with parameters, and
    // no backward at all before it.
    for (std::size_t i = L; i-- > first;) {
      auto t0 = bench::clock_seconds();
      if (i > first) {
        dy = &layers[i]->backward(*dy);
      } else {
        layers[i]->backward_params(*dy);
      }
      if (s > 0) bwd[i].push_back(ms_since(t0));
    }
    if (s > 0) total.push_back(ms_since(step0));
  }

  std::printf("%s:%s, batch %d, %s kernels, medians of %d steps, %s\n", preset.c_str(),
              norm.c_str(), batch, simd_name(), steps, bench::clock_name());
  std::printf("%-3s %-14s %-16s %9s %9s %7s %9s %9s\n", "#", "layer", "output", "fwd ms", "bwd ms",
              "share", "fwd GF/s", "bwd GF/s");
  double sum = 0.0;
  for (std::size_t i = 0; i < L; ++i) sum += median(fwd[i]) + median(bwd[i]);
  Shape shape = in;
  for (std::size_t i = 0; i < L; ++i) {
    const double f = median(fwd[i]), b = median(bwd[i]);
    const double flops = layers[i]->forward_flops(shape) * batch;
    shape = layers[i]->output_shape(shape);
    std::string out = shape.str();
    std::printf("%-3zu %-14s %-16s %9.3f %9.3f %6.1f%%", i, layers[i]->kind().c_str(),
                out.c_str(), f, b, 100.0 * (f + b) / sum);
    const std::string kind = layers[i]->kind();
    if (kind == "conv2d" || kind == "dense")
      std::printf(" %9.2f %9.2f", flops / f * 1e-6, (i > first ? 2.0 : 1.0) * flops / b * 1e-6);
    std::printf("\n");
  }
  const double step = median(total);
  std::printf("layers %.2f ms, whole step (with loss and zero_grad) %.2f ms: %.0f samples/s, "
              "%.2f GFLOP/s\n\n",
              sum, step, batch / step * 1e3,
              model->training_flops_per_sample() * batch / step * 1e-6);
}

}  // namespace

int main(int argc, char** argv) {
  bool quick = false;
  int steps = 0;  // 0: per preset
  std::vector<std::string> specs;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--quick") == 0)
      quick = true;
    else if (std::strcmp(argv[i], "--steps") == 0 && i + 1 < argc)
      steps = std::max(1, std::atoi(argv[++i]));
    else
      specs.push_back(argv[i]);
  }
  if (specs.empty()) specs = {"tiny:batch", "baseline:batch", "baseline:layer-sample"};
  for (const std::string& spec : specs) {
    const std::size_t colon = spec.find(':');
    const std::string preset = spec.substr(0, colon);
    const std::string norm = colon == std::string::npos ? "batch" : spec.substr(colon + 1);
    try {
      const int preset_steps = preset == "tiny" ? (quick ? 10 : 40) : (quick ? 2 : 6);
      profile(preset, norm, 64, steps > 0 ? steps : preset_steps);
    } catch (const std::exception& e) {
      std::printf("%s: %s\n\n", spec.c_str(), e.what());
    }
  }
  return 0;
}
