#pragma once
// The architecture presets, all for MNIST-shaped input (1×28×28) and 10 classes. Every
// norm slot of a preset gets make_norm(spec, …) for the shape at that point, so the spec
// alone decides the normalization ("none" removes every norm layer; names then shift).
// Every conv and dense layer keeps its bias whatever the norm, so models that differ only
// in their norm share all conv/dense weights at init (Model::init).
//   tiny               conv8-norm-relu-pool, conv16-norm-relu-pool, dense 784→10
//   vgg-mini           3×3 convs 8,8 | 16,16 | 32,32 with norm+relu, pools to 3×3, dense
//   resnet-mini        stem 16, basic blocks 16, 32/2, 64/2, global pool, dense
//   convnext-mini      2×2/2 stem 16, ConvNeXt blocks 16×2, 32×2, global pool, norm, dense
//   mlp, mlp-relu      784-100-100-100-10 with norm after each hidden dense; sigmoid / ReLU
//   baseline           conv 32, 64, pool, 128, pool, dropout, dense 256 + norm, dropout, dense
//   lenet5             conv 6 5×5, pool, conv 16 5×5, pool, dense 120, 84 (+norm), 10
//   alexnet            convs 64,192,384,256,256 with norm; dense 2304→1024→512→10, dropout
//   vgg16              13 convs with norm (64×2,128×2,256×3,512×3,512×3), dense 512→4096→4096→10
//   resnet18           stem 64, 4 stages × 2 basic blocks, dense 8192→512→10
//   efficientnet-lite0 stride-2 stem 32, 7 MBConv stages with squeeze-excite, 1×1 to 1280
//   convnext-tiny      4×4/2 stem 64, ConvNeXt stages 64,128,256,512 × 3,3,6,3
// presets.cpp documents each exactly.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "model.hpp"
#include "norm_spec.hpp"

namespace normlab {

// Builds the preset and initializes it with init(seed). Unknown preset → ArgumentError
// listing the valid names; a norm that cannot apply to one of the preset's norm slots
// (group:G not dividing its channels, instance norm after a dense layer) → ArgumentError
// naming the preset, the layer and its shape.
std::unique_ptr<Model> make_model(const std::string& preset, const NormSpec& norm,
                                  uint64_t seed);
const std::vector<std::string>& preset_names();
// One line describing the architecture; unknown preset → ArgumentError.
const std::string& preset_description(const std::string& preset);

}  // namespace normlab
