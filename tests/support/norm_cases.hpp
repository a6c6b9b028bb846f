#pragma once
// Shared pieces of the normalization layer tests (batch_norm2d, layer_norm2d, group_norm):
// the shape list, random affine parameters, the tolerances against the double reference
// (tests/reference/norms.hpp), and the two checks every norm runs: the float layer against
// the reference, and the reference backward against central differences in double.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "core/kernels/norm_stats.hpp"
#include "core/rng.hpp"
#include "core/tensor.hpp"
#include "reference/norms.hpp"
#include "support/check.hpp"

namespace normlab::test::norm_cases {

using ref::norms::Vec;

inline Vec dbl(const float* p, std::size_t n) { return ref::norms::as_double(p, n); }
inline Vec dbl(const Tensor& t) { return dbl(t.data(), t.size()); }
inline Vec dbl(const std::vector<float>& v) { return dbl(v.data(), v.size()); }

// N = 1..5, C ∈ {1,3,7,16}, H×W ∈ {1×1, 3×3, 5×5, 28×28, 1×3, 5×3}: 96 shapes.
inline std::vector<Shape> layer_shapes() {
  std::vector<Shape> out;
  for (int n : {1, 2, 3, 5})
    for (int c : {1, 3, 7, 16})
      for (auto hw : {std::pair{1, 1}, {3, 3}, {5, 5}, {28, 28}, {1, 3}, {5, 3}})
        out.push_back(Shape{n, c, hw.first, hw.second});
  return out;
}

// gamma ∈ [0.5, 1.5], beta ∈ [−0.5, 0.5] for the layer's `count` affine entries, so a
// mix-up of the two (or of their entries) changes the output.
template <class L>
void randomize_affine(L& layer, std::size_t count, uint64_t seed) {
  Rng rng(seed, 5);
  for (std::size_t i = 0; i < count; ++i) {
    layer.gamma()[i] = rng.uniform(0.5f, 1.5f);
    layer.beta()[i] = rng.uniform(-0.5f, 0.5f);
  }
}

// The message of the ArgumentError f() throws, or "no ArgumentError".
template <class F>
std::string argument_error(F f) {
  try {
    f();
  } catch (const ArgumentError& e) {
    return e.what();
  }
  return "no ArgumentError";
}

// Tolerances against the double reference: 1e-5 relative plus an absolute term.
// y = (x − mean)·rstd·γ + β: error ≈ u·rstd·|x| (the mean's rounding, scaled by rstd).
// dx = rstd·(γ·dy − k1 − x̂·k2): error ≈ u·rstd·|γ·dy| from the products, plus u·rstd²·|x|·|k2|
// from the mean's rounding carried through x̂·k2. rstd is large when a statistic's few values
// lie close together (measured up to ~80 here). A zero-variance statistic (a single value,
// never in batch_norm2d's train mode) has x − mean = 0 exactly: only the first dx term
// remains, with rstd = 1/√eps (316 for eps 1e-5, 1000 for 1e-6), and the exact dx of 0
// comes out as rounding residue times rstd. x ∈ [−1, 1] here.
// Parameter gradients sum `count` terms of random sign: the absolute term grows like √count
// (measured: ≤ 3.6e-7·√count).
constexpr double kTol = 1e-5;
inline double rstd_max(const NormStats& s, bool with_zero_variance) {
  double r = 1.0;
  for (std::size_t i = 0; i < s.rstd.size(); ++i)
    if (with_zero_variance || s.var[i] > 0.0f) r = std::max(r, double(s.rstd[i]));
  return r;
}
inline double y_atol(const NormStats& s) { return 1e-6 * rstd_max(s, false); }
inline double dx_atol(const NormStats& s) {
  const double r = rstd_max(s, false);
  return 1e-6 * rstd_max(s, true) + 3e-7 * r * r;
}
inline double sum_atol(std::size_t count) { return 1e-6 * std::sqrt(double(count)) + 1e-6; }

// Runs the layer in `mode` on random x (seed) and dy (seed + 1) and compares y, the
// statistics, dx and the parameter gradients with the reference for `spec` (statistics from
// x itself). Returns the reference forward for layer-specific checks.
template <class L>
ref::norms::Forward check_against_reference(L& layer, const ref::norms::Spec& spec, Mode mode,
                                            double eps, uint64_t seed) {
  namespace rn = ref::norms;
  const Tensor x = random_tensor(spec.shape, seed);
  const Tensor dy = random_tensor(spec.shape, seed + 1);
  const std::size_t np = spec.param_count();
  const Vec gamma = dbl(layer.gamma(), np), beta = dbl(layer.beta(), np);

  const Tensor& y = layer.forward(x, mode);
  rn::Forward want = rn::forward(spec, dbl(x), gamma, beta, eps);
  REQUIRE_CLOSE(y.data(), want.y.data(), y.size(), y_atol(layer.stats()), kTol);
  REQUIRE(layer.stats().mean.size() == spec.stat_count());
  REQUIRE(layer.values_per_statistic() == spec.per_stat());
  // Statistics: a few float roundings of values of magnitude ≤ 1.
  REQUIRE_CLOSE(layer.stats().mean.data(), want.mean.data(), spec.stat_count(), 2e-7, 1e-6);
  REQUIRE_CLOSE(layer.stats().var.data(), want.var.data(), spec.stat_count(), 1e-7, 1e-6);

  layer.zero_grad();
  const Tensor& dx = layer.backward(dy);
  rn::Grads g = rn::backward(spec, dbl(x), gamma, dbl(dy), eps);
  REQUIRE_CLOSE(dx.data(), g.dx.data(), dx.size(), dx_atol(layer.stats()), kTol);
  auto params = layer.params();
  REQUIRE(params.size() == 2);
  const std::size_t count = spec.shape.size() / np;
  REQUIRE_CLOSE(params[0].grad, g.dgamma.data(), np, sum_atol(count), kTol);
  REQUIRE_CLOSE(params[1].grad, g.dbeta.data(), np, sum_atol(count), kTol);
  return want;
}

// Inputs of a reference check: x, dy ∈ [−1, 1], gamma ∈ [0.5, 1.5], beta ∈ [−0.5, 0.5],
// drawn in that order from `rng`.
struct RefInputs {
  Vec x, dy, gamma, beta;
};
inline RefInputs random_ref_inputs(const ref::norms::Spec& spec, Rng& rng) {
  RefInputs in{Vec(spec.shape.size()), Vec(spec.shape.size()), Vec(spec.param_count()),
               Vec(spec.param_count())};
  for (double& v : in.x) v = rng.uniform(-1.0f, 1.0f);
  for (double& v : in.dy) v = rng.uniform(-1.0f, 1.0f);
  for (double& v : in.gamma) v = rng.uniform(0.5f, 1.5f);
  for (double& v : in.beta) v = rng.uniform(-0.5f, 0.5f);
  return in;
}

// The reference gradients g against central differences of the reference forward f.
inline void require_matches_fd(const ref::norms::ForwardFn& f, const ref::norms::Grads& g,
                               const RefInputs& in) {
  ref::norms::Grads fd = ref::norms::finite_differences(f, in.x, in.gamma, in.beta, in.dy, 1e-6);
  // h = 1e-6: truncation h²·f‴ ≈ 1e-11; rounding of L (|L| ≲ 10, ulp 2e-15) over 2h ≈ 1e-9.
  // So 1e-7 relative with a 1e-8 floor is tight and safe.
  REQUIRE_CLOSE(g.dx.data(), fd.dx.data(), in.x.size(), 1e-8, 1e-7);
  REQUIRE_CLOSE(g.dgamma.data(), fd.dgamma.data(), in.gamma.size(), 1e-8, 1e-7);
  REQUIRE_CLOSE(g.dbeta.data(), fd.dbeta.data(), in.beta.size(), 1e-8, 1e-7);
}

// The train-mode reference (statistics from x) on random inputs from Rng(seed, 3).
inline void check_reference_against_fd(const ref::norms::Spec& spec, double eps, uint64_t seed) {
  Rng rng(seed, 3);
  const RefInputs in = random_ref_inputs(spec, rng);
  auto f = [&](const Vec& x, const Vec& gamma, const Vec& beta) {
    return ref::norms::forward(spec, x, gamma, beta, eps).y;
  };
  require_matches_fd(f, ref::norms::backward(spec, in.x, in.gamma, in.dy, eps), in);
}

}  // namespace normlab::test::norm_cases
