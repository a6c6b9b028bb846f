#include "core/model/presets.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

#include "core/error.hpp"
#include "support/check.hpp"

using namespace normlab;
using normlab::test::random_tensor;

namespace {

const char* const kNorms[] = {"none", "batch", "layer-channels", "layer-sample", "group:2",
                              "instance"};

// Presets whose architecture puts a norm on a (C,1,1) activation (after a dense layer or a
// global pool): instance norm would normalize single values there, so it is rejected.
bool rejects_instance(const std::string& preset) {
  for (const char* p : {"mlp", "mlp-relu", "baseline", "lenet5", "convnext-mini", "convnext-tiny"})
    if (preset == p) return true;
  return false;
}

// ---- independent parameter counts, from the architectures as documented ----

struct Counter {
  std::string norm;
  std::size_t total = 0;
  void conv(int in, int out, int k, int groups = 1) {
    total += std::size_t(out) * (in / groups) * k * k + out;  // weight + bias
  }
  void dense(int in, int out) { total += std::size_t(in) * out + out; }
  void norm_at(int c, int h, int w = -1) {
    if (w < 0) w = h;
    if (norm == "none") return;
    // layer-sample is elementwise affine over (C,H,W); the others are per channel.
    total += norm == "layer-sample" ? 2 * std::size_t(c) * h * w : 2 * std::size_t(c);
  }
};

int out_size(int in, int k, int stride, int pad) { return (in + 2 * pad - k) / stride + 1; }

std::size_t expected_params(const std::string& preset, const std::string& norm) {
  Counter n{norm};
  if (preset == "tiny") {
    n.conv(1, 8, 3), n.norm_at(8, 28), n.conv(8, 16, 3), n.norm_at(16, 14), n.dense(784, 10);
  } else if (preset == "vgg-mini") {
    int c = 1, s = 28;
    for (int w : {8, 16, 32}) {
      n.conv(c, w, 3), n.norm_at(w, s), n.conv(w, w, 3), n.norm_at(w, s);
      c = w, s /= 2;
    }
    n.dense(32 * 3 * 3, 10);
  } else if (preset == "resnet-mini" || preset == "resnet18") {
    const bool mini = preset == "resnet-mini";
    const int stem = mini ? 16 : 64;
    n.conv(1, stem, 3), n.norm_at(stem, 28);
    int c = stem, s = 28;
    std::vector<std::pair<int, int>> blocks;  // (width, stride)
    if (mini) blocks = {{16, 1}, {32, 2}, {64, 2}};
    else blocks = {{64, 1}, {64, 1}, {128, 2}, {128, 1}, {256, 2}, {256, 1}, {512, 2}, {512, 1}};
    for (auto [w, stride] : blocks) {
      const int so = out_size(s, 3, stride, 1);
      n.conv(c, w, 3), n.norm_at(w, so), n.conv(w, w, 3), n.norm_at(w, so);
      if (stride != 1 || c != w) n.conv(c, w, 1), n.norm_at(w, so);
      c = w, s = so;
    }
    if (mini) n.dense(64, 10);
    else n.dense(512 * 4 * 4, 512), n.dense(512, 10);
  } else if (preset == "convnext-mini" || preset == "convnext-tiny") {
    const bool mini = preset == "convnext-mini";
    std::vector<int> widths = mini ? std::vector<int>{16, 32} : std::vector<int>{64, 128, 256, 512};
    std::vector<int> depths = mini ? std::vector<int>{2, 2} : std::vector<int>{3, 3, 6, 3};
    int s = 14, c = widths[0];
    n.conv(1, c, mini ? 2 : 4), n.norm_at(c, s);
    for (std::size_t st = 0; st < widths.size(); ++st) {
      if (st > 0) {
        n.norm_at(c, s), n.conv(c, widths[st], 2);
        c = widths[st], s = out_size(s, 2, 2, 0);
      }
      for (int b = 0; b < depths[st]; ++b)
        n.conv(c, c, 7, c), n.norm_at(c, s), n.conv(c, 4 * c, 1), n.conv(4 * c, c, 1);
    }
    n.norm_at(c, 1), n.dense(c, 10);
  } else if (preset == "mlp" || preset == "mlp-relu") {
    n.dense(784, 100), n.norm_at(100, 1);
    n.dense(100, 100), n.norm_at(100, 1);
    n.dense(100, 100), n.norm_at(100, 1);
    n.dense(100, 10);
  } else if (preset == "baseline") {
    n.conv(1, 32, 3), n.norm_at(32, 28), n.conv(32, 64, 3), n.norm_at(64, 28);
    n.conv(64, 128, 3), n.norm_at(128, 14);
    n.dense(6272, 256), n.norm_at(256, 1), n.dense(256, 10);
  } else if (preset == "lenet5") {
    n.conv(1, 6, 5), n.norm_at(6, 28), n.conv(6, 16, 5), n.norm_at(16, 10);
    n.dense(400, 120), n.norm_at(120, 1), n.dense(120, 84), n.norm_at(84, 1), n.dense(84, 10);
  } else if (preset == "alexnet") {
    n.conv(1, 64, 3), n.norm_at(64, 28), n.conv(64, 192, 3), n.norm_at(192, 14);
    n.conv(192, 384, 3), n.norm_at(384, 7), n.conv(384, 256, 3), n.norm_at(256, 7);
    n.conv(256, 256, 3), n.norm_at(256, 7);
    n.dense(2304, 1024), n.dense(1024, 512), n.dense(512, 10);
  } else if (preset == "vgg16") {
    const int widths[] = {64, 128, 256, 512, 512}, convs[] = {2, 2, 3, 3, 3};
    const int sizes[] = {28, 14, 7, 3, 2};
    int c = 1;
    for (int b = 0; b < 5; ++b)
      for (int i = 0; i < convs[b]; ++i) n.conv(c, widths[b], 3), n.norm_at(widths[b], sizes[b]), c = widths[b];
    n.dense(512, 4096), n.dense(4096, 4096), n.dense(4096, 10);
  } else if (preset == "efficientnet-lite0") {
    n.conv(1, 32, 3), n.norm_at(32, 14);
    int c = 32, s = 14;
    const int stages[][5] = {{1, 16, 1, 1, 3}, {6, 24, 2, 2, 3}, {6, 40, 2, 2, 5}, {6, 80, 3, 2, 3},
                             {6, 112, 3, 1, 5}, {6, 192, 3, 1, 5}, {6, 320, 1, 1, 3}};
    for (auto& st : stages) {
      for (int r = 0; r < st[2]; ++r) {
        const int e = st[0], out = st[1], stride = r == 0 ? st[3] : 1, k = st[4];
        const int mid = c * e, so = out_size(s, k, stride, k / 2), red = std::max(1, c / 4);
        if (e != 1) n.conv(c, mid, 1), n.norm_at(mid, s);
        n.conv(mid, mid, k, mid), n.norm_at(mid, so);
        n.conv(mid, red, 1), n.conv(red, mid, 1);  // squeeze-excite
        n.conv(mid, out, 1), n.norm_at(out, so);
        c = out, s = so;
      }
    }
    n.conv(320, 1280, 1), n.norm_at(1280, s), n.dense(1280, 10);
  } else {
    FAIL("no expected count for " << preset);
  }
  return n.total;
}

bool all_finite(const Tensor& t) {
  for (std::size_t i = 0; i < t.size(); ++i)
    if (!std::isfinite(t[i])) return false;
  return true;
}

// Train forward + backward at `batch`, then an eval forward; checks shapes and finiteness.
void exercise(Model& m, int batch, bool backward) {
  Tensor x = random_tensor({batch, 1, 28, 28}, 11, 0.0f, 1.0f);
  if (backward) {
    const Tensor& y = m.forward(x, Mode::Train);
    REQUIRE(y.shape() == Shape{batch, 10, 1, 1});
    REQUIRE(all_finite(y));
    const Tensor& dx = m.backward(random_tensor(y.shape(), 12));
    REQUIRE(dx.shape() == x.shape());
    REQUIRE(all_finite(dx));
    bool grads_finite = true;
    for (auto& p : m.params())
      for (std::size_t i = 0; i < p.size; ++i) grads_finite &= std::isfinite(p.grad[i]);
    REQUIRE(grads_finite);
  }
  const Tensor& y = m.forward(x, Mode::Eval);
  REQUIRE(y.shape() == Shape{batch, 10, 1, 1});
  REQUIRE(all_finite(y));
}

}  // namespace

