#include "squeeze_excite.hpp"

#include <utility>

#include "../error.hpp"
#include "../kernels/elementwise.hpp"

namespace normlab {
namespace {

// Runs before the inner convs are built, so errors name squeeze_excite, not conv2d.
int checked_channels(int channels, int reduced) {
  check_arg(channels > 0, "squeeze_excite: channels must be positive, got ", channels);
  check_arg(reduced > 0, "squeeze_excite: reduced_channels must be positive, got ", reduced);
  return channels;
}

}  // namespace

SqueezeExcite::SqueezeExcite(int channels, int reduced_channels)
    : channels_(checked_channels(channels, reduced_channels)),
      reduced_(reduced_channels),
      reduce_(channels, reduced_channels, 1),
      expand_(reduced_channels, channels, 1) {}

Shape SqueezeExcite::output_shape(const Shape& x) const {
  check_arg(x.n > 0, "squeeze_excite: empty batch, input ", x.str());
  check_arg(x.c == channels_, "squeeze_excite: input ", x.str(), " has ", x.c,
            " channels, expected ", channels_);
  check_arg(x.h > 0 && x.w > 0, "squeeze_excite: input ", x.str(), " has an empty plane");
  return x;
}

const Tensor& SqueezeExcite::forward(const Tensor& x, Mode mode) {
  x_ = g_ = nullptr;
  const Shape xs = output_shape(x.shape());
  const Tensor& s = pool_.forward(x, mode);
  const Tensor& gate =
      gate_.forward(expand_.forward(act_.forward(reduce_.forward(s, mode), mode), mode), mode);
  y_.resize(xs);
  const std::size_t plane = xs.plane();
  for (std::size_t nc = 0; nc < std::size_t(xs.n) * xs.c; ++nc)
    scale_shift_f32(x.data() + nc * plane, y_.data() + nc * plane, plane, gate[nc], 0.0f);
  x_ = &x;
  g_ = &gate;
  return y_;
}

const Tensor& SqueezeExcite::backward(const Tensor& dy) {
  check_arg(x_ != nullptr, "squeeze_excite: backward called before forward");
  check_arg(dy.shape() == y_.shape(), "squeeze_excite: dy has shape ", dy.shape().str(),
            ", expected ", y_.shape().str(), " (the output of the last forward)");
  const Shape& xs = x_->shape();
  const std::size_t plane = xs.plane(), planes = std::size_t(xs.n) * xs.c;
  const Tensor& gate = *g_;
  // y = x·gate: the gate's gradient is Σ_plane dy·x; x's direct share is dy·gate.
  dgate_.resize(gate.shape());
  Tensor& dx = input_grad(dx_);
  dx.resize(xs);
  for (std::size_t nc = 0; nc < planes; ++nc) {
    dgate_[nc] = float(dot_f32(dy.data() + nc * plane, x_->data() + nc * plane, plane));
    scale_shift_f32(dy.data() + nc * plane, dx.data() + nc * plane, plane, gate[nc], 0.0f);
  }
  // ...and its share through the pooled statistic that produced the gate.
  const Tensor& dx_pool =
      pool_.backward(reduce_.backward(act_.backward(expand_.backward(gate_.backward(dgate_)))));
  add_f32(dx.data(), dx_pool.data(), dx.data(), dx.size());
  return dx;
}

const Tensor& SqueezeExcite::gate() const {
  check_arg(g_ != nullptr, "squeeze_excite: gate() called before forward");
  return *g_;
}

std::vector<Param> SqueezeExcite::params() {
  std::vector<Param> ps;
  for (auto [prefix, conv] : {std::pair<const char*, Conv2d*>{"reduce.", &reduce_},
                              std::pair<const char*, Conv2d*>{"expand.", &expand_}}) {
    for (Param p : conv->params()) {
      p.name = prefix + p.name;
      ps.push_back(std::move(p));
    }
  }
  return ps;
}

std::vector<Layer*> SqueezeExcite::children() {
  return {&pool_, &reduce_, &act_, &expand_, &gate_};
}

void SqueezeExcite::init(Rng& rng) {
  reduce_.init(rng);
  expand_.init(rng);
}

double SqueezeExcite::forward_flops(const Shape&) const {
  return reduce_.forward_flops(Shape{1, channels_, 1, 1}) +
         expand_.forward_flops(Shape{1, reduced_, 1, 1});
}

}  // namespace normlab
