#include "loss.hpp"

#include <cmath>

#include "error.hpp"

namespace normlab {

SoftmaxCrossEntropy::SoftmaxCrossEntropy(float label_smoothing) : smoothing_(label_smoothing) {
  // Written so that NaN fails too.
  check_arg(label_smoothing >= 0.0f && label_smoothing < 1.0f,
            "softmax_cross_entropy: label_smoothing must be in [0, 1), got ", label_smoothing);
}

LossResult SoftmaxCrossEntropy::forward(const Tensor& logits, const int32_t* labels) {
  ready_ = false;
  const Shape& s = logits.shape();
  check_arg(s.n > 0, "softmax_cross_entropy: empty batch, logits ", s.str());
  check_arg(s.c > 0 && s.h == 1 && s.w == 1, "softmax_cross_entropy: logits ", s.str(),
            " must be (N,K,1,1) with K ≥ 1");
  check_arg(labels != nullptr, "softmax_cross_entropy: labels is null, expected ", s.n,
            " labels");
  const int n = s.n, k = s.c;
  for (int i = 0; i < n; ++i)
    check_arg(labels[i] >= 0 && labels[i] < k, "softmax_cross_entropy: labels[", i, "] = ",
              labels[i], " is outside [0, ", k, ")");

  labels_.assign(labels, labels + n);
  probs_.resize(s);
  const double off = double(smoothing_) / k;  // target mass every class gets
  const double on = 1.0 - double(smoothing_);  // extra mass of the labelled class
  double total = 0.0;
  int correct = 0;
  for (int i = 0; i < n; ++i) {
    const float* x = logits.data() + std::size_t(i) * k;
    float* p = probs_.data() + std::size_t(i) * k;
    int best = 0;
    for (int j = 1; j < k; ++j)
      if (x[j] > x[best]) best = j;
    // Shift by the max so exp never overflows; NaN in x propagates to the loss.
    const double m = x[best];
    double sum = 0.0;
    for (int j = 0; j < k; ++j) sum += std::exp(double(x[j]) - m);
    const double lse = m + std::log(sum);
    double sum_logp = 0.0;
    for (int j = 0; j < k; ++j) {
      const double logp = double(x[j]) - lse;
      sum_logp += logp;
      p[j] = float(std::exp(logp));
    }
    total += -on * (double(x[labels_[i]]) - lse) - off * sum_logp;
    correct += best == labels_[i];
  }
  ready_ = true;
  return LossResult{total / n, correct};
}

const Tensor& SoftmaxCrossEntropy::backward() {
  require_forward("backward");
  const Shape& s = probs_.shape();
  const int n = s.n, k = s.c;
  dlogits_.resize(s);
  const float off = smoothing_ / float(k), on = 1.0f - smoothing_, inv_n = 1.0f / float(n);
  for (int i = 0; i < n; ++i) {
    const float* p = probs_.data() + std::size_t(i) * k;
    float* d = dlogits_.data() + std::size_t(i) * k;
    for (int j = 0; j < k; ++j) d[j] = (p[j] - off - (j == labels_[i] ? on : 0.0f)) * inv_n;
  }
  return dlogits_;
}

const Tensor& SoftmaxCrossEntropy::probabilities() const {
  require_forward("probabilities()");
  return probs_;
}

void SoftmaxCrossEntropy::require_forward(const char* what) const {
  check_arg(ready_, "softmax_cross_entropy: ", what, " called before forward");
}

}  // namespace normlab
