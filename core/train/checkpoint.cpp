#include "checkpoint.hpp"

#include <cstring>

#include "../error.hpp"
#include "../memory_budget.hpp"
#include "../serialize.hpp"

namespace normlab {
namespace {

constexpr char kMagic[4] = {'N', 'L', 'C', 'K'};
constexpr std::size_t kHeaderBytes = 16;  // magic, version, size
constexpr std::size_t kMaxName = 64;       // optimizer names

class Writer {
 public:
  void bytes(const void* p, std::size_t n) {
    const auto* b = static_cast<const uint8_t*>(p);
    out_.insert(out_.end(), b, b + n);
  }
  void u8(uint8_t v) { out_.push_back(v); }
  void u32(uint32_t v) {
    for (int i = 0; i < 4; ++i) out_.push_back(uint8_t(v >> (8 * i)));
  }
  void u64(uint64_t v) {
    for (int i = 0; i < 8; ++i) out_.push_back(uint8_t(v >> (8 * i)));
  }
  void i32(int32_t v) { u32(uint32_t(v)); }
  void i64(int64_t v) { u64(uint64_t(v)); }
  void f32(float v) {
    uint32_t bits;
    std::memcpy(&bits, &v, 4);
    u32(bits);
  }
  void f64(double v) {
    uint64_t bits;
    std::memcpy(&bits, &v, 8);
    u64(bits);
  }
  void string(const std::string& s) {
    u32(uint32_t(s.size()));
    bytes(s.data(), s.size());
  }
  void floats(const std::vector<float>& v) {
    u32(uint32_t(v.size()));
    for (float x : v) f32(x);
  }
  void reserve(std::size_t n) { out_.reserve(n); }
  std::vector<uint8_t>& out() { return out_; }

 private:
  std::vector<uint8_t> out_;
};

// A bounds-checked cursor; every failure names the field and the offset.
class Reader {
 public:
  Reader(const uint8_t* data, std::size_t size, std::size_t pos) : data_(data), end_(size), pos_(pos) {}

  [[noreturn]] static void fail(const std::string& what) { throw Error(msg("checkpoint: ", what)); }

  void need(std::size_t n, const char* what) const {
    if (n > end_ - pos_)
      fail(msg("corrupt: ", what, " needs ", n, " bytes at offset ", pos_, ", only ", end_ - pos_,
               " left"));
  }
  uint64_t uint(int bytes, const char* what) {
    need(std::size_t(bytes), what);
    uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v |= uint64_t(data_[pos_ + i]) << (8 * i);
    pos_ += std::size_t(bytes);
    return v;
  }
  uint8_t u8(const char* what) { return uint8_t(uint(1, what)); }
  uint32_t u32(const char* what) { return uint32_t(uint(4, what)); }
  uint64_t u64(const char* what) { return uint(8, what); }
  int32_t i32(const char* what) { return int32_t(u32(what)); }
  int64_t i64(const char* what) { return int64_t(u64(what)); }
  bool flag(const char* what) {
    const uint8_t v = u8(what);
    if (v > 1) fail(msg("corrupt: ", what, " is ", int(v), ", expected 0 or 1"));
    return v == 1;
  }
  float f32(const char* what) {
    const uint32_t bits = u32(what);
    float v;
    std::memcpy(&v, &bits, 4);
    return v;
  }
  double f64(const char* what) {
    const uint64_t bits = u64(what);
    double v;
    std::memcpy(&v, &bits, 8);
    return v;
  }
  // A u32 count of items of at least `item_bytes` (≥ 1) each, checked against what is left.
  uint32_t count(std::size_t item_bytes, const char* what) {
    const std::size_t at = pos_;
    const uint32_t n = u32(what);
    if (n > (end_ - pos_) / item_bytes)
      fail(msg("corrupt: ", what, " at offset ", at, " is ", n, ", more than the ", end_ - pos_,
               " bytes left can hold"));
    return n;
  }
  std::string string(std::size_t max_len, const char* what) {
    const uint32_t n = count(1, what);
    if (n > max_len) fail(msg("corrupt: ", what, " is ", n, " bytes long, the limit is ", max_len));
    std::string s(reinterpret_cast<const char*>(data_ + pos_), n);
    pos_ += n;
    return s;
  }
  const uint8_t* blob(std::size_t& n, const char* what) {
    n = count(1, what);
    const uint8_t* p = data_ + pos_;
    pos_ += n;
    return p;
  }
  std::vector<float> floats(const char* what) {
    const uint32_t n = count(4, what);
    std::vector<float> v(n);
    for (auto& x : v) x = f32(what);
    return v;
  }
  std::size_t left() const { return end_ - pos_; }

