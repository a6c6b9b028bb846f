// The Embind surface, and the only file that includes emscripten/bind.h. It translates and
// decides nothing: check argument types, copy arrays in, call the core, copy results out.
//
// Errors: every method returns a `val` that is either its result or a JS Error (RangeError
// for normlab::ArgumentError) built after the C++ exception has been handled. No exception
// ever crosses from wasm into JS, so nothing is leaked (heap or shadow stack) per error, and
// the JS face (wasm/engine.js) throws what it receives.
//
// Memory: results are copied out (`new Float32Array(view)`) before anything else can grow
// the heap and invalidate the view; inputs are copied in with one TypedArray.set.
#include <emscripten/bind.h>
#include <emscripten/heap.h>
#include <malloc.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "core/data/dataset.hpp"
#include "core/error.hpp"
#include "core/kernels/simd.hpp"
#include "core/layers/activation.hpp"
#include "core/layers/batch_norm2d.hpp"
#include "core/layers/conv2d.hpp"
#include "core/layers/dense.hpp"
#include "core/layers/dropout.hpp"
#include "core/layers/flatten.hpp"
#include "core/layers/group_norm.hpp"
#include "core/layers/layer_norm2d.hpp"
#include "core/layers/pool.hpp"
#include "core/memory_budget.hpp"
#include "core/model/memory_estimate.hpp"
#include "core/model/presets.hpp"
#include "core/serialize.hpp"
#include "core/train/population_stats.hpp"
#include "core/train/checkpoint.hpp"
#include "core/train/trainer.hpp"
#include "core/train/training_memory.hpp"

std::vector<uint8_t> zeroed_bytes(std::size_t n);  // zeroed_bytes.cpp

using emscripten::val;
using normlab::ArgumentError;
using normlab::check_arg;
using normlab::msg;

