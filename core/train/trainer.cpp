#include "trainer.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "../error.hpp"
#include "../model/buffer_guard.hpp"
#include "../optim/adam.hpp"
#include "../optim/clip.hpp"
#include "../optim/sgd.hpp"
#include "training_memory.hpp"

namespace normlab {
namespace {

constexpr uint64_t kShuffleStream = 1, kAugmentStream = 2, kDropoutStream = 3;

bool all_finite(const float* p, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i)
    if (!std::isfinite(p[i])) return false;
  return true;
}

// Dropout seed of one step: a function of (seed, step) only.
uint64_t dropout_seed(uint64_t seed, long step) {
  Rng r(seed ^ (uint64_t(step) * 0x9E3779B97F4A7C15ULL), kDropoutStream);
  uint64_t hi = r.next_u32();
  return (hi << 32) | r.next_u32();
}

std::unique_ptr<Optimizer> make_optimizer(const TrainConfig& c, std::vector<Param> params) {
  if (c.optimizer == "sgd") {
    SgdOptions o;
    o.lr = c.lr;
    o.momentum = c.momentum;
    o.nesterov = c.nesterov;
    o.weight_decay = c.weight_decay;
    o.decay_norm_and_bias = c.decay_norm_and_bias;
    return std::make_unique<Sgd>(std::move(params), o);
  }
  if (c.optimizer == "adam" || c.optimizer == "adamw") {
    AdamOptions o;
    o.lr = c.lr;
    o.beta1 = c.beta1;
    o.beta2 = c.beta2;
    o.eps = c.eps;
    o.weight_decay = c.weight_decay;
    o.decoupled = c.optimizer == "adamw";
    o.decay_norm_and_bias = c.decay_norm_and_bias;
    return std::make_unique<Adam>(std::move(params), o);
  }
  throw ArgumentError(msg("trainer: optimizer \"", c.optimizer, "\" is unknown, expected sgd, adam or adamw"));
}

ProbeConfig probe_config(const TrainConfig& c) {
  ProbeConfig p;
  p.every = c.probe_every;
  p.capacity = c.probe_capacity;
  p.activation_sample = c.probe_activation_sample;
  return p;
}

}  // namespace

Trainer::Trainer(Model& model, const Dataset& train, TrainConfig config)
    : model_(model),
      train_(train),
      config_(std::move(config)),
      loss_(config_.label_smoothing),
      shuffle_rng_(config_.seed, kShuffleStream),
      augment_rng_(config_.seed, kAugmentStream) {
  const TrainConfig& c = config_;
  check_arg(c.batch_size >= 1, "trainer: batch_size = ", c.batch_size, ", expected ≥ 1");
  check_arg(c.eval_batch_size >= 1, "trainer: eval_batch_size = ", c.eval_batch_size, ", expected ≥ 1");
  check_arg(c.epochs >= 1, "trainer: epochs = ", c.epochs, ", expected ≥ 1");
  check_arg(std::isfinite(c.label_smoothing) && c.label_smoothing >= 0.0f && c.label_smoothing < 1.0f,
            "trainer: label_smoothing = ", c.label_smoothing, ", expected a value in [0, 1)");
  check_arg(std::isfinite(c.clip_norm) && c.clip_norm >= 0.0, "trainer: clip_norm = ", c.clip_norm,
            ", expected a finite value ≥ 0 (0 = off)");
  check_arg(c.probe_every >= 0, "trainer: probe_every = ", c.probe_every, ", expected ≥ 0 (0 = off)");
  const Shape in = model_.input_shape();
  check_arg(train.channels == in.c && train.height == in.h && train.width == in.w,
            "trainer: dataset images are ", train.channels, "×", train.height, "×", train.width,
            ", the model expects ", in.c, "×", in.h, "×", in.w);
  check_arg(train.classes <= model_.num_classes(), "trainer: dataset has ", train.classes,
            " classes, the model outputs ", model_.num_classes());
  check_arg(train.count >= 1, "trainer: the training set is empty");

  for (auto& info : model_.layers()) {
    if (info.layer->kind() == "batch_norm2d" && info.input.plane() == 1) bn_one_value_ = true;
    if (info.layer->kind() == "dropout") has_dropout_ = true;
  }
  check_arg(!(bn_one_value_ && train.count == 1),
            "trainer: a training set of 1 sample cannot train a model with BatchNorm after a dense layer");

  if (config_.schedule.kind == ScheduleKind::Cosine && config_.schedule.total_steps == 0)
    config_.schedule.total_steps = long(c.epochs) * steps_per_epoch();
  validate(config_.schedule);
  require_training_memory(model_, config_, train.count);
  reserved_batch_ = std::max(c.batch_size, c.eval_batch_size);
  optimizer_ = make_optimizer(config_, model_.params());
  prober_ = std::make_unique<Prober>(model_, probe_config(config_));
}

