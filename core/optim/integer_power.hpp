#pragma once
// base^n for a whole n ≥ 0, by repeated squaring. The optimizers' powers are whole (Adam's
// β^t, StepLR's γ^⌊t/step⌋), and libm's pow would bring its code and tables into the wasm
// build for them. Squaring doubles the relative error of what it squares, so the result's
// grows with n, to about n·2⁻⁵³: 1e-10 after a million steps, far below float's resolution.
namespace normlab {

inline double integer_power(double base, long long n) {
  double result = 1.0;
  for (; n > 0; n >>= 1, base *= base)
    if (n & 1) result *= base;
  return result;
}

}  // namespace normlab