namespace {

val js_error(const char* type, const std::string& message) {
  return val::global(type).new_(val(message));
}

// Runs f (returning val); turns any exception into a returned JS Error.
template <class F>
val guarded(F&& f) {
  try {
    return f();
  } catch (const ArgumentError& e) {
    return js_error("RangeError", e.what());
  } catch (const std::bad_alloc&) {
    return js_error("Error", "out of memory: the wasm heap could not grow (limit " +
                                 normlab::format_bytes(emscripten_get_heap_max()) +
                                 "); try a smaller batch or model");
  } catch (const std::exception& e) {
    return js_error("Error", e.what());
  } catch (...) {
    return js_error("Error", "unknown error in the normlab engine");
  }
}

// ---- copies across the boundary ----

val float_array(const float* p, std::size_t n) {
  return val::global("Float32Array").new_(emscripten::typed_memory_view(n, p));
}

template <class T>
val typed_array(const char* type, const std::vector<T>& v) {
  return val::global(type).new_(emscripten::typed_memory_view(v.size(), v.data()));
}

bool is_instance(const val& v, const char* type) { return v.instanceof(val::global(type)); }

// Copies a JS Float32Array of exactly `expected` values into dst.
void copy_floats_in(const val& array, float* dst, std::size_t expected, const char* what) {
  check_arg(is_instance(array, "Float32Array"), what, " must be a Float32Array");
  std::size_t n = array["length"].as<std::size_t>();
  check_arg(n == expected, what, " has ", n, " values, expected ", expected);
  val(emscripten::typed_memory_view(n, dst)).call<void>("set", array);
}

// Checks that a JS array is a Float32Array of `expected` values, without copying it.
void check_length(const val& array, std::size_t expected, const char* what) {
  check_arg(is_instance(array, "Float32Array"), what, " must be a Float32Array");
  const std::size_t n = array["length"].as<std::size_t>();
  check_arg(n == expected, what, " has ", n, " values, expected ", expected);
}

std::vector<uint8_t> bytes_in(const val& array, const char* what) {
  check_arg(is_instance(array, "Uint8Array"), what, " must be a Uint8Array");
  std::vector<uint8_t> out = zeroed_bytes(array["length"].as<std::size_t>());
  val(emscripten::typed_memory_view(out.size(), out.data())).call<void>("set", array);
  return out;
}

normlab::Shape shape_in(const val& dims, const char* what) {
  check_arg(dims.isArray(), what, " must be an array [n, c, h, w]");
  int count = dims["length"].as<int>();
  check_arg(count == 4 || count == 2, what, " must have 4 entries [n, c, h, w] (or 2: [n, c]), got ", count);
  int d[4] = {1, 1, 1, 1};
  for (int i = 0; i < count; ++i) {
    double v = dims[i].as<double>();
    check_arg(std::isfinite(v) && v == std::floor(v) && v >= 1 && v <= (1 << 24), what, "[", i,
              "] must be an integer in 1..16777216, got ", v);
    d[i] = int(v);
  }
  normlab::Shape s{d[0], d[1], d[2], d[3]};
  // In 64 bits: Shape::size() is a size_t, which wraps in wasm32.
  const uint64_t values = uint64_t(d[0]) * uint64_t(d[1]) * uint64_t(d[2]) * uint64_t(d[3]);
  check_arg(values <= (uint64_t(1) << 28), what, " ", s.str(), " has ", values,
            " values, more than the limit of 2^28");
  return s;
}

val shape_out(const normlab::Shape& s) {
  val a = val::array();
  a.call<void>("push", s.n, s.c, s.h, s.w);
  return a;
}

// Reads an optional numeric field of an options object.
double number_opt(const val& o, const char* key, double fallback) {
  val v = o[key];
  if (v.isUndefined()) return fallback;
  check_arg(v.isNumber(), "option ", key, " must be a number");
  return v.as<double>();
}

bool bool_opt(const val& o, const char* key, bool fallback) {
  val v = o[key];
  if (v.isUndefined()) return fallback;
  check_arg(v.typeOf().as<std::string>() == "boolean", "option ", key, " must be true or false");
  return v.as<bool>();
}

int int_opt(const val& o, const char* key, int fallback) {
  double v = number_opt(o, key, fallback);
  check_arg(std::isfinite(v) && v == std::floor(v) && std::fabs(v) <= (1 << 30), "option ", key,
            " must be an integer, got ", v);
  return int(v);
}

// A seed: an integer in [0, 2^53) (converting anything else to uint64_t is undefined).
uint64_t seed_opt(const val& o) {
  const double seed = number_opt(o, "seed", 0);
  check_arg(std::isfinite(seed) && seed >= 0 && seed == std::floor(seed) && seed < 9007199254740992.0,
            "option seed must be a non-negative integer, got ", seed);
  return uint64_t(seed);
}

std::string string_opt(const val& o, const char* key, const std::string& fallback) {
  val v = o[key];
  if (v.isUndefined()) return fallback;
  check_arg(v.isString(), "option ", key, " must be a string");
  return v.as<std::string>();
}

val params_out(std::vector<normlab::Param> params, bool grads) {
  val out = val::object();
  for (auto& p : params) out.set(p.name, float_array(grads ? p.grad : p.value, p.size));
  return out;
}

// Writes every named array of `values` into the matching parameter; checks all names and
// lengths first, so a bad call changes nothing.
void params_in(std::vector<normlab::Param> params, const val& values, const char* owner) {
  check_arg(values.typeOf().as<std::string>() == "object" && !values.isNull(), owner,
            ".setParameters expects an object of Float32Arrays");
  val keys = val::global("Object").call<val>("keys", values);
  int n = keys["length"].as<int>();
  std::vector<std::pair<normlab::Param*, val>> todo;
  for (int i = 0; i < n; ++i) {
    std::string key = keys[i].as<std::string>();
    normlab::Param* match = nullptr;
    for (auto& p : params)
      if (p.name == key) match = &p;
    if (!match) {
      std::string names;
      for (auto& p : params) names += (names.empty() ? "" : ", ") + p.name;
      throw ArgumentError(msg(owner, ".setParameters: unknown parameter \"", key, "\" (has: ", names, ")"));
    }
    val a = values[key];
    check_arg(is_instance(a, "Float32Array"), owner, ".setParameters: ", key, " must be a Float32Array");
    check_arg(a["length"].as<std::size_t>() == match->size, owner, ".setParameters: ", key, " has ",
              a["length"].as<std::size_t>(), " values, expected ", match->size);
    todo.emplace_back(match, a);
  }
  for (auto& [p, a] : todo) copy_floats_in(a, p->value, p->size, p->name.c_str());
}

// ---- single layers ----

normlab::LayerPtr make_layer(const std::string& kind, const val& o) {
  using namespace normlab;
  if (kind == "conv2d") {
    Conv2dOptions c;
    c.stride = int_opt(o, "stride", 1);
    c.pad = int_opt(o, "padding", 0);
    c.groups = int_opt(o, "groups", 1);
    c.bias = bool_opt(o, "bias", true);
    return std::make_unique<Conv2d>(int_opt(o, "inChannels", 0), int_opt(o, "outChannels", 0),
                                    int_opt(o, "kernelSize", 0), c);
  }
  if (kind == "dense")
    return std::make_unique<Dense>(int_opt(o, "inFeatures", 0), int_opt(o, "outFeatures", 0),
                                   bool_opt(o, "bias", true));
  if (kind == "batch_norm2d") {
    BatchNormOptions b;
    b.momentum = float(number_opt(o, "momentum", 0.1));
    b.eps = float(number_opt(o, "eps", 1e-5));
    b.affine = bool_opt(o, "affine", true);
    const std::string running_var = string_opt(o, "runningVar", "unbiased");
    check_arg(running_var == "unbiased" || running_var == "biased",
              "option runningVar must be \"unbiased\" or \"biased\", got \"", running_var, "\"");
    b.unbiased_running_var = running_var == "unbiased";
    return std::make_unique<BatchNorm2d>(int_opt(o, "channels", 0), b);
  }
  if (kind == "layer_norm2d_channels")
    return std::make_unique<LayerNorm2dChannels>(int_opt(o, "channels", 0),
                                                 float(number_opt(o, "eps", 1e-6)), bool_opt(o, "affine", true));
  if (kind == "layer_norm2d_sample")
    return std::make_unique<LayerNorm2dSample>(int_opt(o, "channels", 0), int_opt(o, "height", 0),
                                               int_opt(o, "width", 0), float(number_opt(o, "eps", 1e-5)),
                                               bool_opt(o, "affine", true));
  if (kind == "group_norm")
    return std::make_unique<GroupNorm>(int_opt(o, "groups", 0), int_opt(o, "channels", 0),
                                       float(number_opt(o, "eps", 1e-5)), bool_opt(o, "affine", true));
  if (kind == "max_pool2d" || kind == "avg_pool2d") {
    int k = int_opt(o, "kernelSize", 2), s = int_opt(o, "stride", 0), p = int_opt(o, "padding", 0);
    if (kind == "max_pool2d") return std::make_unique<MaxPool2d>(k, s, p);
    return std::make_unique<AvgPool2d>(k, s, p);
  }
  if (kind == "global_avg_pool2d") return std::make_unique<GlobalAvgPool2d>();
  if (kind == "relu") return std::make_unique<Relu>();
  if (kind == "leaky_relu") return std::make_unique<LeakyRelu>(float(number_opt(o, "slope", 0.01)));
  if (kind == "gelu") return std::make_unique<Gelu>();
  if (kind == "silu") return std::make_unique<Silu>();
  if (kind == "sigmoid") return std::make_unique<Sigmoid>();
  if (kind == "dropout")
    return std::make_unique<Dropout>(float(number_opt(o, "p", 0.5)), seed_opt(o));
  if (kind == "flatten") return std::make_unique<Flatten>();
  throw ArgumentError(msg("unknown layer kind \"", kind, "\""));
}

// One layer used on its own. Keeps copies of the last input and output gradient alive,
// because layers may point at their input until backward (layer.hpp).
class LayerBox {
 public:
  val create(std::string kind, val options) {
    return guarded([&] {
      auto layer = make_layer(kind, options);
      normlab::Rng rng(seed_opt(options));
      layer->init(rng);
      layer_ = std::move(layer);
      return val::undefined();
    });
  }
  val forward(val x, val dims, bool training) {
    return guarded([&] {
      normlab::Shape s = shape_in(dims, "shape");
      layer_->output_shape(s);  // validates before anything is overwritten
      check_length(x, s.size(), "input");
      const normlab::MemoryEstimate e = normlab::estimate_layer_memory(*layer_, s, true);
      normlab::require_memory(e.beyond_model(), msg(layer_->kind(), ".forward of shape ", s.str()),
                              e.breakdown(), "use a smaller batch");
      normlab::Tensor input(s);
      copy_floats_in(x, input.data(), s.size(), "input");
      x_ = std::move(input);
      const normlab::Tensor& y = layer_->forward(x_, training ? normlab::Mode::Train : normlab::Mode::Eval);
      ready_ = true;
      return float_array(y.data(), y.size());
    });
  }
  val backward(val dy) {
    return guarded([&] {
      check_arg(ready_, layer_->kind(), ".backward: call forward first");
      normlab::Shape s = layer_->output_shape(x_.shape());
      dy_.resize(s);
      copy_floats_in(dy, dy_.data(), s.size(), "dy");
      const normlab::Tensor& dx = layer_->backward(dy_);
      return float_array(dx.data(), dx.size());
    });
  }
  val outputShape(val dims) {
    return guarded([&] { return shape_out(layer_->output_shape(shape_in(dims, "shape"))); });
  }
  val parameters() { return guarded([&] { return params_out(layer_->params(), false); }); }
  val gradients() { return guarded([&] { return params_out(layer_->params(), true); }); }
  val setParameters(val values) {
    return guarded([&] {
      params_in(layer_->params(), values, layer_->kind().c_str());
      return val::undefined();
    });
  }
  val buffers() {
    return guarded([&] {
      val out = val::object();
      for (auto& b : layer_->buffers()) out.set(b.name, float_array(b.value, b.size));
      return out;
    });
  }
  val zeroGrad() {
    return guarded([&] {
      layer_->zero_grad();
      return val::undefined();
    });
  }
  std::string kind() const { return layer_ ? layer_->kind() : ""; }

