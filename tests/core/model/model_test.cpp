#include "core/model/model.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <map>

#include "core/error.hpp"
#include "core/model/presets.hpp"
#include "support/check.hpp"
#include "support/gradcheck.hpp"

using namespace normlab;
using normlab::test::random_tensor;

namespace {

std::unique_ptr<Model> build(const char* preset, const char* norm, uint64_t seed = 1) {
  return make_model(preset, NormSpec::parse(norm), seed);
}

// Values of every conv/dense parameter, keyed by the owning layer's position among the
// conv/dense layers (names shift when norm layers are added or removed).
std::vector<std::vector<float>> weights(Model& m) {
  std::vector<std::vector<float>> out;
  for (auto& info : m.layers()) {
    const std::string k = info.layer->kind();
    if (k != "conv2d" && k != "dense") continue;
    for (auto& p : info.layer->params()) out.emplace_back(p.value, p.value + p.size);
  }
  return out;
}

}  // namespace

TEST_CASE("model maps (N,1,28,28) images to (N,10,1,1) logits and checks its input",
          "[model][model]") {
  auto m = build("tiny", "batch");
  REQUIRE(m->preset() == "tiny");
  REQUIRE(m->norm().str() == "batch");
  REQUIRE(m->input_shape() == Shape{1, 1, 28, 28});
  REQUIRE(m->num_classes() == 10);
  Tensor x = random_tensor({3, 1, 28, 28}, 1);  // kept alive for backward
  const Tensor& y = m->forward(x, Mode::Train);
  REQUIRE(y.shape() == Shape{3, 10, 1, 1});
  const Tensor& dx = m->backward(random_tensor({3, 10, 1, 1}, 2));
  REQUIRE(dx.shape() == Shape{3, 1, 28, 28});
  REQUIRE_THROWS_WITH(m->forward(Tensor({2, 3, 28, 28}), Mode::Eval),
                      Catch::Contains("(2,3,28,28)") && Catch::Contains("(N,1,28,28)"));
  REQUIRE_THROWS_AS(m->forward(Tensor({0, 1, 28, 28}), Mode::Eval), ArgumentError);
  REQUIRE_THROWS_AS(m->forward(Tensor({1, 1, 27, 28}), Mode::Eval), ArgumentError);
}

TEST_CASE("model init is a function of the seed alone", "[model][model]") {
  auto a = build("resnet-mini", "batch", 7), b = build("resnet-mini", "batch", 7);
  auto c = build("resnet-mini", "batch", 8);
  auto pa = a->params(), pb = b->params(), pc = c->params();
  REQUIRE(pa.size() == pb.size());
  bool any_differs = false;
  for (std::size_t i = 0; i < pa.size(); ++i) {
    INFO(pa[i].name);
    REQUIRE(pa[i].name == pb[i].name);
    REQUIRE_CLOSE(pa[i].value, pb[i].value, pa[i].size, 0.0, 0.0);
    for (std::size_t j = 0; j < pa[i].size; ++j) any_differs |= pa[i].value[j] != pc[i].value[j];
  }
  REQUIRE(any_differs);
  // Re-initializing restores the seed's values after they were changed.
  pa[0].value[0] += 1.0f;
  a->init(7);
  REQUIRE(pa[0].value[0] == pb[0].value[0]);
}

TEST_CASE("models differing only in their norm share conv and dense weights at init",
          "[model][model]") {
  const char* norms[] = {"none", "layer-channels", "layer-sample", "group:2", "instance"};
  for (const char* preset : {"tiny", "resnet-mini", "vgg-mini"}) {
    auto ref = build(preset, "batch", 3);
    const auto want = weights(*ref);
    REQUIRE(want.size() > 2);
    for (const char* norm : norms) {
      INFO(preset << " with " << norm);
      auto m = build(preset, norm, 3);
      const auto got = weights(*m);
      REQUIRE(got == want);  // bitwise: norm layers draw nothing from the init Rng
    }
  }
}

TEST_CASE("model lists its norm layers and its leaf layers with hierarchical names and shapes",
          "[model][model]") {
  auto m = build("tiny", "batch");
  auto norms = m->norm_layers();
  REQUIRE(norms.size() == 2);
  REQUIRE(norms[0].name == "1");
  REQUIRE(norms[1].name == "5");
  REQUIRE(norms[0].layer->kind() == "batch_norm2d");

  auto layers = m->layers();
  std::vector<std::string> kinds;
  for (auto& l : layers) kinds.push_back(l.layer->kind());
  REQUIRE(kinds == std::vector<std::string>{"conv2d", "batch_norm2d", "relu", "max_pool2d",
                                            "conv2d", "batch_norm2d", "relu", "max_pool2d",
                                            "dense"});
  REQUIRE(layers[0].name == "0");
  REQUIRE(layers[0].input == Shape{1, 1, 28, 28});
  REQUIRE(layers[0].output == Shape{1, 8, 28, 28});
  REQUIRE(layers[5].input == Shape{1, 16, 14, 14});
  REQUIRE(layers[8].input == Shape{1, 16, 7, 7});
  REQUIRE(layers[8].output == Shape{1, 10, 1, 1});

  REQUIRE(build("tiny", "none")->norm_layers().empty());
  REQUIRE(build("tiny", "none")->layers().size() == 7);

  // Inside residual blocks names go through body/shortcut.
  auto r = build("resnet-mini", "group:2");
  std::vector<std::string> names;
  for (auto& n : r->norm_layers()) names.push_back(n.name);
  REQUIRE(names == std::vector<std::string>{"1", "3.body.1", "3.body.4", "5.body.1", "5.body.4",
                                            "5.shortcut.1", "7.body.1", "7.body.4",
                                            "7.shortcut.1"});
  for (auto& l : r->layers())
    if (l.name == "5.shortcut.0") REQUIRE(l.output == Shape{1, 32, 14, 14});
}

