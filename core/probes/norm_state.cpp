#include "norm_state.hpp"

#include "../layers/batch_norm2d.hpp"
#include "../layers/group_norm.hpp"
#include "../layers/layer_norm2d.hpp"

namespace normlab {

void read_norm_state(Layer& layer, NormProbe& out) {
  for (auto& p : layer.params()) {
    if (p.name == "gamma") out.gamma.assign(p.value, p.value + p.size);
    if (p.name == "beta") out.beta.assign(p.value, p.value + p.size);
  }
  if (auto* bn = dynamic_cast<BatchNorm2d*>(&layer)) {
    out.values_per_statistic = float(bn->values_per_statistic());
    out.running_mean = bn->running_mean();
    out.running_var = bn->running_var();
    out.batch_mean = bn->batch_mean();
    out.batch_var = bn->batch_var();
  } else if (auto* gn = dynamic_cast<GroupNorm*>(&layer)) {
    out.values_per_statistic = float(gn->values_per_statistic());
  } else if (auto* lc = dynamic_cast<LayerNorm2dChannels*>(&layer)) {
    out.values_per_statistic = float(lc->values_per_statistic());
  } else if (auto* ls = dynamic_cast<LayerNorm2dSample*>(&layer)) {
    out.values_per_statistic = float(ls->values_per_statistic());
  }
}

}  // namespace normlab
