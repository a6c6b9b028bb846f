#pragma once
// Probes: what the charts read, sampled every `every` training steps into bounded ring
// buffers. Off (every = 0) they cost nothing: no hook is installed and nothing is computed
// (computations() stays 0). One sample (ProbeSample) holds, for the step it was taken at:
//  - norms: for every normalization layer, the per-channel mean and biased variance of its
//    INPUT over the batch (BatchNorm: the layer's own batch statistics; other norms: computed
//    from the tensor that feeds the layer), BatchNorm's running mean/variance (empty for the
//    others), gamma/beta (empty without affine) and values_per_statistic.
//  - activations: for every leaf layer, mean/std/percentiles of its output
//    (activation_stats.hpp), the percentiles of its channel 0 alone over the batch (one
//    unit, as in Ioffe & Szegedy's Figure 1) and, for ReLU layers, the fraction of dead
//    units (−1 otherwise).
//  - params: for every parameter tensor, ‖grad‖₂ (after clipping: what the optimizer used),
//    ‖w‖₂ before the update and ‖Δw‖₂/‖w‖₂ of this step's update (0 when ‖w‖ = 0).
// Plain structs of floats and vectors, so the bindings can copy them out.
// Sequence of one probed step (the trainer drives it):
//   begin_forward() → model.forward → end_forward(x) → backward → before_update(params) →
//   optimizer step → after_update(step, epoch, loss, lr, params).
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "../model/model.hpp"
#include "activation_stats.hpp"
#include "ring_buffer.hpp"

namespace normlab {

struct ProbeConfig {
  int every = 0;                    // sample every K steps (step % K == 0); 0 = off
  int capacity = 256;               // samples kept (oldest dropped)
  int activation_sample = 4096;     // values per tensor used for percentiles
};

struct NormProbe {
  std::string name, kind;           // "4", "batch_norm2d"
  float values_per_statistic = 0;   // what each of the layer's statistics averaged over
  std::vector<float> batch_mean, batch_var;      // [C], of the layer's input
  std::vector<float> running_mean, running_var;  // [C], BatchNorm only
  std::vector<float> gamma, beta;                // affine params, if any
};

struct ActivationProbe {
  std::string name, kind;
  float mean = 0, std = 0, p15 = 0, p50 = 0, p85 = 0;
  float unit_p15 = 0, unit_p50 = 0, unit_p85 = 0;  // channel 0 over the batch
  float dead_fraction = -1;  // ReLU layers only
};

struct ParamProbe {
  std::string name;  // hierarchical: "3.weight"
  float grad_norm = 0, weight_norm = 0, update_ratio = 0;
};

struct ProbeSample {
  long step = 0;
  int epoch = 0;
  float loss = 0, lr = 0;
  std::vector<NormProbe> norms;
  std::vector<ActivationProbe> activations;
  std::vector<ParamProbe> params;
};

class Prober {
 public:
  Prober(Model& model, ProbeConfig config);
  ~Prober();
  Prober(const Prober&) = delete;
  Prober& operator=(const Prober&) = delete;

  const ProbeConfig& config() const { return config_; }
  bool enabled() const { return config_.every > 0; }
  bool due(long step) const { return enabled() && step % config_.every == 0; }

  void begin_forward();
  void end_forward(const Tensor& x);  // x: the batch the forward ran on
  void before_update(const std::vector<Param>& params);
  void after_update(long step, int epoch, double loss, double lr, const std::vector<Param>& params);
  // Drops a sample begun but not finished (e.g. the step diverged) and removes the hook.
  void abort();

  const RingBuffer<ProbeSample>& samples() const { return samples_; }
  void clear() { samples_.clear(); }
  long computations() const { return computations_; }

 private:
  // Where a layer's input comes from: the model input, a leaf's output, or a sum of those
  // (a residual block's output); unknown below containers of other kinds.
  struct Source {
    enum Kind { Input, Leaf, Sum, Unknown } kind = Unknown;
    std::string leaf;
    std::vector<Source> terms;
  };
  Source trace(Layer& node, const std::string& name, const std::string& prefix, Source input);
  const Tensor* materialize(const Source& s, const Tensor& x, std::deque<Tensor>& temps) const;

  Model& model_;
  ProbeConfig config_;
  std::vector<NamedLayer> norm_layers_;
  std::map<std::string, Source> norm_inputs_;   // norm layer name → its input
  std::map<std::string, const Tensor*> outputs_;  // leaf outputs of the probed forward
  std::vector<float> scratch_;
  ProbeSample pending_;
  std::vector<std::vector<float>> weights_before_;
  bool active_ = false;
  RingBuffer<ProbeSample> samples_;
  long computations_ = 0;
};

}  // namespace normlab
