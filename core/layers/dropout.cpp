#include "dropout.hpp"

#include <algorithm>

#include "../error.hpp"

namespace normlab {

Dropout::Dropout(float p, uint64_t seed) : p_(p), rng_(seed, kStream) {
  // Written so that NaN fails too.
  check_arg(p >= 0.0f && p < 1.0f, "dropout: p must be in [0, 1), got ", p);
}

void Dropout::reseed(uint64_t seed) { rng_.reseed(seed, kStream); }

Shape Dropout::output_shape(const Shape& x) const {
  check_arg(x.n > 0, "dropout: empty batch, input ", x.str());
  check_arg(x.c > 0 && x.h > 0 && x.w > 0, "dropout: input ", x.str(),
            " has an empty dimension");
  return x;
}

const Tensor& Dropout::forward(const Tensor& x, Mode mode) {
  ready_ = false;
  y_.resize(output_shape(x.shape()));
  mode_ = mode;
  if (mode == Mode::Eval) {
    std::copy(x.data(), x.data() + x.size(), y_.data());
  } else {
    const std::size_t n = x.size();
    const float scale = 1.0f / (1.0f - p_);
    kept_.assign((n + 31) / 32, 0u);
    for (std::size_t i = 0; i < n; ++i) {
      const bool keep = !(rng_.uniform() < p_);
      kept_[i / 32] |= uint32_t(keep) << (i % 32);
      y_[i] = x[i] * (keep ? scale : 0.0f);  // 0·x, not 0: NaN and ∞ stay NaN, as in PyTorch
    }
  }
  ready_ = true;
  return y_;
}

const Tensor& Dropout::backward(const Tensor& dy) {
  check_arg(ready_, "dropout: backward called before forward");
  check_arg(dy.shape() == y_.shape(), "dropout: dy has shape ", dy.shape().str(), ", expected ",
            y_.shape().str(), " (the output of the last forward)");
  Tensor& dx = input_grad(dx_);
  dx.resize(dy.shape());
  if (mode_ == Mode::Eval) {
    if (&dx != &dy) std::copy(dy.data(), dy.data() + dy.size(), dx.data());
  } else {
    const float scale = 1.0f / (1.0f - p_);
    for (std::size_t i = 0; i < dy.size(); ++i) dx[i] = dy[i] * (kept(i) ? scale : 0.0f);
  }
  return dx;
}

}  // namespace normlab
