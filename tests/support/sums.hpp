#pragma once
// Shared helpers of the kernel tests that compare float sums with the double references of
// tests/reference/kernels.hpp: seeded random inputs, |v| for the magnitude run, and the
// rounding bound terms·u·Σ|summands|.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <vector>

#include "core/rng.hpp"

namespace normlab::test {

constexpr double kUnitRoundoff = 1.0 / 16777216.0;  // u = 2⁻²⁴, float's unit roundoff

// n values uniform in [−1, 1] from Rng(seed, stream).
inline std::vector<float> uniform_vector(std::size_t n, uint64_t seed, uint64_t stream) {
  Rng rng(seed, stream);
  std::vector<float> v(n);
  for (auto& x : v) x = rng.uniform(-1.0f, 1.0f);
  return v;
}

// |v| elementwise: run a reference on it to get Σ|terms|, the scale of the rounding error.
inline std::vector<float> abs_of(const std::vector<float>& v) {
  std::vector<float> a(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) a[i] = std::fabs(v[i]);
  return a;
}

// |got − want| ≤ terms·u·magnitude at every index (magnitude = Σ|summands|); the 1e-30 floor
// lets exact zeros (all summands zero) compare equal.
inline void require_sums_close(const float* got, const std::vector<double>& want,
                               const std::vector<double>& magnitude, double terms) {
  for (std::size_t i = 0; i < want.size(); ++i) {
    double tol = terms * kUnitRoundoff * magnitude[i] + 1e-30;
    if (!(std::fabs(got[i] - want[i]) <= tol)) {
      INFO("index " << i << " of " << want.size() << ": got " << got[i] << ", want " << want[i]
                    << ", tolerance " << tol);
      REQUIRE(std::fabs(got[i] - want[i]) <= tol);
    }
  }
}

}  // namespace normlab::test
