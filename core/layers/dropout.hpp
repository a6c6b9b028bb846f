#pragma once
// Inverted dropout, as PyTorch's Dropout. Train: each element is zeroed with probability p
// and survivors are scaled by 1/(1−p), so eval needs no rescaling. Eval: identity.
// The mask comes from the layer's own Rng: the same seed gives the same sequence of masks.
// backward(dy) ASSIGNS dx = dy·mask (train) or dy (eval), using the last forward's mode.
// forward_flops is 0: no multiply-adds.
#include <cstdint>
#include <vector>

#include "layer.hpp"

namespace normlab {

class Dropout final : public Layer {
 public:
  explicit Dropout(float p, uint64_t seed = 0);

  std::string kind() const override { return "dropout"; }
  bool backward_reads_input() const override { return false; }
  bool backward_in_place() const override { return true; }
  Shape output_shape(const Shape& x) const override;
  const Tensor& forward(const Tensor& x, Mode mode) override;
  const Tensor& backward(const Tensor& dy) override;

  // Restarts the mask sequence, as constructing with this seed would.
  void reseed(uint64_t seed);
  float p() const { return p_; }
  // Whether element i survived the last train-mode forward (kept as one bit each).
  bool kept(std::size_t i) const { return (kept_[i / 32] >> (i % 32)) & 1u; }

 private:
  static constexpr uint64_t kStream = 0x64726f70;  // "drop": independent of other streams

  float p_;
  Rng rng_;
  bool ready_ = false;
  Mode mode_ = Mode::Train;
  std::vector<uint32_t> kept_;  // the last train-mode mask, one bit per element
  Tensor y_, dx_;
};

}  // namespace normlab