TEST_CASE("preset names are listed and unknown presets are rejected with the list",
          "[model][presets]") {
  const auto& names = preset_names();
  REQUIRE(names.size() == 13);
  for (const char* want : {"tiny", "vgg-mini", "resnet-mini", "convnext-mini", "mlp", "mlp-relu",
                           "baseline", "lenet5", "alexnet", "vgg16", "resnet18",
                           "efficientnet-lite0", "convnext-tiny"})
    REQUIRE(std::count(names.begin(), names.end(), want) == 1);
  for (auto& n : names) REQUIRE_FALSE(preset_description(n).empty());
  REQUIRE_THROWS_AS(make_model("resnet50", NormSpec{}, 0), ArgumentError);
  REQUIRE_THROWS_WITH(make_model("resnet50", NormSpec{}, 0),
                      Catch::Contains("unknown preset 'resnet50'") &&
                          Catch::Contains("tiny, vgg-mini") && Catch::Contains("convnext-tiny"));
}

TEST_CASE("tiny with batch norm has 9146 parameters", "[model][presets]") {
  // conv 1→8: 8·9+8 = 80, BN 16, conv 8→16: 16·72+16 = 1168, BN 32, dense 784·10+10 = 7850.
  REQUIRE(make_model("tiny", NormSpec::parse("batch"), 0)->param_count() == 9146);
  REQUIRE(make_model("tiny", NormSpec::parse("none"), 0)->param_count() == 9098);
}