Trainer::~Trainer() = default;

bool Trainer::skip_single(int n) const { return n == 1 && bn_one_value_; }

int Trainer::steps_per_epoch() const {
  int bs = config_.batch_size;
  int full = train_.count / bs, rest = train_.count % bs;
  return full + (rest > 0 && !(rest == 1 && bn_one_value_ && bs > 1) ? 1 : 0);
}

void Trainer::start_epoch() {
  order_.resize(train_.count);
  std::iota(order_.begin(), order_.end(), 0);
  shuffle_rng_.shuffle(order_.begin(), order_.end());
  cursor_ = 0;
  epoch_started_ = true;
  epoch_loss_ = 0.0;
  epoch_correct_ = epoch_seen_ = epoch_steps_ = 0;
}

void Trainer::set_base_lr(double lr) {
  check_arg(std::isfinite(lr) && lr >= 0, "trainer: learning rate must be finite and >= 0, got ", lr);
  config_.lr = lr;
}

StepResult Trainer::step() {
  if (!epoch_started_) start_epoch();
  const int n = int(std::min<std::size_t>(config_.batch_size, order_.size() - cursor_));
  const double lr = schedule_lr(config_.schedule, config_.lr, step_);
  optimizer_->set_lr(lr);
  fetch_batch(train_, order_.data() + cursor_, std::size_t(n), x_, labels_,
              config_.augment ? &augment_rng_ : nullptr);
  if (has_dropout_) model_.reseed_dropout(dropout_seed(config_.seed, step_));

  // Buffers as before this step: a step that diverges is undone in the running statistics.
  auto buffers = model_.buffers();
  saved_buffers_.resize(buffers.size());
  for (std::size_t k = 0; k < buffers.size(); ++k)
    saved_buffers_[k].assign(buffers[k].value, buffers[k].value + buffers[k].size);

  const bool probing = prober_->due(step_);
  if (probing) prober_->begin_forward();
  const Tensor* out = nullptr;
  try {
    out = &model_.forward(x_, Mode::Train);
  } catch (...) {
    prober_->abort();  // never leave the probe hook installed
    throw;
  }
  const Tensor& logits = *out;
  if (probing) prober_->end_forward(x_);
  LossResult r = loss_.forward(logits, labels_.data());
  if (!std::isfinite(r.loss)) {
    prober_->abort();
    std::string where = find_nonfinite_layer(x_);
    for (std::size_t k = 0; k < buffers.size(); ++k)
      std::copy(saved_buffers_[k].begin(), saved_buffers_[k].end(), buffers[k].value);
    throw Error(msg("training diverged at step ", step_, " (epoch ", epoch_, ", lr ", lr,
                    "): the loss is ", std::isnan(r.loss) ? "NaN" : "infinite", "; ", where));
  }
  model_.zero_grad();
  model_.backward_params(loss_.backward());
  // A NaN can hide from the loss (ReLU maps it to 0) yet poison the gradients: check their
  // global norm too, before the update can spread it into the weights.
  const double norm = config_.clip_norm > 0.0 ? clip_grad_norm(optimizer_->params(), config_.clip_norm)
                                              : grad_norm(optimizer_->params());
  if (!std::isfinite(norm)) {
    prober_->abort();
    std::string bad;
    for (auto& p : optimizer_->params())
      if (bad.empty() && !all_finite(p.grad, p.size)) bad = p.name;
    std::string where = find_nonfinite_layer(x_);
    for (std::size_t k = 0; k < buffers.size(); ++k)
      std::copy(saved_buffers_[k].begin(), saved_buffers_[k].end(), buffers[k].value);
    model_.zero_grad();
    // Every gradient can be finite while the sum of their squares overflows.
    std::string what = bad.empty() ? "the gradient norm overflowed (every gradient is finite, but "
                                     "their squares sum past the float range)"
                                   : msg("the gradient of ", bad, " is not finite");
    throw Error(msg("training diverged at step ", step_, " (epoch ", epoch_, ", lr ", lr, "): ",
                    what, "; ", where));
  }
  if (probing) prober_->before_update(optimizer_->params());
  optimizer_->step();
  if (probing) prober_->after_update(step_, epoch_, r.loss, lr, optimizer_->params());

  StepResult s;
  s.step = step_;
  s.epoch = epoch_;
  s.loss = r.loss;
  s.accuracy = double(r.correct) / n;
  s.lr = lr;
  s.batch = n;
  if (config_.record_history) history_.push_back(s);
  ++step_;
  cursor_ += std::size_t(n);
  epoch_loss_ += r.loss * n;
  epoch_correct_ += r.correct;
  epoch_seen_ += n;
  ++epoch_steps_;

  const std::size_t left = order_.size() - cursor_;
  // A one-sample remainder is skipped when a BatchNorm would see a single value per channel.
  if (left == 0 || (left == 1 && config_.batch_size > 1 && skip_single(1))) {
    EpochResult e;
    e.epoch = epoch_;
    e.steps = epoch_steps_;
    e.loss = epoch_loss_ / epoch_seen_;
    e.accuracy = double(epoch_correct_) / epoch_seen_;
    epochs_.push_back(e);
    ++epoch_;
    epoch_started_ = false;
  }
  return s;
}