 private:
  normlab::LayerPtr layer_;
  normlab::Tensor x_, dy_;
  bool ready_ = false;
};

// ---- models ----

class ModelBox {
 public:
  val create(std::string preset, std::string norm, double seed) {
    return guarded([&] {
      check_arg(std::isfinite(seed) && seed >= 0 && seed == std::floor(seed) && seed < 9007199254740992.0,
                "seed must be a non-negative integer, got ", seed);
      model_ = normlab::make_model(preset, normlab::NormSpec::parse(norm), uint64_t(seed));
      return val::undefined();
    });
  }
  val load(val bytes) {
    return guarded([&] {
      std::vector<uint8_t> data = bytes_in(bytes, "model file");
      model_ = normlab::load_model(data.data(), data.size());
      return val::undefined();
    });
  }
  val save() {
    return guarded([&] {
      std::vector<uint8_t> bytes = normlab::save_model(*model_);
      return typed_array("Uint8Array", bytes);
    });
  }
  val info() {
    return guarded([&] {
      val o = val::object();
      o.set("preset", model_->preset());
      o.set("norm", model_->norm().str());
      o.set("parameters", double(model_->param_count()));
      o.set("forwardFlops", model_->forward_flops_per_sample());
      o.set("trainingFlops", model_->training_flops_per_sample());
      o.set("inputShape", shape_out(model_->input_shape()));
      o.set("classes", model_->num_classes());
      val layers = val::array();
      for (auto& l : model_->layers()) {
        val e = val::object();
        e.set("name", l.name);
        e.set("kind", l.layer->kind());
        e.set("input", shape_out(l.input));
        e.set("output", shape_out(l.output));
        e.set("parameters", double(l.layer->param_count()));
        layers.call<void>("push", e);
      }
      o.set("layers", layers);
      return o;
    });
  }
  // Logits of a batch (N,C,H,W) of already-normalized inputs.
  val forward(val x, int n, bool training) {
    return guarded([&] {
      check_arg(n >= 1 && n <= 65536, "batch size must be in 1..65536, got ", n);
      normlab::Shape s = model_->input_shape();
      s.n = n;
      check_length(x, s.size(), "input");  // before anything is allocated
      normlab::require_forward_memory(*model_, n, 0, "Model.forward");
      normlab::Tensor input(s);
      copy_floats_in(x, input.data(), s.size(), "input");
      const normlab::Tensor& y = model_->forward(input, training ? normlab::Mode::Train : normlab::Mode::Eval);
      return float_array(y.data(), y.size());
    });
  }
  val parameters() { return guarded([&] { return params_out(model_->params(), false); }); }
  val setParameters(val values) {
    return guarded([&] {
      params_in(model_->params(), values, "model");
      return val::undefined();
    });
  }
  val buffers() {
    return guarded([&] {
      val out = val::object();
      for (auto& b : model_->buffers()) out.set(b.name, float_array(b.value, b.size));
      return out;
    });
  }
  std::shared_ptr<normlab::Model> model() const { return model_; }
  // A trainer resumed from a checkpoint hands its model over through this.
  void adopt(std::shared_ptr<normlab::Model> model) { model_ = std::move(model); }