static bool is_heavy(const std::string& preset) {
  for (const char* p : {"alexnet", "vgg16", "resnet18", "efficientnet-lite0", "convnext-tiny"})
    if (preset == p) return true;
  return false;
}

TEST_CASE("every light preset's parameter count matches its architecture for every norm",
          "[model][presets]") {
  // The heavy presets' counts are checked in the next test, which builds them anyway.
  for (const auto& preset : preset_names()) {
    if (is_heavy(preset)) continue;
    for (const char* norm : kNorms) {
      if (std::string(norm) == "instance" && rejects_instance(preset)) continue;
      INFO(preset << " with " << norm);
      REQUIRE(make_model(preset, NormSpec::parse(norm), 0)->param_count() ==
              expected_params(preset, norm));
    }
  }
}

TEST_CASE("every preset runs forward and backward with every norm that applies",
          "[model][presets]") {
  for (const auto& preset : preset_names()) {
    for (const char* norm : kNorms) {
      INFO(preset << " with " << norm);
      const std::string name = norm;
      const NormSpec spec = NormSpec::parse(norm);
      if (name == "instance" && rejects_instance(preset)) {
        REQUIRE_THROWS_WITH(make_model(preset, spec, 1),
                            Catch::Contains("preset " + preset) &&
                                Catch::Contains("instance norm"));
        continue;
      }
      if (!is_heavy(preset)) {
        auto m = make_model(preset, spec, 1);
        exercise(*m, 2, true);
        continue;
      }
      // Heavy presets (0.1–1.5 s to build, up to 0.9 GFLOP per sample): batch norm with a
      // train forward + backward at batch 1 (2 for convnext-tiny, whose last norms see 1×1
      // maps and BatchNorm needs more than one value per channel in train mode), and
      // layer-sample in eval at batch 1 (not vgg16: 34M parameters, the slowest build).
      // Both also check the parameter count. The other norms share their code paths with
      // the light presets above.
      if (name != "batch" && (name != "layer-sample" || preset == "vgg16")) continue;
      auto m = make_model(preset, spec, 1);
      REQUIRE(m->param_count() == expected_params(preset, norm));
      exercise(*m, preset == "convnext-tiny" ? 2 : 1, name == "batch");
    }
  }
}

TEST_CASE("presets reject group counts that do not divide a norm layer's channels",
          "[model][presets]") {
  REQUIRE_THROWS_WITH(make_model("tiny", NormSpec::parse("group:3"), 0),
                      Catch::Contains("preset tiny") && Catch::Contains("layer 1") &&
                          Catch::Contains("8 channels"));
  REQUIRE_THROWS_WITH(make_model("lenet5", NormSpec::parse("group:4"), 0),
                      Catch::Contains("6 channels"));
  REQUIRE_NOTHROW(make_model("tiny", NormSpec::parse("group:8"), 0));
}

TEST_CASE("preset flops follow the layer shapes", "[model][presets]") {
  // Without norms only convs and dense layers count (2 per multiply-add).
  auto tiny = make_model("tiny", NormSpec::parse("none"), 0);
  REQUIRE(tiny->forward_flops_per_sample() == 2.0 * (8 * 9 * 784 + 16 * 72 * 196 + 784 * 10));
  REQUIRE(tiny->training_flops_per_sample() == 3 * tiny->forward_flops_per_sample());
  // resnet-mini: stem, block 16 (2 convs at 28²), block 32 (s2 conv, conv, 1×1 shortcut at
  // 14²), block 64 (same at 7²), dense 64→10.
  const double resnet = 2.0 * (16 * 9 * 784 + 2 * 16 * 144 * 784 + 32 * 144 * 196 +
                               32 * 288 * 196 + 32 * 16 * 196 + 64 * 288 * 49 + 64 * 576 * 49 +
                               64 * 32 * 49 + 64 * 10);
  REQUIRE(make_model("resnet-mini", NormSpec::parse("none"), 0)->forward_flops_per_sample() ==
          resnet);
  // With a norm, its layers add their own count at their own shapes.
  auto m = make_model("resnet-mini", NormSpec::parse("layer-sample"), 0);
  double norms = 0;
  for (auto& l : m->layers())
    if (is_norm_layer(*l.layer)) norms += l.layer->forward_flops(l.input);
  REQUIRE(norms > 0);
  REQUIRE(m->forward_flops_per_sample() == resnet + norms);
}
