#pragma once
// The optimizer interface: updates a fixed list of parameters (value and grad buffers owned
// by the layers, see layers/layer.hpp) from their gradients. It reads grads and never clears
// them (the trainer calls zero_grad). Hyperparameters are validated on construction and in
// set_lr, with ArgumentError naming the value. Weight decay applies to every parameter, as
// PyTorch does without parameter groups; decay_norm_and_bias = false skips params whose
// Param::decay is false (biases, norm gamma/beta).
#include <string>
#include <vector>

#include "../layers/layer.hpp"

namespace normlab {

class Optimizer {
 public:
  virtual ~Optimizer() = default;

  const std::string& name() const { return name_; }  // "sgd", "adam", "adamw"
  // One update of every parameter with the current learning rate.
  virtual void step() = 0;
  // Forget the state (momentum buffers, moments, step count); the next step is a first step.
  virtual void reset() = 0;

  double lr() const { return lr_; }
  void set_lr(double lr);  // the schedule calls this before each step
  long steps() const { return steps_; }

  // What a trainer checkpoint saves and restores (train/checkpoint.hpp): the per-parameter
  // state vectors (SGD: one momentum buffer per param; Adam: every first moment, then every
  // second moment), each empty or as long as its parameter, and the step count.
  virtual std::vector<std::vector<float>*> state_buffers() = 0;
  void set_steps(long steps) { steps_ = steps; }
  const std::vector<Param>& params() const { return params_; }

 protected:
  Optimizer(std::string name, std::vector<Param> params, double lr);
  // Weight decay of parameter k: `weight_decay`, or 0 when it is skipped for that param.
  double decay_of(std::size_t k, double weight_decay, bool decay_norm_and_bias) const;

  std::string name_;
  std::vector<Param> params_;
  double lr_ = 0.0;
  long steps_ = 0;
};

// Throws ArgumentError "<who>: <what> = <value>, expected ..." unless lo ≤ v (< or ≤) hi.
void check_hyper(const char* who, const char* what, double v, double lo, double hi,
                 bool hi_inclusive);

}  // namespace normlab
