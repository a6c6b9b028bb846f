#pragma once
// Softmax cross-entropy from logits, PyTorch's CrossEntropyLoss(label_smoothing=ε),
// mean over the batch.
//  logits: (N, K, 1, 1); labels: int32[N], each in [0, K).
//  target = (1−ε)·onehot(label) + ε/K;  loss = −(1/N) Σ_n Σ_k target_k · log softmax(x_n)_k
//  log-softmax uses a max-shifted log-sum-exp in double, so logits of ±1000 stay finite.
//  backward() returns dlogits = (softmax − target)/N, (N,K,1,1), owned by this object.
// Bad shapes, a null label pointer or a label outside [0,K) throw ArgumentError; NaN or
// infinite logits are not an argument error: they give a NaN loss the trainer reports.
#include <cstdint>
#include <vector>

#include "tensor.hpp"

namespace normlab {

struct LossResult {
  double loss = 0.0;  // mean over the batch
  int correct = 0;    // samples whose argmax logit (first on ties) equals the label
};

class SoftmaxCrossEntropy {
 public:
  explicit SoftmaxCrossEntropy(float label_smoothing = 0.0f);

  // Caches the probabilities and labels that backward needs.
  LossResult forward(const Tensor& logits, const int32_t* labels);
  const Tensor& backward();
  // softmax of the last forward's logits, (N,K,1,1).
  const Tensor& probabilities() const;
  float label_smoothing() const { return smoothing_; }

 private:
  void require_forward(const char* what) const;

  float smoothing_;
  bool ready_ = false;
  Tensor probs_, dlogits_;
  std::vector<int32_t> labels_;
};

}  // namespace normlab
