#pragma once
// A layer made of named sub-layers (Sequential, Residual). The container gives its
// descendants hierarchical names, PyTorch state_dict style: a child named "3" whose
// Sequential body holds a conv at index 0 exposes "3.body.0.weight".
//  - params()/buffers(): every descendant's, prefixed "<child name>.", in forward order.
//  - init(rng): the children's init in forward order (one Rng walks the whole tree).
//  - A forward hook, when set, is called after every LEAF layer's forward with the leaf's
//    hierarchical name and output: what probes and the divergence finder read. Unset, it
//    costs one null check per child.
#include <functional>
#include <string>
#include <vector>

#include "../layers/layer.hpp"

namespace normlab {

struct NamedLayer {
  std::string name;  // hierarchical: "3.body.0"
  Layer* layer = nullptr;
};

// (name, layer, y): y is the layer's output, valid until that layer's next forward.
using ForwardHook = std::function<void(const std::string&, Layer&, const Tensor&)>;

class Container : public Layer {
 public:
  // Direct children with their local names ("0", "body"), in forward order.
  virtual std::vector<NamedLayer> named_children() = 0;

  std::vector<Layer*> children() override;
  std::vector<Param> params() override;
  std::vector<Buffer> buffers() override;
  void init(Rng& rng) override;

  // Installs `hook` (not owned; nullptr removes it) on this container and every container
  // below it; leaf names are prefixed with `prefix` (e.g. "" at the root).
  void set_forward_hook(const ForwardHook* hook, const std::string& prefix = "");

 protected:
  // Reports child i's output to the hook if one is set and the child is a leaf.
  void notify(std::size_t i, Layer& child, const Tensor& y) const {
    if (hook_ && i < hook_names_.size() && !hook_names_[i].empty())
      (*hook_)(hook_names_[i], child, y);
  }

 private:
  const ForwardHook* hook_ = nullptr;
  std::vector<std::string> hook_names_;  // full name per child; "" for child containers
};

}  // namespace normlab