 private:
  const uint8_t* data_;
  std::size_t end_, pos_;
};

struct DataPrint {
  uint32_t count, channels, height, width, classes, images_crc, labels_crc;
  bool operator==(const DataPrint& o) const {
    return count == o.count && channels == o.channels && height == o.height && width == o.width &&
           classes == o.classes && images_crc == o.images_crc && labels_crc == o.labels_crc;
  }
};

DataPrint fingerprint(const Dataset& d) {
  return {uint32_t(d.count),   uint32_t(d.channels), uint32_t(d.height),
          uint32_t(d.width),   uint32_t(d.classes),  crc32(d.images.data(), d.images.size()),
          crc32(d.labels.data(), d.labels.size())};
}

std::string describe(const DataPrint& p) {
  return msg(p.count, " samples of ", p.channels, "×", p.height, "×", p.width, ", ", p.classes,
             " classes, checksums 0x", hex_digits(p.images_crc, 8), "/0x", hex_digits(p.labels_crc, 8));
}

void write_config(Writer& w, const TrainConfig& c) {
  w.string(c.optimizer);
  w.f64(c.lr);
  w.f64(c.momentum);
  w.u8(c.nesterov);
  w.f64(c.weight_decay);
  w.f64(c.beta1);
  w.f64(c.beta2);
  w.f64(c.eps);
  w.u8(c.decay_norm_and_bias);
  w.i32(c.batch_size);
  w.u64(c.seed);
  w.f64(c.clip_norm);
  w.u32(uint32_t(c.schedule.kind));
  w.i64(c.schedule.step_size);
  w.f64(c.schedule.gamma);
  w.i64(c.schedule.total_steps);
  w.i64(c.schedule.warmup_steps);
  w.u8(c.augment);
  w.f32(c.label_smoothing);
  w.i32(c.epochs);
  w.i32(c.probe_every);
  w.i32(c.probe_capacity);
  w.i32(c.probe_activation_sample);
  w.i32(c.eval_batch_size);
  w.u8(c.record_history);
}

TrainConfig read_config(Reader& r) {
  TrainConfig c;
  c.optimizer = r.string(kMaxName, "the optimizer name");
  c.lr = r.f64("lr");
  c.momentum = r.f64("momentum");
  c.nesterov = r.flag("nesterov");
  c.weight_decay = r.f64("weight_decay");
  c.beta1 = r.f64("beta1");
  c.beta2 = r.f64("beta2");
  c.eps = r.f64("eps");
  c.decay_norm_and_bias = r.flag("decay_norm_and_bias");
  c.batch_size = r.i32("batch_size");
  c.seed = r.u64("seed");
  c.clip_norm = r.f64("clip_norm");
  const uint32_t kind = r.u32("the schedule kind");
  if (kind > uint32_t(ScheduleKind::Cosine))
    Reader::fail(msg("corrupt: schedule kind ", kind, " is unknown"));
  c.schedule.kind = ScheduleKind(kind);
  c.schedule.step_size = long(r.i64("the schedule's step_size"));
  c.schedule.gamma = r.f64("the schedule's gamma");
  c.schedule.total_steps = long(r.i64("the schedule's total_steps"));
  c.schedule.warmup_steps = long(r.i64("the schedule's warmup_steps"));
  c.augment = r.flag("augment");
  c.label_smoothing = r.f32("label_smoothing");
  c.epochs = r.i32("epochs");
  c.probe_every = r.i32("probe_every");
  c.probe_capacity = r.i32("probe_capacity");
  c.probe_activation_sample = r.i32("probe_activation_sample");
  c.eval_batch_size = r.i32("eval_batch_size");
  c.record_history = r.flag("record_history");
  return c;
}

void write_rng(Writer& w, const Rng& rng) {
  const Rng::State s = rng.state();
  w.u64(s.state);
  w.u64(s.inc);
  w.u8(s.has_spare);
  w.f32(s.spare);
}

Rng::State read_rng(Reader& r, const char* which) {
  Rng::State s;
  s.state = r.u64(which);
  s.inc = r.u64(which);
  if ((s.inc & 1u) == 0) Reader::fail(msg("corrupt: the ", which, " has an even increment"));
  s.has_spare = r.flag(which);
  s.spare = r.f32(which);
  return s;
}

void check_header(const uint8_t* data, std::size_t size) {
  if (data == nullptr && size > 0) Reader::fail("null data with a nonzero size");
  if (size < 4) Reader::fail(msg("truncated: ", size, " bytes, too short for the magic 'NLCK'"));
  if (std::memcmp(data, "NLAB", 4) == 0)
    Reader::fail("this is a model file ('NLAB'), not a trainer checkpoint ('NLCK')");
  if (std::memcmp(data, kMagic, 4) != 0) {
    Reader::fail(msg("bad magic: the data starts with bytes ", hex_bytes(data, 4),
                     ", expected 'NLCK' (4e 4c 43 4b); not a normlab trainer checkpoint"));
  }
  Reader r(data, size, 4);
  if (size < kHeaderBytes)
    Reader::fail(msg("truncated: ", size, " bytes, too short for the ", kHeaderBytes, "-byte header"));
  const uint32_t version = r.u32("the version");
  if (version != kCheckpointVersion)
    Reader::fail(msg("unsupported version ", version, "; this build reads version ", kCheckpointVersion));
  const uint64_t declared = r.u64("the size");
  if (declared > size)
    Reader::fail(msg("truncated: the header says ", declared, " bytes, only ", size, " are here"));
  if (declared < size)
    Reader::fail(msg(size - declared, " unexpected bytes after the end (the header says ", declared,
                     " bytes)"));
  if (size < kHeaderBytes + 4) Reader::fail(msg("truncated: ", size, " bytes leave no room for the checksum"));
  uint32_t stored = 0;
  for (int i = 0; i < 4; ++i) stored |= uint32_t(data[size - 4 + i]) << (8 * i);
  const uint32_t computed = crc32(data, size - 4);
  if (stored != computed) {
    Reader::fail(msg("checksum mismatch (stored 0x", hex_digits(stored, 8), ", computed 0x",
                     hex_digits(computed, 8), "): the checkpoint is corrupted"));
  }
}

}  // namespace

// The trainer's private state, written and read in the format's order.
struct CheckpointAccess {
  static std::vector<uint8_t> save(Trainer& t) {
    const std::vector<uint8_t> model = save_model(t.model_);
    const auto buffers = t.optimizer_->state_buffers();
    std::size_t floats = 0;
    for (const auto* b : buffers) floats += b->size();
    Writer w;
    w.reserve(1024 + model.size() + 4 * (floats + buffers.size() + t.order_.size()) +
              24 * t.epochs_.size());
    w.bytes(kMagic, 4);
    w.u32(kCheckpointVersion);
    w.u64(0);  // the size, patched below
    write_config(w, t.config_);
    const DataPrint p = fingerprint(t.train_);
    for (uint32_t v : {p.count, p.channels, p.height, p.width, p.classes, p.images_crc, p.labels_crc})
      w.u32(v);
    w.u32(uint32_t(model.size()));
    w.bytes(model.data(), model.size());

    w.i64(t.step_);
    w.i32(t.epoch_);
    w.u8(t.epoch_started_);
    w.u64(t.cursor_);
    w.u32(uint32_t(t.order_.size()));
    for (int32_t i : t.order_) w.i32(i);
    write_rng(w, t.shuffle_rng_);
    write_rng(w, t.augment_rng_);
    w.f64(t.epoch_loss_);
    w.i32(t.epoch_correct_);
    w.i32(t.epoch_seen_);
    w.i32(t.epoch_steps_);
    w.u32(uint32_t(t.epochs_.size()));
    for (const EpochResult& e : t.epochs_) {
      w.i32(e.epoch);
      w.i32(e.steps);
      w.f64(e.loss);
      w.f64(e.accuracy);
    }

    Optimizer& o = *t.optimizer_;
    w.string(o.name());
    w.i64(o.steps());
    w.u32(uint32_t(buffers.size()));
    for (const auto* b : buffers) w.floats(*b);

    std::vector<uint8_t>& out = w.out();
    const uint64_t size = out.size() + 4;
    for (int i = 0; i < 8; ++i) out[8 + i] = uint8_t(size >> (8 * i));
    const uint32_t crc = crc32(out.data(), out.size());
    w.u32(crc);
    return std::move(out);
  }