TEST_CASE("model forward hook sees every leaf output in layers() order", "[model][model]") {
  auto m = build("resnet-mini", "batch");
  std::vector<std::string> seen;
  bool shapes_match = true;
  const auto layers = m->layers();
  m->set_forward_hook([&](const std::string& name, Layer&, const Tensor& y) {
    const std::size_t i = seen.size();
    seen.push_back(name);
    if (i < layers.size()) {
      Shape want = layers[i].output;
      want.n = 2;
      shapes_match &= y.shape() == want;
    }
  });
  m->forward(random_tensor({2, 1, 28, 28}, 3), Mode::Train);
  std::vector<std::string> want;
  for (auto& l : layers) want.push_back(l.name);
  REQUIRE(seen == want);
  REQUIRE(shapes_match);
  m->set_forward_hook(nullptr);
  seen.clear();
  m->forward(random_tensor({2, 1, 28, 28}, 3), Mode::Train);
  REQUIRE(seen.empty());
}

TEST_CASE("model parameters, gradients and flops are consistent", "[model][model]") {
  auto m = build("tiny", "batch");
  std::size_t total = 0;
  std::map<std::string, int> names;
  for (auto& p : m->params()) {
    total += p.size;
    ++names[p.name];
  }
  REQUIRE(total == m->param_count());
  for (auto& [name, count] : names) REQUIRE(count == 1);  // unique state_dict keys
  REQUIRE(names.count("0.weight") == 1);
  REQUIRE(names.count("1.gamma") == 1);
  REQUIRE(names.count("8.bias") == 1);
  std::vector<std::string> buffers;
  for (auto& b : m->buffers()) buffers.push_back(b.name);
  REQUIRE(std::count(buffers.begin(), buffers.end(), "1.running_mean") == 1);
  REQUIRE(std::count(buffers.begin(), buffers.end(), "5.running_var") == 1);

  Tensor x = random_tensor({2, 1, 28, 28}, 4);  // kept alive for backward
  m->forward(x, Mode::Train);
  m->backward(random_tensor({2, 10, 1, 1}, 5));
  double norm = 0;
  for (auto& p : m->params())
    for (std::size_t i = 0; i < p.size; ++i) norm += std::fabs(p.grad[i]);
  REQUIRE(norm > 0);
  m->zero_grad();
  for (auto& p : m->params())
    for (std::size_t i = 0; i < p.size; ++i) REQUIRE(p.grad[i] == 0.0f);

  // The total is the sum over leaf layers at their own input shapes (norm layers count
  // their own multiply-adds too).
  double sum = 0;
  for (auto& l : m->layers()) sum += l.layer->forward_flops(l.input);
  const double flops = m->forward_flops_per_sample();
  REQUIRE(flops == sum);
  REQUIRE(m->training_flops_per_sample() == 3 * flops);
}

TEST_CASE("model backward matches finite differences through a whole preset",
          "[model][model]") {
  // mlp: sigmoid activations and layer-sample norms are smooth, so central differences
  // apply everywhere; gradcheck.hpp's loose float32 tolerances.
  auto m = build("mlp", "layer-sample", 5);
  normlab::test::GradCheckOptions o;
  o.max_probes = 16;
  normlab::test::check_gradients(m->net(), random_tensor({2, 1, 28, 28}, 6, 0.0f, 1.0f), 7, o);
}

TEST_CASE("model dropout masks follow the init seed", "[model][model]") {
  auto run = [](uint64_t seed) {
    auto m = build("baseline", "batch", 1);
    m->reseed_dropout(seed);
    Tensor x = random_tensor({2, 1, 28, 28}, 8);
    std::vector<float> out;
    for (int step = 0; step < 2; ++step) {
      const Tensor& y = m->forward(x, Mode::Train);
      out.insert(out.end(), y.data(), y.data() + y.size());
    }
    return out;
  };
  REQUIRE(run(3) == run(3));
  REQUIRE(run(3) != run(4));
  // init(seed) reseeds dropout too: two inits with one seed replay the same masks.
  auto m = build("baseline", "batch", 9);
  Tensor x = random_tensor({2, 1, 28, 28}, 8);
  const Tensor& y = m->forward(x, Mode::Train);
  std::vector<float> first(y.data(), y.data() + 20);
  m->init(9);
  const Tensor& again = m->forward(x, Mode::Train);
  REQUIRE(std::vector<float>(again.data(), again.data() + 20) == first);
}

TEST_CASE("model rejects a net whose output is not (classes,1,1)", "[model][model]") {
  auto net = std::make_unique<Sequential>();
  REQUIRE_THROWS_WITH(Model("custom", NormSpec{}, Shape{1, 1, 28, 28}, 10, std::move(net)),
                      Catch::Contains("(1,1,28,28)") && Catch::Contains("(1,10,1,1)"));
}