 private:
  std::shared_ptr<normlab::Model> model_;
};

// ---- datasets ----

class DatasetBox {
 public:
  val create(val images, val labels) {
    return guarded([&] {
      std::vector<uint8_t> im = bytes_in(images, "images"), lb = bytes_in(labels, "labels");
      data_ = std::make_shared<normlab::Dataset>(normlab::make_dataset(std::move(im), lb));
      return val::undefined();
    });
  }
  // This box becomes samples [first, first + count) of `source`.
  val createSlice(const DatasetBox& source, int first, int count) {
    return guarded([&] {
      data_ = std::make_shared<normlab::Dataset>(normlab::dataset_slice(*source.data_, first, count));
      return val::undefined();
    });
  }
  val info() {
    return guarded([&] {
      val o = val::object();
      o.set("count", data_->count);
      o.set("height", data_->height);
      o.set("width", data_->width);
      o.set("classes", data_->classes);
      return o;
    });
  }
  val images() { return guarded([&] { return typed_array("Uint8Array", data_->images); }); }
  val labels() { return guarded([&] { return typed_array("Uint8Array", data_->labels); }); }
  std::shared_ptr<normlab::Dataset> data() const { return data_; }

 private:
  std::shared_ptr<normlab::Dataset> data_;
};


// ---- training ----

normlab::TrainConfig config_in(const val& o) {
  normlab::TrainConfig c;
  check_arg(o.typeOf().as<std::string>() == "object" && !o.isNull(), "trainer config must be an object");
  c.optimizer = string_opt(o, "optimizer", c.optimizer);
  c.lr = number_opt(o, "lr", c.lr);
  c.momentum = number_opt(o, "momentum", c.momentum);
  c.nesterov = bool_opt(o, "nesterov", c.nesterov);
  c.weight_decay = number_opt(o, "weightDecay", c.weight_decay);
  c.beta1 = number_opt(o, "beta1", c.beta1);
  c.beta2 = number_opt(o, "beta2", c.beta2);
  c.decay_norm_and_bias = bool_opt(o, "decayNormAndBias", c.decay_norm_and_bias);
  c.batch_size = int_opt(o, "batchSize", c.batch_size);
  double seed = number_opt(o, "seed", 0);
  check_arg(std::isfinite(seed) && seed >= 0 && seed == std::floor(seed) && seed < 9007199254740992.0,
            "seed must be a non-negative integer, got ", seed);
  c.seed = uint64_t(seed);
  c.clip_norm = number_opt(o, "clipNorm", c.clip_norm);
  c.schedule.kind = normlab::parse_schedule_kind(string_opt(o, "schedule", "constant"));
  c.schedule.step_size = int_opt(o, "stepSize", int(c.schedule.step_size));
  c.schedule.gamma = number_opt(o, "gamma", c.schedule.gamma);
  c.schedule.total_steps = int_opt(o, "totalSteps", int(c.schedule.total_steps));
  c.schedule.warmup_steps = int_opt(o, "warmupSteps", int(c.schedule.warmup_steps));
  c.augment = bool_opt(o, "augment", c.augment);
  c.label_smoothing = float(number_opt(o, "labelSmoothing", c.label_smoothing));
  c.epochs = int_opt(o, "epochs", c.epochs);
  c.probe_every = int_opt(o, "probeEvery", c.probe_every);
  c.probe_capacity = int_opt(o, "probeCapacity", c.probe_capacity);
  c.eval_batch_size = int_opt(o, "evalBatchSize", c.eval_batch_size);
  c.record_history = false;  // JS receives every step's result; the engine keeps no copy
  return c;
}

val step_out(const normlab::StepResult& r) {
  val o = val::object();
  o.set("step", double(r.step));
  o.set("epoch", r.epoch);
  o.set("loss", r.loss);
  o.set("accuracy", r.accuracy);
  o.set("lr", r.lr);
  o.set("batch", r.batch);
  return o;
}

val eval_out(const normlab::EvalResult& r) {
  val o = val::object();
  o.set("count", r.count);
  o.set("loss", r.loss);
  o.set("accuracy", r.accuracy);
  std::vector<float> per_class(r.per_class.begin(), r.per_class.end());
  o.set("perClass", typed_array("Float32Array", per_class));
  o.set("confusion", typed_array("Int32Array", r.confusion));
  std::vector<uint8_t> predictions(r.predictions.begin(), r.predictions.end());
  o.set("predictions", typed_array("Uint8Array", predictions));
  o.set("confidence", typed_array("Float32Array", r.confidence));
  return o;
}

val probe_out(const normlab::ProbeSample& s) {
  val o = val::object();
  o.set("step", double(s.step));
  o.set("epoch", s.epoch);
  o.set("loss", s.loss);
  o.set("lr", s.lr);
  val norms = val::array();
  for (auto& n : s.norms) {
    val e = val::object();
    e.set("name", n.name);
    e.set("kind", n.kind);
    e.set("valuesPerStatistic", n.values_per_statistic);
    e.set("batchMean", typed_array("Float32Array", n.batch_mean));
    e.set("batchVar", typed_array("Float32Array", n.batch_var));
    e.set("runningMean", typed_array("Float32Array", n.running_mean));
    e.set("runningVar", typed_array("Float32Array", n.running_var));
    e.set("gamma", typed_array("Float32Array", n.gamma));
    e.set("beta", typed_array("Float32Array", n.beta));
    norms.call<void>("push", e);
  }
  o.set("norms", norms);
  val acts = val::array();
  for (auto& a : s.activations) {
    val e = val::object();
    e.set("name", a.name);
    e.set("kind", a.kind);
    e.set("mean", a.mean);
    e.set("std", a.std);
    e.set("p15", a.p15);
    e.set("p50", a.p50);
    e.set("p85", a.p85);
    e.set("unitP15", a.unit_p15);
    e.set("unitP50", a.unit_p50);
    e.set("unitP85", a.unit_p85);
    e.set("deadFraction", a.dead_fraction);
    acts.call<void>("push", e);
  }
  o.set("activations", acts);
  val params = val::array();
  for (auto& p : s.params) {
    val e = val::object();
    e.set("name", p.name);
    e.set("gradNorm", p.grad_norm);
    e.set("weightNorm", p.weight_norm);
    e.set("updateRatio", p.update_ratio);
    params.call<void>("push", e);
  }
  o.set("params", params);
  return o;
}

normlab::Mode mode_of(bool training) { return training ? normlab::Mode::Train : normlab::Mode::Eval; }

// A trainer shares ownership of its model and data, so disposing either handle in JS
// while the trainer lives cannot leave it dangling.
class TrainerBox {
 public:
  val create(const ModelBox& model, const DatasetBox& data, val config) {
    return guarded([&] {
      check_arg(model.model() != nullptr, "createTrainer: the model was disposed");
      check_arg(data.data() != nullptr, "createTrainer: the dataset was disposed");
      auto trainer = std::make_unique<normlab::Trainer>(*model.model(), *data.data(), config_in(config));
      model_ = model.model();
      data_ = data.data();
      trainer_ = std::move(trainer);
      return val::undefined();
    });
  }
  // Up to `count` steps in one call. On failure returns the Error, with the steps finished
  // before it as error.completed.
  val steps(int count) {
    val out = val::array();
    val result = guarded([&] {
      check_arg(count >= 1 && count <= 100000, "steps: count must be in 1..100000, got ", count);
      for (int i = 0; i < count; ++i) out.call<void>("push", step_out(trainer_->step()));
      return out;
    });
    if (result.instanceof(val::global("Error"))) result.set("completed", out);
    return result;
  }
  val evaluate(const DatasetBox& data, bool training, int batch_size) {
    return guarded([&] {
      check_arg(data.data() != nullptr, "evaluate: the dataset was disposed");
      // 0: the trainer's evalBatchSize, the batch its memory was reserved for.
      if (batch_size == 0) return eval_out(trainer_->evaluate(*data.data(), mode_of(training)));
      return eval_out(trainer_->evaluate(*data.data(), mode_of(training), batch_size));
    });
  }
  // What BatchNorm's running statistics estimate, for the current weights (population_stats.hpp).
  val populationStats(const DatasetBox& data, int batch_size, int max_samples) {
    return guarded([&] {
      check_arg(data.data() != nullptr, "populationStats: the dataset was disposed");
      val out = val::array();
      for (auto& p : normlab::batch_norm_population_stats(*model_, *data.data(), batch_size, max_samples)) {
        val e = val::object();
        e.set("name", p.name);
        e.set("mean", typed_array("Float32Array", p.mean));
        e.set("var", typed_array("Float32Array", p.var));
        e.set("batches", p.batches);
        out.call<void>("push", e);
      }
      return out;
    });
  }
  val setLearningRate(double lr) {
    return guarded([&] {
      check_arg(std::isfinite(lr) && lr >= 0, "learning rate must be a finite number ≥ 0, got ", lr);
      trainer_->set_base_lr(lr);
      return val::undefined();
    });
  }
  // Probe samples taken at steps ≥ since_step, oldest first.
  val probes(double since_step) {
    return guarded([&] {
      val out = val::array();
      const auto& samples = trainer_->probes().samples();
      for (std::size_t i = 0; i < samples.size(); ++i)
        if (double(samples.at(i).step) >= since_step) out.call<void>("push", probe_out(samples.at(i)));
      return out;
    });
  }
  val state() {
    return guarded([&] {
      val o = val::object();
      o.set("step", double(trainer_->steps_done()));
      o.set("epoch", trainer_->epoch());
      o.set("stepsPerEpoch", trainer_->steps_per_epoch());
      return o;
    });
  }
  // A checkpoint of everything needed to continue bitwise (core/train/checkpoint.hpp).
  val save() {
    return guarded([&] { return typed_array("Uint8Array", normlab::save_checkpoint(*trainer_)); });
  }
  // This box becomes the trainer `bytes` holds, training on `data` (the data it was saved with).
  val resume(val bytes, const DatasetBox& data) {
    return guarded([&] {
      check_arg(data.data() != nullptr, "resumeTrainer: the dataset was disposed");
      std::vector<uint8_t> b = bytes_in(bytes, "checkpoint");
      normlab::ResumedTrainer r = normlab::load_checkpoint(b.data(), b.size(), *data.data());
      model_ = std::move(r.model);
      data_ = data.data();
      trainer_ = std::move(r.trainer);
      return val::undefined();
    });
  }
  // Gives `box` a share of the model this trainer trains.
  void shareModel(ModelBox& box) const { box.adopt(model_); }

