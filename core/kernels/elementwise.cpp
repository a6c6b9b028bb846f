// Elementwise kernels. Each function's math is written once as a generic lambda that runs
// on vfloat for the vector body and on float (std:: math) for the tail and for the scalar
// build, so both paths compute the same formula.
#include "core/kernels/elementwise.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>

#include "core/kernels/simd.hpp"

namespace normlab {

namespace {

// Overloads that let one lambda body serve float and vfloat.
inline float exp_(float x) { return std::exp(x); }
inline float select_(bool c, float a, float b) { return c ? a : b; }
inline float min_(float a, float b) { return std::min(a, b); }
inline float max_(float a, float b) { return std::max(a, b); }
#if NORMLAB_HAS_SIMD
inline vfloat exp_(const vfloat& x) { return xsimd::exp(x); }
inline vfloat select_(const xsimd::batch_bool<float>& c, const vfloat& a, const vfloat& b) {
  return xsimd::select(c, a, b);
}
inline vfloat min_(const vfloat& a, const vfloat& b) { return xsimd::min(a, b); }
inline vfloat max_(const vfloat& a, const vfloat& b) { return xsimd::max(a, b); }
#endif

// y[i] = f(x[i])
template <class F>
inline void map1(const float* x, float* y, std::size_t n, F f) {
  std::size_t i = 0;
#if NORMLAB_HAS_SIMD
  for (; i + kSimdWidth <= n; i += kSimdWidth)
    f(vfloat::load_unaligned(x + i)).store_unaligned(y + i);
#endif
  for (; i < n; ++i) y[i] = f(x[i]);
}

// y[i] = f(a[i], b[i])
template <class F>
inline void map2(const float* a, const float* b, float* y, std::size_t n, F f) {
  std::size_t i = 0;
#if NORMLAB_HAS_SIMD
  for (; i + kSimdWidth <= n; i += kSimdWidth)
    f(vfloat::load_unaligned(a + i), vfloat::load_unaligned(b + i)).store_unaligned(y + i);
#endif
  for (; i < n; ++i) y[i] = f(a[i], b[i]);
}

// Σ term(i) in double. The vector path sums chunks of 32·W terms in float (at most 8 terms
// per lane, then a short tree), and adds each chunk's sum in double: rounding stays at the
// level of a few ulps of each chunk, independent of n.
template <class VecTerm, class ScalarTerm>
inline double sum_terms(std::size_t n, [[maybe_unused]] VecTerm vt, ScalarTerm st) {
  double total = 0.0;
  std::size_t i = 0;
#if NORMLAB_HAS_SIMD
  constexpr std::size_t W = kSimdWidth, kChunk = 32 * W;
  for (; i + kChunk <= n; i += kChunk) {
    vfloat s0(0.0f), s1(0.0f), s2(0.0f), s3(0.0f);
    for (std::size_t j = i; j < i + kChunk; j += 4 * W) {
      s0 += vt(j);
      s1 += vt(j + W);
      s2 += vt(j + 2 * W);
      s3 += vt(j + 3 * W);
    }
    total += double(xsimd::hadd((s0 + s1) + (s2 + s3)));
  }
  for (; i + W <= n; i += W) total += double(xsimd::hadd(vt(i)));
#endif
  for (; i < n; ++i) total += double(st(i));
  return total;
}

// σ(z) and 1 − σ(z) from one exp, neither with cancellation: e = exp(−z), σ = 1/(1+e);
// for z ≥ 0, e ≤ 1 and 1 − σ = e·σ; for z < 0, σ < ½ and 1 − σ is exact enough as is.
// exp(−z) may overflow to ∞ for z ≪ 0, which gives σ = 0 and 1 − σ = 1: no NaN.
template <class V>
inline void sigmoid_pair(V z, V& s, V& one_minus_s) {
  V e = exp_(-z);
  s = V(1.0f) / (V(1.0f) + e);
  one_minus_s = select_(z < V(0.0f), V(1.0f) - s, e * s);
}

constexpr float kGeluC = 0.7978845608028654f;  // √(2/π)
constexpr float kGeluA = 0.044715f;

}  // namespace

void relu_f32(const float* x, float* y, std::size_t n) {
  // x < 0 → 0, otherwise x: NaN passes through, as in PyTorch.
  map1(x, y, n, [](auto v) {
    using V = decltype(v);
    return select_(v < V(0.0f), V(0.0f), v);
  });
}

void relu_backward_f32(const float* x, const float* dy, float* dx, std::size_t n) {
  map2(x, dy, dx, n, [](auto v, auto d) {
    using V = decltype(v);
    return select_(v > V(0.0f), d, V(0.0f));
  });
}

// The bit masks, 32 values per word: bit l of a vector's W lanes at offset k is lane_bit << k.
#if NORMLAB_HAS_SIMD
using vu32 = xsimd::batch<uint32_t>;
static_assert(32 % kSimdWidth == 0, "a mask word holds whole vectors");
inline vu32 lane_bits() {
  alignas(64) static const uint32_t bits[16] = {1u << 0,  1u << 1,  1u << 2,  1u << 3,
                                                1u << 4,  1u << 5,  1u << 6,  1u << 7,
                                                1u << 8,  1u << 9,  1u << 10, 1u << 11,
                                                1u << 12, 1u << 13, 1u << 14, 1u << 15};
  return vu32::load_aligned(bits);
}
#endif

void relu_bits_f32(const float* x, float* y, uint32_t* bits, std::size_t n) {
  std::size_t i = 0;
#if NORMLAB_HAS_SIMD
  const vu32 lanes = lane_bits(), none(0u);
  const vfloat zero(0.0f);
  for (; i + 32 <= n; i += 32) {
    vu32 word = none;
    for (int k = 0; k < 32; k += kSimdWidth) {
      const vfloat v = vfloat::load_unaligned(x + i + k);
      xsimd::select(v < zero, zero, v).store_unaligned(y + i + k);
      // A blend moves bits as they are, so float lanes can carry the integer ones.
      const vfloat bit = xsimd::bitwise_cast<vfloat>(lanes << k);
      word |= xsimd::bitwise_cast<vu32>(xsimd::select(v > zero, bit, zero));
    }
    bits[i / 32] = xsimd::hadd(word);  // the lanes' bits are disjoint: their sum is their union
  }
#endif
  for (; i < n; i += 32) {
    const std::size_t m = std::min<std::size_t>(32, n - i);
    uint32_t word = 0;
    for (std::size_t b = 0; b < m; ++b) {
      word |= uint32_t(x[i + b] > 0.0f) << b;
      y[i + b] = x[i + b] < 0.0f ? 0.0f : x[i + b];
    }
    bits[i / 32] = word;
  }
}

void relu_backward_bits_f32(const uint32_t* bits, const float* dy, float* dx, std::size_t n) {
  std::size_t i = 0;
#if NORMLAB_HAS_SIMD
  const vu32 lanes = lane_bits(), none(0u);
  for (; i + 32 <= n; i += 32) {
    const vu32 word(bits[i / 32]);
    for (int k = 0; k < 32; k += kSimdWidth) {
      const vu32 d = xsimd::bitwise_cast<vu32>(vfloat::load_unaligned(dy + i + k));
      const vu32 kept = xsimd::select((word & (lanes << k)) != none, d, none);
      xsimd::bitwise_cast<vfloat>(kept).store_unaligned(dx + i + k);
    }
  }
#endif
  for (; i < n; i += 32) {
    const std::size_t m = std::min<std::size_t>(32, n - i);
    const uint32_t word = bits[i / 32];
    for (std::size_t b = 0; b < m; ++b) dx[i + b] = (word >> b) & 1u ? dy[i + b] : 0.0f;
  }
}

void leaky_relu_f32(const float* x, float* y, std::size_t n, float slope) {
  map1(x, y, n, [slope](auto v) {
    using V = decltype(v);
    return select_(v < V(0.0f), V(slope) * v, v);
  });
}

void leaky_relu_backward_f32(const float* x, const float* dy, float* dx, std::size_t n,
                             float slope) {
  map2(x, dy, dx, n, [slope](auto v, auto d) {
    using V = decltype(v);
    return select_(v > V(0.0f), d, V(slope) * d);
  });
}

// 0.5·x·(1 + tanh(u)) = x·σ(2u), u = √(2/π)(x + 0.044715x³): the σ form has no
// cancellation for x ≪ 0 (where 1 + tanh(u) → 0) and costs one exp.
void gelu_tanh_f32(const float* x, float* y, std::size_t n) {
  map1(x, y, n, [](auto v) {
    using V = decltype(v);
    V xc = max_(min_(v, V(20.0f)), V(-20.0f));  // keeps x³ finite; σ saturates long before
    V s, sc;
    sigmoid_pair(V(2.0f * kGeluC) * (xc + V(kGeluA) * xc * xc * xc), s, sc);
    return v * s;
  });
}

// d/dx x·σ(2u) = σ + x·σ·(1−σ)·2u', u' = √(2/π)(1 + 3·0.044715x²).
void gelu_tanh_backward_f32(const float* x, const float* dy, float* dx, std::size_t n) {
  map2(x, dy, dx, n, [](auto v, auto d) {
    using V = decltype(v);
    V xc = max_(min_(v, V(20.0f)), V(-20.0f));  // beyond ±20 the derivative is 0 or 1
    V x2 = xc * xc;
    V s, sc;
    sigmoid_pair(V(2.0f * kGeluC) * (xc + V(kGeluA) * x2 * xc), s, sc);
    V du = V(2.0f * kGeluC) * (V(1.0f) + V(3.0f * kGeluA) * x2);
    return d * (s + xc * s * sc * du);
  });
}

void silu_f32(const float* x, float* y, std::size_t n) {
  map1(x, y, n, [](auto v) {
    using V = decltype(v);
    V s, sc;
    sigmoid_pair(v, s, sc);
    return v * s;
  });
}

// d/dx x·σ(x) = σ·(1 + x·(1−σ)). The factor x is clamped to ±88, where 1−σ or σ already
// underflows, so x = ±∞ gives 1 or 0 rather than ∞·0.
void silu_backward_f32(const float* x, const float* dy, float* dx, std::size_t n) {
  map2(x, dy, dx, n, [](auto v, auto d) {
    using V = decltype(v);
    V s, sc;
    sigmoid_pair(v, s, sc);
    V xc = max_(min_(v, V(88.0f)), V(-88.0f));
    return d * (s * (V(1.0f) + xc * sc));
  });
}

void sigmoid_f32(const float* x, float* y, std::size_t n) {
  map1(x, y, n, [](auto v) {
    using V = decltype(v);
    V s, sc;
    sigmoid_pair(v, s, sc);
    return s;
  });
}

void sigmoid_backward_f32(const float* y, const float* dy, float* dx, std::size_t n) {
  map2(y, dy, dx, n, [](auto s, auto d) {
    using V = decltype(s);
    return d * (s * (V(1.0f) - s));
  });
}

void scale_shift_f32(const float* x, float* y, std::size_t n, float scale, float shift) {
  map1(x, y, n, [scale, shift](auto v) {
    using V = decltype(v);
    return v * V(scale) + V(shift);
  });
}

void add_f32(const float* a, const float* b, float* y, std::size_t n) {
  map2(a, b, y, n, [](auto u, auto v) { return u + v; });
}

void mul_f32(const float* a, const float* b, float* y, std::size_t n) {
  map2(a, b, y, n, [](auto u, auto v) { return u * v; });
}

void axpy_f32(std::size_t n, float alpha, const float* x, float* y) {
  map2(x, y, y, n, [alpha](auto u, auto v) {
    using V = decltype(u);
    return V(alpha) * u + v;
  });
}

double sum_f32(const float* x, std::size_t n) {
#if NORMLAB_HAS_SIMD
  auto vt = [x](std::size_t i) { return vfloat::load_unaligned(x + i); };
#else
  auto vt = 0;
#endif
  return sum_terms(n, vt, [x](std::size_t i) { return double(x[i]); });
}

double dot_f32(const float* x, const float* y, std::size_t n) {
#if NORMLAB_HAS_SIMD
  auto vt = [x, y](std::size_t i) {
    return vfloat::load_unaligned(x + i) * vfloat::load_unaligned(y + i);
  };
#else
  auto vt = 0;
#endif
  // The scalar build sums products in double directly.
  return sum_terms(n, vt, [x, y](std::size_t i) { return double(x[i]) * double(y[i]); });
}

double sum_squares_f32(const float* x, std::size_t n) {
#if NORMLAB_HAS_SIMD
  auto vt = [x](std::size_t i) {
    vfloat v = vfloat::load_unaligned(x + i);
    return v * v;
  };
#else
  auto vt = 0;
#endif
  return sum_terms(n, vt, [x](std::size_t i) { return double(x[i]) * double(x[i]); });
}

void add_channel_bias_f32(float* y, const float* bias, int n, int c, std::size_t plane) {
  assert(n >= 0 && c >= 0);
  for (int s = 0; s < n; ++s)
    for (int ch = 0; ch < c; ++ch) {
      float* p = y + (std::size_t(s) * c + ch) * plane;
      const float b = bias[ch];
      map1(p, p, plane, [b](auto v) {
        using V = decltype(v);
        return v + V(b);
      });
    }
}

void channel_sum_f32(const float* dy, int n, int c, std::size_t plane, float* dbias) {
  assert(n >= 0 && c >= 0);
  for (int ch = 0; ch < c; ++ch) {
    double total = 0.0;
    for (int s = 0; s < n; ++s) total += sum_f32(dy + (std::size_t(s) * c + ch) * plane, plane);
    dbias[ch] += float(total);
  }
}

}  // namespace normlab
