#include "container.hpp"

namespace normlab {

std::vector<Layer*> Container::children() {
  std::vector<Layer*> out;
  for (auto& c : named_children()) out.push_back(c.layer);
  return out;
}

std::vector<Param> Container::params() {
  std::vector<Param> out;
  for (auto& c : named_children()) {
    for (auto& p : c.layer->params()) {
      p.name = c.name + "." + p.name;
      out.push_back(std::move(p));
    }
  }
  return out;
}

std::vector<Buffer> Container::buffers() {
  std::vector<Buffer> out;
  for (auto& c : named_children()) {
    for (auto& b : c.layer->buffers()) {
      b.name = c.name + "." + b.name;
      out.push_back(std::move(b));
    }
  }
  return out;
}

void Container::init(Rng& rng) {
  for (auto& c : named_children()) c.layer->init(rng);
}

void Container::set_forward_hook(const ForwardHook* hook, const std::string& prefix) {
  hook_ = hook;
  hook_names_.clear();
  for (auto& c : named_children()) {
    const std::string full = prefix + c.name;
    if (auto* sub = dynamic_cast<Container*>(c.layer)) {
      sub->set_forward_hook(hook, full + ".");
      hook_names_.emplace_back();  // the sub-container reports its own leaves
    } else {
      hook_names_.push_back(full);
    }
  }
}

}  // namespace normlab
