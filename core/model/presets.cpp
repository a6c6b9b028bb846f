#include "presets.hpp"

#include <algorithm>

#include "../error.hpp"
#include "../layers/squeeze_excite.hpp"
#include "net_builder.hpp"

namespace normlab {

namespace {

constexpr int kClasses = 10;
const Shape kInput{1, 1, 28, 28};  // MNIST, per sample

Conv2dOptions opts(int pad, int stride = 1, int groups = 1) {
  Conv2dOptions o;
  o.pad = pad;
  o.stride = stride;
  o.groups = groups;
  return o;
}

// conv 3×3 pad 1 → norm → ReLU
void conv_norm_relu(NetBuilder& b, int out, int stride = 1) {
  b.conv(out, 3, opts(1, stride)).norm().relu();
}

// ResNet basic block: relu(body(x) + shortcut(x)), body = conv3×3/s → norm → ReLU →
// conv3×3 → norm; the shortcut is a 1×1/s conv + norm where the shape changes.
void basic_block(NetBuilder& b, int out, int stride) {
  NetBuilder body = b.body();
  conv_norm_relu(body, out, stride);
  body.conv(out, 3, opts(1)).norm();
  NetBuilder shortcut = b.shortcut();
  if (stride != 1 || b.channels() != out) shortcut.conv(out, 1, opts(0, stride)).norm();
  b.residual(std::move(body), std::move(shortcut));
  b.relu();
}

// ConvNeXt block: x + project(gelu(expand(norm(dwconv7×7(x))))), expansion 4.
void convnext_block(NetBuilder& b) {
  const int c = b.channels();
  NetBuilder body = b.body();
  body.conv(c, 7, opts(3, 1, c)).norm().conv(4 * c, 1).gelu().conv(c, 1);
  b.residual(std::move(body));
}

// ConvNeXt downsampling between stages: norm → 2×2 stride-2 conv.
void convnext_downsample(NetBuilder& b, int out) { b.norm().conv(out, 2, opts(0, 2)); }

// EfficientNet MBConv: [1×1 expand → norm → SiLU] → depthwise k×k/s → norm → SiLU →
// squeeze-excite (reduced = max(1, in/4)) → 1×1 project → norm; residual when the shape
// is kept. Non-residual blocks are nested Sequentials, so each block is one child.
void mbconv(NetBuilder& b, int expand, int out, int stride, int kernel) {
  const int in = b.channels(), mid = in * expand;
  const bool residual = stride == 1 && in == out;
  NetBuilder body = residual ? b.body() : b.block();
  if (expand != 1) body.conv(mid, 1).norm().silu();
  body.conv(mid, kernel, opts(kernel / 2, stride, mid)).norm().silu();
  body.add(std::make_unique<SqueezeExcite>(mid, std::max(1, in / 4)));
  body.conv(out, 1).norm();
  if (residual) {
    b.residual(std::move(body));
  } else {
    b.sequential(std::move(body));
  }
}

void tiny(NetBuilder& b) {
  b.conv(8, 3, opts(1)).norm().relu().max_pool(2);   // 8×14×14
  b.conv(16, 3, opts(1)).norm().relu().max_pool(2);  // 16×7×7
  b.dense(kClasses);                                 // 784 → 10
}

// Six convs without shortcuts: deep enough that PyTorch's default init shrinks the
// signal layer by layer when no norm restores it. ≈3.7 MFLOP per sample.
void vgg_mini(NetBuilder& b) {
  for (int width : {8, 16, 32}) {
    conv_norm_relu(b, width);
    conv_norm_relu(b, width);
    b.max_pool(2);  // 28 → 14 → 7 → 3
  }
  b.dense(kClasses);  // 32·3·3 = 288 → 10
}

void resnet_mini(NetBuilder& b) {
  conv_norm_relu(b, 16);
  basic_block(b, 16, 1);  // 28×28
  basic_block(b, 32, 2);  // 14×14
  basic_block(b, 64, 2);  // 7×7
  b.global_avg_pool().dense(kClasses);
}

void convnext_mini(NetBuilder& b) {
  b.conv(16, 2, opts(0, 2)).norm();  // 16×14×14
  convnext_block(b);
  convnext_block(b);
  convnext_downsample(b, 32);  // 32×7×7
  convnext_block(b);
  convnext_block(b);
  b.global_avg_pool().norm().dense(kClasses);
}

// Ioffe & Szegedy's MNIST net: three hidden layers of 100, norm before the nonlinearity.
void mlp(NetBuilder& b, bool relu) {
  b.flatten();
  for (int i = 0; i < 3; ++i) {
    b.dense(100).norm();
    relu ? b.relu() : b.sigmoid();
  }
  b.dense(kClasses);
}
void mlp_sigmoid(NetBuilder& b) { mlp(b, false); }
void mlp_relu(NetBuilder& b) { mlp(b, true); }

void baseline(NetBuilder& b) {
  conv_norm_relu(b, 32);
  conv_norm_relu(b, 64);
  b.max_pool(2);  // 64×14×14
  conv_norm_relu(b, 128);
  b.max_pool(2);  // 128×7×7
  b.flatten().dropout(0.25f).dense(256).norm().relu().dropout(0.5f).dense(kClasses);
}

void lenet5(NetBuilder& b) {
  b.conv(6, 5, opts(2)).norm().relu().max_pool(2);  // 6×14×14
  b.conv(16, 5).norm().relu().max_pool(2);          // 16×5×5
  b.dense(120).norm().relu();                       // 400 → 120
  b.dense(84).norm().relu();
  b.dense(kClasses);
}

void alexnet(NetBuilder& b) {
  conv_norm_relu(b, 64);
  b.max_pool(2);  // 14×14
  conv_norm_relu(b, 192);
  b.max_pool(2);  // 7×7
  conv_norm_relu(b, 384);
  conv_norm_relu(b, 256);
  conv_norm_relu(b, 256);
  b.max_pool(2);  // 3×3: 256·3·3 = 2304
  b.flatten().dropout(0.5f).dense(1024).relu().dropout(0.5f).dense(512).relu();
  b.dense(kClasses);
}

void vgg16(NetBuilder& b) {
  const int widths[] = {64, 128, 256, 512, 512}, convs[] = {2, 2, 3, 3, 3};
  for (int blk = 0; blk < 5; ++blk) {
    for (int i = 0; i < convs[blk]; ++i) conv_norm_relu(b, widths[blk]);
    // 28 → 14 → 7 → 3 with stride 2, then 3 → 2 → 1 with stride 1.
    b.max_pool(2, blk < 3 ? 2 : 1);
  }
  b.flatten().dense(4096).relu().dropout(0.5f).dense(4096).relu().dropout(0.5f);
  b.dense(kClasses);
}

void resnet18(NetBuilder& b) {
  conv_norm_relu(b, 64);
  const int widths[] = {64, 128, 256, 512}, strides[] = {1, 2, 2, 2};
  for (int s = 0; s < 4; ++s) {  // 28 → 28 → 14 → 7 → 4
    basic_block(b, widths[s], strides[s]);
    basic_block(b, widths[s], 1);
  }
  b.flatten().dense(512).relu().dropout(0.5f).dense(kClasses);  // 512·4·4 = 8192 → 512
}

void efficientnet_lite0(NetBuilder& b) {
  b.conv(32, 3, opts(1, 2)).norm().silu();  // 32×14×14
  struct Stage { int expand, channels, repeats, stride, kernel; };
  const Stage stages[] = {{1, 16, 1, 1, 3},  {6, 24, 2, 2, 3},  {6, 40, 2, 2, 5},
                          {6, 80, 3, 2, 3},  {6, 112, 3, 1, 5}, {6, 192, 3, 1, 5},
                          {6, 320, 1, 1, 3}};  // spatial 14 → 14 → 7 → 4 → 2 → 2 → 2 → 2
  for (const Stage& s : stages)
    for (int r = 0; r < s.repeats; ++r)
      mbconv(b, s.expand, s.channels, r == 0 ? s.stride : 1, s.kernel);
  b.conv(1280, 1).norm().silu().global_avg_pool().dense(kClasses);
}

void convnext_tiny(NetBuilder& b) {
  b.conv(64, 4, opts(1, 2)).norm();  // 64×14×14
  const int widths[] = {64, 128, 256, 512}, depths[] = {3, 3, 6, 3};
  for (int s = 0; s < 4; ++s) {  // 14 → 7 → 3 → 1
    if (s > 0) convnext_downsample(b, widths[s]);
    for (int i = 0; i < depths[s]; ++i) convnext_block(b);
  }
  b.global_avg_pool().norm().dense(kClasses);
}

struct Preset {
  std::string name, description;
  void (*build)(NetBuilder&);
};

const std::vector<Preset>& registry() {
  static const std::vector<Preset> presets{
      {"tiny", "conv 8 → norm → ReLU → pool, conv 16 → norm → ReLU → pool, dense 784→10", tiny},
      {"vgg-mini", "six 3×3 convs (8,8 | 16,16 | 32,32) with norm and ReLU, pools, dense 288→10",
       vgg_mini},
      {"resnet-mini", "stem conv 16, basic blocks 16, 32/2, 64/2, global pool, dense 64→10",
       resnet_mini},
      {"convnext-mini",
       "2×2/2 stem 16, ConvNeXt blocks 16×2 and 32×2, global pool, norm, dense 32→10",
       convnext_mini},
      {"mlp", "784-100-100-100-10, norm then sigmoid after each hidden layer (Ioffe & Szegedy)",
       mlp_sigmoid},
      {"mlp-relu", "784-100-100-100-10, norm then ReLU after each hidden layer", mlp_relu},
      {"baseline",
       "conv 32, 64, pool, 128, pool (norm+ReLU), dropout 0.25, dense 6272→256 + norm, dropout "
       "0.5, dense 256→10",
       baseline},
      {"lenet5", "conv 6 5×5, pool, conv 16 5×5, pool, dense 400→120→84→10 (norm+ReLU)", lenet5},
      {"alexnet",
       "convs 64, 192, 384, 256, 256 (norm+ReLU), pools to 3×3, dense 2304→1024→512→10 with "
       "dropout",
       alexnet},
      {"vgg16", "13 convs 64×2, 128×2, 256×3, 512×3, 512×3 (norm+ReLU), dense 512→4096→4096→10",
       vgg16},
      {"resnet18", "stem 64, stages 64, 128, 256, 512 of two basic blocks, dense 8192→512→10",
       resnet18},
      {"efficientnet-lite0",
       "stem 32/2, seven MBConv stages with squeeze-excite and SiLU, 1×1 conv 1280, dense",
       efficientnet_lite0},
      {"convnext-tiny", "4×4/2 stem 64, ConvNeXt stages 64, 128, 256, 512 × 3, 3, 6, 3, dense",
       convnext_tiny},
  };
  return presets;
}

const Preset& find(const std::string& name) {
  for (const Preset& p : registry())
    if (p.name == name) return p;
  std::string valid;
  for (const Preset& p : registry()) valid += (valid.empty() ? "" : ", ") + p.name;
  throw ArgumentError(msg("unknown preset '", name, "'; valid: ", valid));
}

}  // namespace

std::unique_ptr<Model> make_model(const std::string& preset, const NormSpec& norm,
                                  uint64_t seed) {
  const Preset& p = find(preset);
  NetBuilder b(kInput, norm, msg("preset ", p.name, " with norm ", norm.str()));
  p.build(b);
  auto model = std::make_unique<Model>(p.name, norm, kInput, kClasses, b.build());
  model->init(seed);
  return model;
}

const std::vector<std::string>& preset_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const Preset& p : registry()) out.push_back(p.name);
    return out;
  }();
  return names;
}

const std::string& preset_description(const std::string& preset) {
  return find(preset).description;
}

}  // namespace normlab
