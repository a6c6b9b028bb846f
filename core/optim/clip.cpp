#include "clip.hpp"

#include <cmath>

#include "../error.hpp"
#include "../kernels/elementwise.hpp"

namespace normlab {

double grad_norm(const std::vector<Param>& params) {
  double sum = 0.0;
  for (const Param& p : params) sum += sum_squares_f32(p.grad, p.size);
  return std::sqrt(sum);
}

double clip_grad_norm(const std::vector<Param>& params, double max_norm) {
  check_arg(std::isfinite(max_norm) && max_norm > 0.0, "clip_grad_norm: max_norm = ", max_norm,
            ", expected a finite value > 0");
  double total = grad_norm(params);
  double coef = max_norm / (total + 1e-6);
  if (coef < 1.0)  // false for NaN too: a non-finite norm is left for the caller to report
    for (const Param& p : params) scale_shift_f32(p.grad, p.grad, p.size, float(coef), 0.0f);
  return total;
}

}  // namespace normlab
