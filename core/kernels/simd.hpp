#pragma once
// The one place that decides whether kernels use xsimd. Kernels are written once on
// `vfloat` (xsimd::batch<float>) with a scalar tail; NORMLAB_HAS_SIMD is 0 in the scalar
// build (NORMLAB_SCALAR defined, or no SIMD target, where xsimd 8.1 defines no batch<>).
#if !defined(NORMLAB_SCALAR)
#include <xsimd/xsimd.hpp>
#endif

#if !defined(NORMLAB_SCALAR) && !defined(XSIMD_NO_SUPPORTED_ARCHITECTURE)
#define NORMLAB_HAS_SIMD 1
namespace normlab {
using vfloat = xsimd::batch<float>;
constexpr int kSimdWidth = int(vfloat::size);
}  // namespace normlab
#else
#define NORMLAB_HAS_SIMD 0
namespace normlab {
constexpr int kSimdWidth = 1;
}  // namespace normlab
#endif

// Keeps the compiler from turning a function's copy and fill loops into memcpy/memset calls:
// the kernels copy short rows (an image row of 28 floats), where a call to the library
// routine costs more than the copy itself in wasm.
#if defined(__clang__)
#define NORMLAB_INLINE_COPIES __attribute__((no_builtin("memcpy", "memset")))
#else
#define NORMLAB_INLINE_COPIES
#endif

// Keeps clang from vectorizing a scalar loop that explicit SIMD code already covers, such as
// the last few outputs of a row: the vector copy would never run, and it adds code (688
// bytes of wasm in the 2×2 max pool).
#if defined(__clang__)
#define NORMLAB_NO_VECTORIZE _Pragma("clang loop vectorize(disable)")
#else
#define NORMLAB_NO_VECTORIZE
#endif

namespace normlab {
// Human-readable name of the compiled kernel path, reported by benches and bindings.
inline const char* simd_name() {
#if NORMLAB_HAS_SIMD
  return xsimd::default_arch::name();
#else
  return "scalar";
#endif
}
}  // namespace normlab
