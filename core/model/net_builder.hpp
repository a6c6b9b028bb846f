#pragma once
// Builds a Sequential while tracking the per-sample shape (n = 1) after each layer, so
// presets never type a derived size by hand: dense(out) reads its input size from the
// shape, norm() makes the spec's layer for the current (C,H,W). Errors are prefixed with
// the preset and the hierarchical name the failing layer would get ("preset tiny, layer 1:").
#include <memory>
#include <string>

#include "../layers/conv2d.hpp"
#include "norm_spec.hpp"
#include "sequential.hpp"

namespace normlab {

class NetBuilder {
 public:
  // context names the net in errors, e.g. "preset tiny"; input is per sample (n ignored).
  NetBuilder(Shape input, NormSpec norm, std::string context);

  const Shape& shape() const { return shape_; }
  int channels() const { return shape_.c; }
  const NormSpec& norm_spec() const { return norm_; }

  NetBuilder& add(LayerPtr layer);
  NetBuilder& conv(int out_channels, int kernel, Conv2dOptions o = {});
  NetBuilder& dense(int out_features, bool bias = true);
  NetBuilder& norm();  // the spec's norm for the current shape; nothing for none
  NetBuilder& relu();
  NetBuilder& silu();
  NetBuilder& gelu();
  NetBuilder& sigmoid();
  NetBuilder& max_pool(int kernel, int stride = 0);
  NetBuilder& global_avg_pool();
  NetBuilder& flatten();
  NetBuilder& dropout(float p);

  // Builders for the branches of the residual block that will be added next; they start
  // at the current shape.
  NetBuilder body() const;
  NetBuilder shortcut() const;
  // Appends Residual(body, shortcut); a shortcut with no layers is the identity.
  NetBuilder& residual(NetBuilder&& body, NetBuilder&& shortcut);
  NetBuilder& residual(NetBuilder&& body);
  // Appends the layers of `block` (started with block()) as one nested Sequential.
  NetBuilder block() const;
  NetBuilder& sequential(NetBuilder&& block);

  std::unique_ptr<Sequential> build() { return std::move(net_); }

 private:
  NetBuilder(Shape input, NormSpec norm, std::string context, std::string prefix);
  std::string next_name() const;  // hierarchical name of the next layer
  NetBuilder branch(const std::string& local) const;

  Shape shape_;
  NormSpec norm_;
  std::string context_, prefix_;
  std::unique_ptr<Sequential> net_;
};

}  // namespace normlab
