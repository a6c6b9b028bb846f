#include "layer.hpp"

#include <algorithm>

namespace normlab {

void Layer::zero_grad() {
  for (auto& p : params()) std::fill(p.grad, p.grad + p.size, 0.0f);
}

std::size_t Layer::param_count() {
  std::size_t total = 0;
  for (auto& p : params()) total += p.size;
  return total;
}

}  // namespace normlab
