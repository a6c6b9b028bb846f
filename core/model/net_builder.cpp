#include "net_builder.hpp"

#include "../error.hpp"
#include "../layers/activation.hpp"
#include "../layers/dense.hpp"
#include "../layers/dropout.hpp"
#include "../layers/flatten.hpp"
#include "../layers/pool.hpp"
#include "residual.hpp"

namespace normlab {

NetBuilder::NetBuilder(Shape input, NormSpec norm, std::string context)
    : NetBuilder(input, norm, std::move(context), "") {}

NetBuilder::NetBuilder(Shape input, NormSpec norm, std::string context, std::string prefix)
    : shape_(input),
      norm_(norm),
      context_(std::move(context)),
      prefix_(std::move(prefix)),
      net_(std::make_unique<Sequential>()) {
  shape_.n = 1;
}

std::string NetBuilder::next_name() const { return prefix_ + std::to_string(net_->size()); }

NetBuilder& NetBuilder::add(LayerPtr layer) {
  check_arg(layer != nullptr, context_, ", layer ", next_name(), ": null layer");
  try {
    shape_ = layer->output_shape(shape_);
  } catch (const ArgumentError& e) {
    throw ArgumentError(msg(context_, ", layer ", next_name(), " (", layer->kind(), "): ",
                            e.what()));
  }
  net_->add(std::move(layer));
  return *this;
}

NetBuilder& NetBuilder::conv(int out_channels, int kernel, Conv2dOptions o) {
  return add(std::make_unique<Conv2d>(shape_.c, out_channels, kernel, o));
}

NetBuilder& NetBuilder::dense(int out_features, bool bias) {
  const std::size_t in = shape_.sample_size();
  return add(std::make_unique<Dense>(int(in), out_features, bias));
}

NetBuilder& NetBuilder::norm() {
  LayerPtr layer;
  try {
    layer = make_norm(norm_, shape_.c, shape_.h, shape_.w);
  } catch (const ArgumentError& e) {
    throw ArgumentError(msg(context_, ", layer ", next_name(), ": ", e.what()));
  }
  if (layer) add(std::move(layer));
  return *this;
}

NetBuilder& NetBuilder::relu() { return add(std::make_unique<Relu>()); }
NetBuilder& NetBuilder::silu() { return add(std::make_unique<Silu>()); }
NetBuilder& NetBuilder::gelu() { return add(std::make_unique<Gelu>()); }
NetBuilder& NetBuilder::sigmoid() { return add(std::make_unique<Sigmoid>()); }
NetBuilder& NetBuilder::max_pool(int kernel, int stride) {
  return add(std::make_unique<MaxPool2d>(kernel, stride));
}
NetBuilder& NetBuilder::global_avg_pool() { return add(std::make_unique<GlobalAvgPool2d>()); }
NetBuilder& NetBuilder::flatten() { return add(std::make_unique<Flatten>()); }
NetBuilder& NetBuilder::dropout(float p) { return add(std::make_unique<Dropout>(p)); }

NetBuilder NetBuilder::branch(const std::string& local) const {
  return NetBuilder(shape_, norm_, context_, next_name() + local);
}
NetBuilder NetBuilder::body() const { return branch(".body."); }
NetBuilder NetBuilder::shortcut() const { return branch(".shortcut."); }
NetBuilder NetBuilder::block() const { return branch("."); }

NetBuilder& NetBuilder::residual(NetBuilder&& body, NetBuilder&& shortcut) {
  LayerPtr sc;
  if (shortcut.net_->size() > 0) sc = shortcut.build();
  return add(std::make_unique<Residual>(body.build(), std::move(sc)));
}

NetBuilder& NetBuilder::residual(NetBuilder&& body) {
  return add(std::make_unique<Residual>(body.build()));
}

NetBuilder& NetBuilder::sequential(NetBuilder&& block) { return add(block.build()); }

}  // namespace normlab