 private:
  std::shared_ptr<normlab::Model> model_;
  std::shared_ptr<normlab::Dataset> data_;
  std::unique_ptr<normlab::Trainer> trainer_;  // declared last: destroyed before what it uses
};

val engine_info() {
  val o = val::object();
  o.set("simd", std::string(normlab::simd_name()));
  val presets = val::array();
  val descriptions = val::object();
  for (auto& p : normlab::preset_names()) {
    presets.call<void>("push", p);
    descriptions.set(p, normlab::preset_description(p));
  }
  o.set("presets", presets);
  o.set("presetDescriptions", descriptions);
  val norms = val::array();
  for (auto& n : normlab::norm_kind_names()) norms.call<void>("push", n);
  o.set("norms", norms);
  return o;
}

double heap_size() { return double(emscripten_get_heap_size()); }

}  // namespace

// ---- memory limits ----

// The wasm budget: the module's maximum memory (-sMAXIMUM_MEMORY) minus what is in use,
// i.e. the heap's break (static data, stack and every block dlmalloc has claimed) minus the
// free bytes dlmalloc holds below it, and minus a reserve of 1/16 of the maximum (128 MB):
// the estimates are within about 10% of what training allocates, and free blocks can be
// too fragmented to hold a large tensor.
normlab::MemoryBudget wasm_memory_budget() {
  const uint64_t limit = emscripten_get_heap_max();
  const uint64_t top = reinterpret_cast<std::uintptr_t>(sbrk(0));
  const uint64_t free_below = uint64_t(mallinfo().fordblks);
  const uint64_t in_use = (top > free_below ? top - free_below : top) + limit / 16;
  return {limit > in_use ? limit - in_use : 0, limit};
}

