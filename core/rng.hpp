#pragma once
// PCG32 (O'Neill, pcg-random.org): the single source of randomness. One seed fixes
// initialization, data order, dropout and augmentation; streams keep them independent.
#include <cmath>
#include <cstdint>
#include <utility>

namespace normlab {

class Rng {
 public:
  explicit Rng(uint64_t seed = 0, uint64_t stream = 0) { reseed(seed, stream); }

  void reseed(uint64_t seed, uint64_t stream = 0) {
    state_ = 0;
    inc_ = (stream << 1u) | 1u;
    next_u32();
    state_ += seed;
    next_u32();
    has_spare_ = false;
  }

  uint32_t next_u32() {
    uint64_t old = state_;
    state_ = old * 6364136223846793005ULL + inc_;
    uint32_t xorshifted = uint32_t(((old >> 18u) ^ old) >> 27u);
    uint32_t rot = uint32_t(old >> 59u);
    return (xorshifted >> rot) | (xorshifted << ((32 - rot) & 31));
  }

  // Uniform in [0, 1) with 24 random bits, exactly representable as float.
  float uniform() { return float(next_u32() >> 8) * (1.0f / 16777216.0f); }
  float uniform(float lo, float hi) { return lo + (hi - lo) * uniform(); }

  // Unbiased integer in [0, bound) (Lemire's rejection method).
  uint32_t below(uint32_t bound) {
    uint32_t threshold = (0u - bound) % bound;
    for (;;) {
      uint32_t r = next_u32();
      if (r >= threshold) return r % bound;
    }
  }

  // Standard normal by Box–Muller, computed in double so results match across builds.
  float normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    double u1 = (double(next_u32()) + 1.0) / 4294967296.0;
    double u2 = double(next_u32()) / 4294967296.0;
    double r = std::sqrt(-2.0 * std::log(u1));
    spare_ = float(r * std::sin(6.283185307179586 * u2));
    has_spare_ = true;
    return float(r * std::cos(6.283185307179586 * u2));
  }

  // The whole generator, for trainer checkpoints (train/checkpoint.hpp): set_state(state())
  // continues the sequence exactly, the Box–Muller spare included.
  struct State {
    uint64_t state = 0, inc = 1;
    bool has_spare = false;
    float spare = 0.0f;
  };
  State state() const { return {state_, inc_, has_spare_, spare_}; }
  void set_state(const State& s) {
    state_ = s.state;
    inc_ = s.inc | 1u;  // PCG needs an odd increment
    has_spare_ = s.has_spare;
    spare_ = s.spare;
  }

  template <class It>
  void shuffle(It first, It last) {
    for (auto n = last - first; n > 1; --n) {
      auto j = below(uint32_t(n));
      std::swap(first[n - 1], first[j]);
    }
  }

 private:
  uint64_t state_ = 0, inc_ = 1;
  bool has_spare_ = false;
  float spare_ = 0.0f;
};

}  // namespace normlab