  static ResumedTrainer load(const uint8_t* data, std::size_t size, const Dataset& train) {
    check_header(data, size);
    Reader r(data, size - 4, kHeaderBytes);  // the checksum is not part of the fields
    const TrainConfig config = read_config(r);

    DataPrint saved;
    uint32_t* fields[] = {&saved.count, &saved.channels,   &saved.height,    &saved.width,
                          &saved.classes, &saved.images_crc, &saved.labels_crc};
    for (uint32_t* f : fields) *f = r.u32("the dataset fingerprint");
    const DataPrint given = fingerprint(train);
    if (!(saved == given))
      throw ArgumentError(msg("checkpoint: it was trained on ", describe(saved), "; this dataset has ",
                              describe(given), ". Resume it with the same training data"));

    std::size_t model_size = 0;
    const uint8_t* model_bytes = r.blob(model_size, "the model file");
    ResumedTrainer out;
    try {
      out.model = load_model(model_bytes, model_size);
    } catch (const Error& e) {
      Reader::fail(msg("the embedded ", e.what()));
    }

    const int64_t step = r.i64("step");
    const int32_t epoch = r.i32("epoch");
    const bool started = r.flag("epoch_started");
    const uint64_t cursor = r.u64("cursor");
    std::vector<int32_t> order(r.count(4, "the order's length"));
    for (auto& i : order) i = r.i32("the order");
    const Rng::State shuffle = read_rng(r, "shuffle generator");
    const Rng::State augment = read_rng(r, "augmentation generator");
    const double epoch_loss = r.f64("epoch_loss");
    const int32_t epoch_correct = r.i32("epoch_correct");
    const int32_t epoch_seen = r.i32("epoch_seen");
    const int32_t epoch_steps = r.i32("epoch_steps");
    std::vector<EpochResult> epochs(r.count(24, "the number of finished epochs"));
    for (auto& e : epochs) {
      e.epoch = r.i32("a finished epoch");
      e.steps = r.i32("a finished epoch");
      e.loss = r.f64("a finished epoch");
      e.accuracy = r.f64("a finished epoch");
    }
    const std::string optimizer = r.string(kMaxName, "the optimizer's name");
    const int64_t optimizer_steps = r.i64("the optimizer's step count");
    const uint32_t vectors = r.count(4, "the number of optimizer vectors");
    if (vectors > 2 * out.model->params().size())  // Adam's two per parameter at most
      Reader::fail(msg("corrupt: ", vectors, " optimizer vectors for ", out.model->params().size(),
                       " parameters"));
    std::vector<std::vector<float>> state(vectors);
    for (auto& v : state) v = r.floats("an optimizer vector");
    if (r.left() != 0) Reader::fail(msg("corrupt: ", r.left(), " unused bytes before the checksum"));

    // The fields are read; check they describe a state this trainer can be in.
    const auto bad = [](const std::string& what) { Reader::fail(msg("corrupt: ", what)); };
    if (step < 0 || epoch < 0 || epoch_correct < 0 || epoch_seen < 0 || epoch_steps < 0 ||
        epoch_correct > epoch_seen)
      bad(msg("negative or inconsistent counters (step ", step, ", epoch ", epoch, ", correct ",
              epoch_correct, " of ", epoch_seen, ", ", epoch_steps, " steps this epoch)"));
    if (started) {
      if (order.size() != std::size_t(train.count))
        bad(msg("the epoch's order has ", order.size(), " entries for ", train.count, " samples"));
      std::vector<char> seen(order.size(), 0);
      for (int32_t i : order) {
        if (i < 0 || i >= train.count || seen[std::size_t(i)])
          bad(msg("the epoch's order is not a permutation (index ", i, ")"));
        seen[std::size_t(i)] = 1;
      }
      if (cursor >= order.size())
        bad(msg("the cursor ", cursor, " is past the epoch's last sample ", order.size() - 1));
    }  // between epochs the order and cursor are stale: the next step starts them afresh
    if (optimizer != config.optimizer)
      bad(msg("the optimizer state is ", optimizer, "'s, the config says ", config.optimizer));

    try {
      out.trainer = std::make_unique<Trainer>(*out.model, train, config);
    } catch (const MemoryLimitError&) {
      throw;
    } catch (const ArgumentError& e) {
      bad(msg("its config is invalid: ", e.what()));
    }
    Trainer& t = *out.trainer;
    Optimizer& o = *t.optimizer_;
    const auto targets = o.state_buffers();
    if (state.size() != targets.size())
      bad(msg(optimizer, " keeps ", targets.size(), " state vectors for this model, the checkpoint has ",
              state.size()));
    const auto& params = o.params();
    bool any_empty = false, any_full = false;
    for (std::size_t k = 0; k < state.size(); ++k) {
      const Param& p = params[k % params.size()];
      if (!state[k].empty() && state[k].size() != p.size)
        bad(msg("optimizer vector ", k, " has ", state[k].size(), " values, parameter ", p.name,
                " has ", p.size));
      (state[k].empty() ? any_empty : any_full) = true;
    }
    if (any_empty && any_full) bad("some optimizer vectors are empty and others are not");
    if (optimizer_steps < 0) bad(msg("the optimizer's step count is ", optimizer_steps));

    for (std::size_t k = 0; k < state.size(); ++k) *targets[k] = std::move(state[k]);
    o.set_steps(long(optimizer_steps));
    t.step_ = long(step);
    t.epoch_ = epoch;
    t.epoch_started_ = started;
    t.cursor_ = std::size_t(cursor);
    t.order_ = std::move(order);
    t.shuffle_rng_.set_state(shuffle);
    t.augment_rng_.set_state(augment);
    t.epoch_loss_ = epoch_loss;
    t.epoch_correct_ = epoch_correct;
    t.epoch_seen_ = epoch_seen;
    t.epoch_steps_ = epoch_steps;
    t.epochs_ = std::move(epochs);
    return out;
  }
};

std::vector<uint8_t> save_checkpoint(Trainer& trainer) { return CheckpointAccess::save(trainer); }

ResumedTrainer load_checkpoint(const uint8_t* data, std::size_t size, const Dataset& train) {
  return CheckpointAccess::load(data, size, train);
}

}  // namespace normlab
