#pragma once
// Trains a Model on a Dataset with minibatch SGD/Adam/AdamW, records the history, and
// evaluates. One seed fixes everything the trainer draws: the epoch orders (stream 1),
// augmentation shifts (stream 2) and dropout masks (stream 3, reseeded from (seed, step)
// before every step, so evaluations between steps never change the masks training sees).
// Same model init, seed and config → bitwise-identical loss sequences.
//  - Epochs: a fresh shuffle per epoch, batches of batch_size in that order; the remainder
//    batch is used, except a remainder of ONE sample when the model has a BatchNorm that
//    would then see one value per channel (it is skipped: train-mode BN cannot normalize it).
//  - step(): one update; lr from the schedule at this step (see optim/schedule.hpp; a cosine
//    schedule with total_steps = 0 spans `epochs` epochs). Label smoothing applies to the
//    training loss only; evaluate() reports plain cross-entropy.
//  - Divergence: a non-finite loss, or a non-finite gradient norm (a NaN that a ReLU hid
//    from the loss), throws normlab::Error naming the step and the first leaf layer whose
//    output was not finite (found by re-running that forward layer by layer,
//    with BatchNorm buffers restored afterwards). Everything recorded before is kept, and the
//    failed step changes nothing: no update, running statistics as before it.
//  - evaluate(d, Eval) uses running statistics; evaluate(d, Train) normalizes with each
//    batch's statistics yet leaves running stats and training state untouched (buffers are
//    saved and restored): train_eval_gap compares the two on the same weights.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "../data/dataset.hpp"
#include "../loss.hpp"
#include "../model/model.hpp"
#include "../optim/optimizer.hpp"
#include "../optim/schedule.hpp"
#include "../probes/probes.hpp"
#include "metrics.hpp"

namespace normlab {

struct TrainConfig {
  std::string optimizer = "sgd";  // "sgd" | "adam" | "adamw"
  double lr = 0.05;
  double momentum = 0.9;           // sgd
  bool nesterov = false;           // sgd
  double weight_decay = 0.0;
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;  // adam, adamw
  bool decay_norm_and_bias = true;  // false: no weight decay on biases and norm params
  int batch_size = 64;
  uint64_t seed = 0;
  double clip_norm = 0.0;          // global grad-norm clipping; 0 = off
  Schedule schedule;
  bool augment = false;            // random shifts of up to ±2 pixels
  float label_smoothing = 0.0f;
  int epochs = 1;                  // a hint: only sizes a cosine schedule without total_steps
  int probe_every = 0;             // 0 = probes off
  int probe_capacity = 256;        // probe samples kept (ring buffer)
  int probe_activation_sample = 4096;  // values per activation used for percentiles
  int eval_batch_size = 500;
  // false: history() stays empty, for callers that take each step's result as it comes
  // (the wasm bindings): a run that trains until stopped then keeps no growing record.
  bool record_history = true;
};

struct StepResult {
  long step = 0;          // 0-based index of this update
  int epoch = 0;          // 0-based epoch it belongs to
  double loss = 0.0;      // training loss of the batch (with label smoothing, if any)
  double accuracy = 0.0;  // fraction of the batch classified correctly
  double lr = 0.0;        // learning rate used
  int batch = 0;          // samples in the batch
};

struct EpochResult {
  int epoch = 0;
  int steps = 0;
  double loss = 0.0;      // mean over the epoch's samples
  double accuracy = 0.0;
};

struct TrainEvalGap {
  EvalResult train_mode, eval_mode;
  double gap = 0.0;  // train_mode.accuracy − eval_mode.accuracy
};

class Trainer {
 public:
  // Keeps references to model and train: both must outlive the trainer. Throws
  // ArgumentError for an invalid config, a dataset that does not fit the model, or a
  // config whose memory (training_memory.hpp) exceeds the budget (memory_budget.hpp).
  // evaluate() checks the memory of a batch larger than any before it likewise.
  Trainer(Model& model, const Dataset& train, TrainConfig config);
  ~Trainer();

  StepResult step();
  // Runs the rest of the current epoch (a whole epoch when at its start).
  EpochResult run_epoch();

  EvalResult evaluate(const Dataset& data, Mode mode = Mode::Eval);
  EvalResult evaluate(const Dataset& data, Mode mode, int batch_size);
  TrainEvalGap train_eval_gap(const Dataset& data, int batch_size);

  const TrainConfig& config() const { return config_; }
  // Changes the base learning rate from the next step on (the schedule scales it); throws
  // ArgumentError unless lr is finite and ≥ 0.
  void set_base_lr(double lr);
  long steps_done() const { return step_; }
  int epoch() const { return epoch_; }
  int steps_per_epoch() const;
  const std::vector<StepResult>& history() const { return history_; }  // see record_history
  const std::vector<EpochResult>& epoch_history() const { return epochs_; }
  const Prober& probes() const { return *prober_; }
  Optimizer& optimizer() { return *optimizer_; }

 private:
  friend struct CheckpointAccess;  // train/checkpoint.cpp saves and restores the state below

  void start_epoch();
  bool skip_single(int n) const;
  std::string find_nonfinite_layer(const Tensor& x);

  Model& model_;
  const Dataset& train_;
  TrainConfig config_;
  std::unique_ptr<Optimizer> optimizer_;
  std::unique_ptr<Prober> prober_;
  SoftmaxCrossEntropy loss_;
  Rng shuffle_rng_, augment_rng_;
  std::vector<int32_t> order_;
  std::size_t cursor_ = 0;
  bool epoch_started_ = false;
  bool bn_one_value_ = false;  // a BatchNorm sees one value per channel when N = 1
  bool has_dropout_ = false;
  long step_ = 0;
  int epoch_ = 0;
  double epoch_loss_ = 0.0;
  int epoch_correct_ = 0, epoch_seen_ = 0, epoch_steps_ = 0;
  int reserved_batch_ = 0;  // the largest batch the layers' buffers were sized for
  Tensor x_;
  std::vector<int32_t> labels_;
  std::vector<std::vector<float>> saved_buffers_;
  std::vector<StepResult> history_;
  std::vector<EpochResult> epochs_;
};

}  // namespace normlab
