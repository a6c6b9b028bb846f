#pragma once
// Adam and AdamW with PyTorch's updates (torch.optim.Adam / AdamW, amsgrad off). At step t:
//   Adam:  g = grad + wd·w                  AdamW: w *= 1 − lr·wd;  g = grad
//   m = β1·m + (1−β1)·g
//   v = β2·v + (1−β2)·g²
//   w -= lr/(1−β1^t) · m / (√v/√(1−β2^t) + eps)
// Validation: lr ≥ 0, betas in [0,1), eps > 0, weight_decay ≥ 0 (all finite).
#include "optimizer.hpp"

namespace normlab {

struct AdamOptions {
  double lr = 1e-3;
  double beta1 = 0.9, beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0.0;
  bool decoupled = false;           // true: AdamW (decoupled weight decay)
  bool decay_norm_and_bias = true;  // false: no decay on params with Param::decay == false
};

class Adam final : public Optimizer {
 public:
  Adam(std::vector<Param> params, AdamOptions options = {});
  void step() override;
  void reset() override;
  const AdamOptions& options() const { return o_; }
  // First and second moment of parameter k (empty before the first step).
  const std::vector<float>& first_moment(std::size_t k) const { return m_[k]; }
  const std::vector<float>& second_moment(std::size_t k) const { return v_[k]; }
  std::vector<std::vector<float>*> state_buffers() override;

 private:
  AdamOptions o_;
  std::vector<std::vector<float>> m_, v_;
};

// AdamW: Adam with decoupled weight decay (PyTorch's default weight_decay for AdamW is 0.01).
inline AdamOptions adamw_options(double lr = 1e-3, double weight_decay = 0.01) {
  AdamOptions o;
  o.lr = lr;
  o.weight_decay = weight_decay;
  o.decoupled = true;
  return o;
}

}  // namespace normlab
