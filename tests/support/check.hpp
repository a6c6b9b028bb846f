#pragma once
// Shared test helpers: seeded random data and tolerance checks that report where they fail.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "core/rng.hpp"
#include "core/tensor.hpp"

namespace normlab::test {

inline Tensor random_tensor(Shape shape, uint64_t seed, float lo = -1.0f, float hi = 1.0f) {
  Tensor t(shape);
  Rng rng(seed, 7);
  for (std::size_t i = 0; i < t.size(); ++i) t[i] = rng.uniform(lo, hi);
  return t;
}

inline std::vector<double> to_double(const float* p, std::size_t n) {
  return std::vector<double>(p, p + n);
}

// First index where |got − want| > atol + rtol·|want|, or "" if all match.
template <class A, class B>
std::string mismatch(const A* got, const B* want, std::size_t n, double atol, double rtol) {
  for (std::size_t i = 0; i < n; ++i) {
    double g = double(got[i]), w = double(want[i]);
    if (!(std::fabs(g - w) <= atol + rtol * std::fabs(w))) {
      std::ostringstream out;
      out << "index " << i << " of " << n << ": got " << g << ", want " << w << " (atol " << atol
          << ", rtol " << rtol << ")";
      return out.str();
    }
  }
  return "";
}

}  // namespace normlab::test

// REQUIRE_CLOSE(got_ptr, want_ptr, n, atol, rtol): fails with the first mismatching index.
#define REQUIRE_CLOSE(got, want, n, atol, rtol) \
  REQUIRE(::normlab::test::mismatch((got), (want), (n), (atol), (rtol)) == std::string())
