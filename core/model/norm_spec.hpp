#pragma once
// Which normalization a preset puts in each of its norm slots, as a string:
//   <kind>[,<option>=<value>]...
//   kind:    none | batch | layer-channels | layer-sample | group:G | instance
//   options: momentum=M            (batch; in [0,1], default 0.1)
//            running_var=unbiased|biased   (batch; default unbiased, as PyTorch)
//            eps=E                 (any norm; > 0; default: the layer's own, 1e-5,
//                                   1e-6 for layer-channels)
//            affine=true|false     (any norm; default true)
// e.g. "batch", "group:4", "batch,momentum=0.01,running_var=biased".
// str() is canonical (defaults omitted) and parse(str()) gives back the same spec, so it
// is what model files store.
#include <string>
#include <vector>

#include "../layers/layer.hpp"

namespace normlab {

enum class NormKind { None, Batch, LayerChannels, LayerSample, Group, Instance };

struct NormSpec {
  NormKind kind = NormKind::None;
  int groups = 0;                    // group:G only, G ≥ 1
  float momentum = 0.1f;             // batch only
  bool unbiased_running_var = true;  // batch only
  float eps = 0.0f;                  // 0: the layer's default
  bool affine = true;

  // Throws ArgumentError naming the bad part and listing the valid kinds and options.
  static NormSpec parse(const std::string& text);
  std::string str() const;

  bool operator==(const NormSpec& o) const;
  bool operator!=(const NormSpec& o) const { return !(*this == o); }
};

// The kinds in parse syntax ("group:G" stands for any G), for UIs and error messages.
const std::vector<std::string>& norm_kind_names();

// The norm layer for an input of `channels`×height×width per sample (after a Dense layer:
// channels×1×1), or nullptr for none:
//   batch → BatchNorm2d(C), layer-channels → LayerNorm2dChannels(C),
//   layer-sample → LayerNorm2dSample(C,H,W), group:G → GroupNorm(G,C),
//   instance → GroupNorm(C,C).
// Throws ArgumentError when G does not divide C, or when the norm would normalize single
// values (instance at 1×1, group:G with (C/G)·H·W = 1, layer-channels with C = 1): the
// output would be β whatever the input, so the layer could never learn.
LayerPtr make_norm(const NormSpec& spec, int channels, int height, int width);

// True for the layers make_norm creates (by kind()).
bool is_norm_layer(const Layer& layer);

}  // namespace normlab
