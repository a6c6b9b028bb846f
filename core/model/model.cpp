#include "model.hpp"

#include "../error.hpp"
#include "../layers/dropout.hpp"
#include "residual.hpp"

namespace normlab {

namespace {

// SplitMix64 finalizer: decorrelates the per-layer dropout seeds derived from one seed.
uint64_t mix(uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Visits the leaves under `layer` in forward order with their per-sample shapes.
template <class Visit>
void walk(Layer& layer, const std::string& name, const Shape& in, Visit& visit) {
  if (auto* seq = dynamic_cast<Sequential*>(&layer)) {
    Shape s = in;
    const std::string prefix = name.empty() ? "" : name + ".";
    for (auto& c : seq->named_children()) {
      walk(*c.layer, prefix + c.name, s, visit);
      s = c.layer->output_shape(s);
    }
  } else if (auto* res = dynamic_cast<Residual*>(&layer)) {
    for (auto& c : res->named_children()) walk(*c.layer, name + "." + c.name, in, visit);
  } else if (auto* other = dynamic_cast<Container*>(&layer)) {
    // A container this walker does not know: its children's shapes are unknown.
    for (auto& c : other->named_children()) walk(*c.layer, name + "." + c.name, Shape{}, visit);
  } else {
    visit(name, layer, in);
  }
}

}  // namespace

Model::Model(std::string preset, NormSpec norm, Shape input, int classes,
             std::unique_ptr<Sequential> net)
    : preset_(std::move(preset)), norm_(norm), input_(input), classes_(classes),
      net_(std::move(net)) {
  input_.n = 1;
  check_arg(net_ != nullptr, "model ", preset_, ": net must not be null");
  check_arg(classes_ > 0, "model ", preset_, ": classes must be positive, got ", classes_);
  const Shape out = net_->output_shape(input_);
  check_arg(out == Shape{1, classes_, 1, 1}, "model ", preset_, ": net maps ", input_.str(),
            " to ", out.str(), ", expected ", Shape{1, classes_, 1, 1}.str());
  net_->set_input_grad_wanted(false);  // training asks for no gradient of the images
}

const Tensor& Model::forward(const Tensor& x, Mode mode) {
  const Shape& s = x.shape();
  check_arg(s.n >= 1 && s.c == input_.c && s.h == input_.h && s.w == input_.w, "model ",
            preset_, ": input has shape ", s.str(), ", expected (N,", input_.c, ",", input_.h,
            ",", input_.w, ") with N >= 1");
  return net_->forward(x, mode);
}

const Tensor& Model::backward(const Tensor& dlogits) { return net_->backward(dlogits); }
void Model::backward_params(const Tensor& dlogits) { net_->backward_params(dlogits); }

void Model::init(uint64_t seed) {
  Rng rng(seed);
  net_->init(rng);
  reseed_dropout(seed);
}

void Model::reseed_dropout(uint64_t seed) {
  uint64_t k = 0;
  for (auto& info : layers()) {
    if (auto* d = dynamic_cast<Dropout*>(info.layer)) d->reseed(mix(seed ^ mix(++k)));
  }
}

std::vector<NamedLayer> Model::norm_layers() {
  std::vector<NamedLayer> out;
  for (auto& info : layers())
    if (is_norm_layer(*info.layer)) out.push_back({info.name, info.layer});
  return out;
}

std::vector<LayerInfo> Model::layers() {
  std::vector<LayerInfo> out;
  auto visit = [&](const std::string& name, Layer& layer, const Shape& in) {
    out.push_back({name, &layer, in, in.n > 0 ? layer.output_shape(in) : Shape{}});
  };
  walk(*net_, "", input_, visit);
  return out;
}

void Model::set_forward_hook(ForwardHook hook) {
  hook_ = std::move(hook);
  net_->set_forward_hook(hook_ ? &hook_ : nullptr);
}

}  // namespace normlab
