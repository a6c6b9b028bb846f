#pragma once
// Finite-difference gradient check of a float32 layer. The scalar loss is a fixed random
// projection L = Σ y·g, summed in double; central differences give dL/dx and dL/dθ, which
// must match backward(g). Float32 rounding of y limits how small eps can be, so tolerances
// here are loose (≈1e-2 relative); the tight check in double lives with each layer's
// reference implementation in tests/reference/.
#include <algorithm>
#include <cmath>
#include <vector>

#include "core/layers/layer.hpp"
#include "support/check.hpp"

namespace normlab::test {

struct GradCheckOptions {
  Mode mode = Mode::Train;
  double eps = 1e-2;
  double atol = 2e-3;
  double rtol = 2e-2;
  std::size_t max_probes = 64;  // coordinates probed per tensor (spread evenly)
};

// b.backward_params(dy) must add exactly the parameter gradients a.backward(dy) adds, and
// write no dx: b's lent input-gradient buffer stays empty. a and b: one layer built and
// initialized alike.
inline void check_backward_params(Layer& a, Layer& b, const Tensor& x, const Tensor& dy) {
  Tensor lent;
  b.lend_input_grad(&lent);
  a.forward(x, Mode::Train);
  a.backward(dy);
  b.forward(x, Mode::Train);
  b.backward_params(dy);
  CHECK(lent.size() == 0);
  auto pa = a.params(), pb = b.params();
  REQUIRE(pa.size() == pb.size());
  for (std::size_t k = 0; k < pa.size(); ++k) REQUIRE_CLOSE(pb[k].grad, pa[k].grad, pa[k].size, 0.0, 0.0);
}

inline double projected_loss(Layer& layer, const Tensor& x, const Tensor& g, Mode mode) {
  const Tensor& y = layer.forward(x, mode);
  double sum = 0.0;
  for (std::size_t i = 0; i < y.size(); ++i) sum += double(y[i]) * double(g[i]);
  return sum;
}

inline std::vector<std::size_t> probe_indices(std::size_t n, std::size_t max_probes) {
  std::vector<std::size_t> idx;
  std::size_t step = std::max<std::size_t>(1, n / max_probes);
  for (std::size_t i = 0; i < n; i += step) idx.push_back(i);
  if (idx.back() != n - 1) idx.push_back(n - 1);
  return idx;
}

// Checks dx and every parameter gradient of `layer` at x against central differences,
// and that parameter gradients accumulate across two backward calls.
inline void check_gradients(Layer& layer, const Tensor& x, uint64_t seed,
                            GradCheckOptions o = {}) {
  Tensor g = random_tensor(layer.output_shape(x.shape()), seed);
  layer.forward(x, o.mode);
  layer.zero_grad();
  std::vector<float> dx;
  {
    const Tensor& d = layer.backward(g);
    REQUIRE(d.shape() == x.shape());
    dx.assign(d.data(), d.data() + d.size());
  }
  std::vector<std::vector<float>> grads;
  for (auto& p : layer.params()) grads.emplace_back(p.grad, p.grad + p.size);

  Tensor xp = x;
  for (std::size_t i : probe_indices(x.size(), o.max_probes)) {
    float orig = xp[i];
    xp[i] = orig + float(o.eps);
    double up = projected_loss(layer, xp, g, o.mode);
    xp[i] = orig - float(o.eps);
    double down = projected_loss(layer, xp, g, o.mode);
    xp[i] = orig;
    double fd = (up - down) / (2 * o.eps);
    INFO("dx[" << i << "] of " << layer.kind() << ", input " << x.shape().str());
    REQUIRE(std::fabs(dx[i] - fd) <= o.atol + o.rtol * std::fabs(fd));
  }

  auto params = layer.params();
  for (std::size_t k = 0; k < params.size(); ++k) {
    Param& p = params[k];
    for (std::size_t i : probe_indices(p.size, o.max_probes)) {
      float orig = p.value[i];
      p.value[i] = orig + float(o.eps);
      double up = projected_loss(layer, x, g, o.mode);
      p.value[i] = orig - float(o.eps);
      double down = projected_loss(layer, x, g, o.mode);
      p.value[i] = orig;
      double fd = (up - down) / (2 * o.eps);
      INFO("d" << p.name << "[" << i << "] of " << layer.kind());
      REQUIRE(std::fabs(grads[k][i] - fd) <= o.atol + o.rtol * std::fabs(fd));
    }
  }

  // A second backward (after the same forward) must add the same gradients again.
  layer.forward(x, o.mode);
  layer.backward(g);
  params = layer.params();
  for (std::size_t k = 0; k < params.size(); ++k) {
    std::vector<float> twice(grads[k].size());
    for (std::size_t i = 0; i < twice.size(); ++i) twice[i] = 2 * grads[k][i];
    INFO("gradient of " << params[k].name << " accumulates");
    REQUIRE_CLOSE(params[k].grad, twice.data(), twice.size(), 1e-5, 1e-4);
  }
}

}  // namespace normlab::test