EpochResult Trainer::run_epoch() {
  const int e = epoch_;
  while (epoch_ == e) step();
  return epochs_.back();
}

std::string Trainer::find_nonfinite_layer(const Tensor& x) {
  BufferGuard guard(model_);
  std::string first;
  Layer* first_layer = nullptr;
  model_.set_forward_hook([&](const std::string& name, Layer& layer, const Tensor& y) {
    if (first.empty() && !all_finite(y.data(), y.size())) {
      first = name;
      first_layer = &layer;
    }
  });
  if (has_dropout_) model_.reseed_dropout(dropout_seed(config_.seed, step_));
  try {
    model_.forward(x, Mode::Train);
  } catch (...) {
    model_.set_forward_hook(nullptr);
    throw;
  }
  model_.set_forward_hook(nullptr);
  if (!first_layer) return "every layer's output is finite";
  std::string out = msg("the first non-finite output is layer ", first, " (", first_layer->kind(), ")");
  for (auto& p : first_layer->params())
    if (!all_finite(p.value, p.size)) return out + msg(", whose ", p.name, " holds non-finite values");
  return out;
}

EvalResult Trainer::evaluate(const Dataset& data, Mode mode) {
  return evaluate(data, mode, config_.eval_batch_size);
}

EvalResult Trainer::evaluate(const Dataset& data, Mode mode, int batch_size) {
  check_arg(batch_size >= 1, "evaluate: batch_size = ", batch_size, ", expected ≥ 1");
  const Shape in = model_.input_shape();
  check_arg(data.channels == in.c && data.height == in.h && data.width == in.w,
            "evaluate: dataset images are ", data.channels, "×", data.height, "×", data.width,
            ", the model expects ", in.c, "×", in.h, "×", in.w);
  check_arg(data.classes <= model_.num_classes(), "evaluate: dataset has ", data.classes,
            " classes, the model outputs ", model_.num_classes());
  require_forward_memory(model_, std::min(batch_size, data.count), reserved_batch_, "evaluate");
  reserved_batch_ = std::max(reserved_batch_, std::min(batch_size, data.count));
  // Train mode updates running statistics; the guard puts them back.
  std::unique_ptr<BufferGuard> guard;
  if (mode == Mode::Train) guard = std::make_unique<BufferGuard>(model_);
  SoftmaxCrossEntropy ce(0.0f);
  MetricsAccumulator acc(model_.num_classes());
  std::vector<int32_t> idx;
  Tensor x;
  std::vector<int32_t> labels;
  for (int first = 0; first < data.count; first += batch_size) {
    int n = std::min(batch_size, data.count - first);
    if (mode == Mode::Train && n == 1 && skip_single(1) && first > 0) break;
    idx.resize(n);
    std::iota(idx.begin(), idx.end(), first);
    fetch_batch(data, idx.data(), std::size_t(n), x, labels);
    const Tensor& logits = model_.forward(x, mode);
    LossResult r = ce.forward(logits, labels.data());
    acc.add(logits, labels.data(), r.loss);
  }
  return acc.result();
}

TrainEvalGap Trainer::train_eval_gap(const Dataset& data, int batch_size) {
  TrainEvalGap g;
  g.train_mode = evaluate(data, Mode::Train, batch_size);
  g.eval_mode = evaluate(data, Mode::Eval, batch_size);
  g.gap = g.train_mode.accuracy - g.eval_mode.accuracy;
  return g;
}

}  // namespace normlab
