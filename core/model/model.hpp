#pragma once
// A classifier: a named preset, its norm spec, and the net (a Sequential) mapping
// (N, C, H, W) images to (N, classes, 1, 1) logits. Presets build it (presets.hpp); the
// trainer, probes, bindings and serialize use it.
//  forward(x, mode) checks x is (N ≥ 1, C, H, W) of the model's input and returns logits
//    (owned by the net, valid until the next forward).
//  backward(dlogits) returns dx and ADDS parameter gradients (layer.hpp contract).
//  init(seed) re-initializes every layer from ONE Rng(seed) walked in forward order;
//    norm layers draw nothing from it, so two models differing only in their norm get
//    identical conv/dense weights wherever the shapes match. Dropout layers are reseeded
//    from the seed too (reseed_dropout).
//  FLOPs count 2·multiply-adds of one sample (layer.hpp); training = 3 × forward
//    (forward + backward-data + backward-weight), the benchmark issue's convention.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "container.hpp"
#include "norm_spec.hpp"
#include "sequential.hpp"

namespace normlab {

// A leaf layer (not a container) with its hierarchical name and the per-sample shapes
// (n = 1) it reads and writes.
struct LayerInfo {
  std::string name;
  Layer* layer = nullptr;
  Shape input, output;
};

class Model {
 public:
  // input: per-sample shape (n ignored); the net must map it to (classes, 1, 1).
  Model(std::string preset, NormSpec norm, Shape input, int classes,
        std::unique_ptr<Sequential> net);
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  const std::string& preset() const { return preset_; }
  const NormSpec& norm() const { return norm_; }
  Shape input_shape() const { return input_; }  // n = 1
  int num_classes() const { return classes_; }
  Sequential& net() { return *net_; }

  const Tensor& forward(const Tensor& x, Mode mode);
  const Tensor& backward(const Tensor& dlogits);
  // backward without the gradient of the images (what training needs): see backward_params.
  void backward_params(const Tensor& dlogits);

  std::vector<Param> params() { return net_->params(); }
  std::vector<Buffer> buffers() { return net_->buffers(); }
  void zero_grad() { net_->zero_grad(); }
  std::size_t param_count() { return net_->param_count(); }
  double forward_flops_per_sample() const { return net_->forward_flops(input_); }
  double training_flops_per_sample() const { return 3.0 * forward_flops_per_sample(); }

  void init(uint64_t seed);
  // Gives the k-th Dropout layer (forward order) a seed derived from (seed, k).
  void reseed_dropout(uint64_t seed);

  // Every normalization layer, forward order, with its hierarchical name ("4", "3.body.1").
  std::vector<NamedLayer> norm_layers();
  // Every leaf layer, forward order, with name and per-sample input/output shapes.
  std::vector<LayerInfo> layers();

  // Called after every leaf layer's forward with (name, layer, output); an empty
  // function removes it. Probes and the divergence finder use this.
  void set_forward_hook(ForwardHook hook);

 private:
  std::string preset_;
  NormSpec norm_;
  Shape input_;
  int classes_;
  std::unique_ptr<Sequential> net_;
  ForwardHook hook_;
};

}  // namespace normlab
