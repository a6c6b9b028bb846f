// Fuzzes the norm-spec parser, the norm layers it makes, and preset construction.
// Input: "<norm spec>" or "<norm spec>\n<preset name>".
//  - NormSpec::parse either returns a spec or throws ArgumentError naming the spec;
//  - an accepted spec is canonical after one str(): parse(str()) gives the same str(), and
//    its values are in range;
//  - make_norm on a few input shapes either refuses (ArgumentError) or gives a layer whose
//    train and eval forward passes are finite on finite input;
//  - with a preset name, make_model either builds the model or throws ArgumentError.
// Anything else (a crash, a sanitizer report, another exception) is a finding.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "core/error.hpp"
#include "core/model/norm_spec.hpp"
#include "core/model/presets.hpp"

using namespace normlab;

namespace {

[[noreturn]] void finding(const char* what, const std::string& detail = "") {
  std::fprintf(stderr, "norm_spec_fuzz: %s %s\n", what, detail.c_str());
  std::abort();
}

// Presets built on every input that names them: the ones that build in about a
// millisecond. The others (millions of parameters) would slow the fuzzer a thousandfold.
bool cheap_preset(const std::string& name) {
  static const char* const cheap[] = {"tiny", "vgg-mini", "convnext-mini", "lenet5", "mlp",
                                      "mlp-relu", "resnet-mini"};
  for (const char* c : cheap)
    if (name == c) return true;
  for (const std::string& known : preset_names())
    if (name == known) return false;
  return true;  // unknown names: make_model must refuse them
}

void check_layer(const NormSpec& spec, int c, int h, int w) {
  LayerPtr layer;
  try {
    layer = make_norm(spec, c, h, w);
  } catch (const ArgumentError& e) {
    if (std::strncmp(e.what(), "norm ", 5) != 0) finding("make_norm message:", e.what());
    return;
  }
  if (!layer) {
    if (spec.kind != NormKind::None) finding("no layer for", spec.str());
    return;
  }
  Tensor x(Shape{2, c, h, w});
  for (std::size_t i = 0; i < x.size(); ++i) x.data()[i] = float(int(i * 37 % 11) - 5) * 0.25f;
  for (Mode mode : {Mode::Train, Mode::Eval}) {
    const Tensor& y = layer->forward(x, mode);
    for (std::size_t i = 0; i < y.size(); ++i)
      if (!std::isfinite(y.data()[i])) finding("non-finite output of", spec.str());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  const std::size_t newline = input.find('\n');
  const std::string text = input.substr(0, newline);

  NormSpec spec;
  try {
    spec = NormSpec::parse(text);
  } catch (const ArgumentError& e) {
    if (std::strncmp(e.what(), "norm spec '", 11) != 0) finding("parse message:", e.what());
    return 0;
  }
  const std::string canonical = spec.str();
  NormSpec again;
  try {
    again = NormSpec::parse(canonical);
  } catch (const ArgumentError& e) {
    finding("str() of an accepted spec is refused:", e.what());
  }
  if (again.str() != canonical) finding("str() is not canonical:", canonical + " vs " + again.str());
  if (!(spec.momentum >= 0.0f && spec.momentum <= 1.0f)) finding("momentum out of range", canonical);
  if (!(spec.eps >= 0.0f && std::isfinite(spec.eps))) finding("eps out of range", canonical);
  if (spec.kind == NormKind::Group && spec.groups < 1) finding("group count below 1", canonical);

  check_layer(spec, 4, 3, 3);
  check_layer(spec, 6, 1, 1);
  check_layer(spec, 1, 2, 2);

  if (newline != std::string::npos) {
    const std::string preset = input.substr(newline + 1);
    if (!cheap_preset(preset)) return 0;
    try {
      auto model = make_model(preset, spec, 1);
      if (model->norm().str() != canonical) finding("model keeps another norm", canonical);
    } catch (const ArgumentError& e) {
      if (e.what()[0] == '\0') finding("empty make_model message");
    }
  }
  return 0;
}