val budget_out() {
  const normlab::MemoryBudget b = normlab::memory_budget();
  val o = val::object();
  o.set("availableBytes", double(b.available));
  o.set("limitBytes", double(b.limit));
  o.set("heapBytes", double(emscripten_get_heap_size()));
  return o;
}

// {total, parameters, gradients, ..., availableBytes, fits}: `needed` is what the plan
// adds to what exists, and fits says whether the budget holds it now.
val estimate_out(const normlab::MemoryEstimate& e, uint64_t needed) {
  val o = val::object();
  o.set("total", double(e.total()));
  o.set("parameters", double(e.parameters));
  o.set("gradients", double(e.gradients));
  o.set("optimizerState", double(e.optimizer_state));
  o.set("activations", double(e.activations));
  o.set("caches", double(e.caches));
  o.set("workspaces", double(e.workspaces));
  o.set("batches", double(e.data));
  o.set("probes", double(e.probes));
  const normlab::MemoryBudget b = normlab::memory_budget();
  o.set("availableBytes", double(b.available));
  o.set("limitBytes", double(b.limit));
  o.set("fits", needed <= b.available);
  return o;
}

// The memory of training `model` with `config` (a createTrainer config), beyond the model.
val model_training_memory(ModelBox& box, val config) {
  return guarded([&] {
    check_arg(box.model() != nullptr, "estimateMemory: the model was disposed");
    const normlab::MemoryEstimate e =
        normlab::estimate_memory(*box.model(), normlab::training_plan(config_in(config), 0));
    return estimate_out(e, e.beyond_model());
  });
}

