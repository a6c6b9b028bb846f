#pragma once
// Stochastic gradient descent with PyTorch's update (torch.optim.SGD, dampening 0):
//   g = grad + wd·w
//   momentum > 0:  buf = g on the first step, else buf = μ·buf + g
//                  g = nesterov ? g + μ·buf : buf
//   w -= lr·g
// Validation: lr ≥ 0, momentum in [0,1), weight_decay ≥ 0 (all finite); nesterov needs momentum > 0.
#include "optimizer.hpp"

namespace normlab {

struct SgdOptions {
  double lr = 0.01;
  double momentum = 0.0;
  bool nesterov = false;
  double weight_decay = 0.0;
  bool decay_norm_and_bias = true;  // false: no decay on params with Param::decay == false
};

class Sgd final : public Optimizer {
 public:
  Sgd(std::vector<Param> params, SgdOptions options = {});
  void step() override;
  void reset() override;
  const SgdOptions& options() const { return o_; }
  // Momentum buffer of parameter k (empty before the first step or without momentum).
  const std::vector<float>& momentum_buffer(std::size_t k) const { return buf_[k]; }
  std::vector<std::vector<float>*> state_buffers() override;

 private:
  SgdOptions o_;
  std::vector<std::vector<float>> buf_;
};

}  // namespace normlab
