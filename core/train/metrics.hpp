#pragma once
// Classification metrics over a dataset, accumulated batch by batch: mean loss, accuracy,
// per-class accuracy and the confusion matrix. The prediction is the argmax logit (first
// index on ties, as SoftmaxCrossEntropy counts `correct`); its softmax probability is the
// confidence. Per-sample predictions are kept in the order the samples were added.
#include <cstdint>
#include <vector>

#include "../tensor.hpp"

namespace normlab {

struct EvalResult {
  int count = 0;                  // samples evaluated
  double loss = 0.0;              // mean cross-entropy (no label smoothing)
  double accuracy = 0.0;          // fraction in [0, 1]
  std::vector<double> per_class;  // accuracy per true class (0 for a class with no samples)
  std::vector<int> confusion;     // classes×classes, row = true label, column = prediction
  std::vector<int> predictions;   // per sample: the predicted class
  std::vector<float> confidence;  // per sample: softmax probability of the predicted class
};

class MetricsAccumulator {
 public:
  explicit MetricsAccumulator(int classes);
  // logits: (N, classes, 1, 1); batch_loss: the batch's MEAN loss.
  void add(const Tensor& logits, const int32_t* labels, double batch_loss);
  EvalResult result() const;

 private:
  int classes_;
  int count_ = 0;
  double loss_sum_ = 0.0;  // Σ batch_loss·N
  std::vector<int> confusion_;
  std::vector<int> predictions_;
  std::vector<float> confidence_;
};

// Index of the largest of n values (first on ties; NaN never wins).
int argmax(const float* v, int n);

}  // namespace normlab