// The same for a preset not built yet. It builds the model for a moment (its parameters
// are allocated, then freed: the heap keeps the room for the real one).
val preset_training_memory(std::string preset, std::string norm, val config) {
  return guarded([&] {
    const normlab::TrainConfig c = config_in(config);
    normlab::MemoryEstimate e;
    {
      auto model = normlab::make_model(preset, normlab::NormSpec::parse(norm), 0);
      e = normlab::estimate_memory(*model, normlab::training_plan(c, 0));
    }
    return estimate_out(e, e.total());
  });
}

EMSCRIPTEN_BINDINGS(normlab_limits) {
  normlab::set_memory_budget(&wasm_memory_budget);
  emscripten::function("memoryBudget", &budget_out);
  emscripten::function("estimateMemory", &preset_training_memory);
}

EMSCRIPTEN_BINDINGS(normlab) {
  using namespace emscripten;
  function("engineInfo", &engine_info);
  function("heapSize", &heap_size);
  class_<LayerBox>("LayerBox")
      .constructor<>()
      .function("create", &LayerBox::create)
      .function("forward", &LayerBox::forward)
      .function("backward", &LayerBox::backward)
      .function("outputShape", &LayerBox::outputShape)
      .function("parameters", &LayerBox::parameters)
      .function("gradients", &LayerBox::gradients)
      .function("setParameters", &LayerBox::setParameters)
      .function("buffers", &LayerBox::buffers)
      .function("zeroGrad", &LayerBox::zeroGrad)
      .function("kind", &LayerBox::kind);
  class_<ModelBox>("ModelBox")
      .constructor<>()
      .function("create", &ModelBox::create)
      .function("load", &ModelBox::load)
      .function("save", &ModelBox::save)
      .function("info", &ModelBox::info)
      .function("forward", &ModelBox::forward)
      .function("parameters", &ModelBox::parameters)
      .function("setParameters", &ModelBox::setParameters)
      .function("buffers", &ModelBox::buffers)
      .function("estimateMemory", &model_training_memory);
  class_<DatasetBox>("DatasetBox")
      .constructor<>()
      .function("create", &DatasetBox::create)
      .function("createSlice", &DatasetBox::createSlice)
      .function("info", &DatasetBox::info)
      .function("images", &DatasetBox::images)
      .function("labels", &DatasetBox::labels);
  class_<TrainerBox>("TrainerBox")
      .constructor<>()
      .function("create", &TrainerBox::create)
      .function("steps", &TrainerBox::steps)
      .function("evaluate", &TrainerBox::evaluate)
      .function("populationStats", &TrainerBox::populationStats)
      .function("setLearningRate", &TrainerBox::setLearningRate)
      .function("probes", &TrainerBox::probes)
      .function("state", &TrainerBox::state)
      .function("save", &TrainerBox::save)
      .function("resume", &TrainerBox::resume)
      .function("shareModel", &TrainerBox::shareModel);
}
