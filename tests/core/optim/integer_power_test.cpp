#include "core/optim/integer_power.hpp"

#include <catch2/catch.hpp>
#include <cmath>

using namespace normlab;

TEST_CASE("integer_power matches pow within its error bound, n·2⁻⁵³ relative", "[optim]") {
  CHECK(integer_power(0.9, 0) == 1.0);
  CHECK(integer_power(0.0, 0) == 1.0);  // as pow(0, 0)
  CHECK(integer_power(0.0, 3) == 0.0);
  CHECK(integer_power(2.0, 10) == 1024.0);
  CHECK(integer_power(0.5, 1100) == std::pow(0.5, 1100.0));  // exact, subnormal
  for (double base : {0.9, 0.999, 0.5, 0.1, 1.5, 1.0 - 1e-8}) {
    for (long long n : {1LL, 2LL, 3LL, 7LL, 100LL, 1000LL, 12345LL, 1000000LL}) {
      const double want = std::pow(base, double(n));
      if (!(want > 1e-300 && want < 1e300)) continue;  // under- or overflows
      CAPTURE(base, n, want);
      const double bound = (2.0 * double(n) + 2.0) * std::ldexp(1.0, -53);
      CHECK(std::fabs(integer_power(base, n) - want) <= bound * want);
    }
  }
}
