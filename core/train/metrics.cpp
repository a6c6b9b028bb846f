#include "metrics.hpp"

#include <cmath>

#include "../error.hpp"

namespace normlab {

int argmax(const float* v, int n) {
  int best = 0;
  for (int k = 1; k < n; ++k)
    if (v[k] > v[best]) best = k;
  return best;
}

MetricsAccumulator::MetricsAccumulator(int classes)
    : classes_(classes), confusion_(std::size_t(classes) * classes, 0) {
  check_arg(classes >= 1, "metrics: classes = ", classes, ", expected ≥ 1");
}

void MetricsAccumulator::add(const Tensor& logits, const int32_t* labels, double batch_loss) {
  const Shape& s = logits.shape();
  check_arg(s.c * s.h * s.w == classes_, "metrics: logits ", s.str(), " do not hold ", classes_,
            " classes per sample");
  for (int n = 0; n < s.n; ++n) {
    check_arg(labels[n] >= 0 && labels[n] < classes_, "metrics: label ", labels[n], " at ", n,
              " is outside [0, ", classes_, ")");
    const float* z = logits.data() + std::size_t(n) * classes_;
    int pred = argmax(z, classes_);
    ++confusion_[std::size_t(labels[n]) * classes_ + pred];
    // softmax(z)[pred] = 1 / Σ exp(z_k − z_pred), stable because z_pred is the largest.
    double denom = 0.0;
    for (int k = 0; k < classes_; ++k) denom += std::exp(double(z[k]) - double(z[pred]));
    predictions_.push_back(pred);
    confidence_.push_back(float(1.0 / denom));
  }
  count_ += s.n;
  loss_sum_ += batch_loss * s.n;
}

EvalResult MetricsAccumulator::result() const {
  EvalResult r;
  r.count = count_;
  r.confusion = confusion_;
  r.predictions = predictions_;
  r.confidence = confidence_;
  r.per_class.assign(classes_, 0.0);
  int correct = 0;
  for (int t = 0; t < classes_; ++t) {
    int row = 0;
    for (int p = 0; p < classes_; ++p) row += confusion_[std::size_t(t) * classes_ + p];
    int hit = confusion_[std::size_t(t) * classes_ + t];
    correct += hit;
    r.per_class[t] = row ? double(hit) / row : 0.0;
  }
  if (count_) {
    r.loss = loss_sum_ / count_;
    r.accuracy = double(correct) / count_;
  }
  return r;
}

}  // namespace normlab
