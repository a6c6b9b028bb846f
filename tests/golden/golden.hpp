#pragma once
// Loader for the PyTorch golden fixtures written by tests/golden/make_golden.py, and the
// comparison the golden tests use. Format (one case per file, fixtures/<case>.txt):
//   # comment
//   tensor <name> <ndim> <d0> <d1> ...
//   <values, whitespace separated, row-major>
//   scalar <name> <value>
// Values are float64; inputs and parameters are float32-representable, so converting them
// to float loses nothing. A malformed or missing fixture throws std::runtime_error naming
// the file and what was wrong (the test then fails with that message).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/layers/layer.hpp"
#include "core/tensor.hpp"

namespace normlab::golden {

struct GoldenTensor {
  std::vector<int> dims;
  std::vector<double> values;

  std::size_t size() const { return values.size(); }
  // The engine shape: up to 4 dims as (N,C,H,W), missing trailing dims are 1.
  Shape shape() const {
    if (dims.size() > 4) throw std::runtime_error("golden tensor has more than 4 dims");
    int d[4] = {1, 1, 1, 1};
    for (std::size_t i = 0; i < dims.size(); ++i) d[i] = dims[i];
    return Shape{d[0], d[1], d[2], d[3]};
  }
  std::vector<float> floats() const { return std::vector<float>(values.begin(), values.end()); }
  Tensor to_tensor() const {
    Tensor t(shape());
    for (std::size_t i = 0; i < values.size(); ++i) t[i] = float(values[i]);
    return t;
  }
};

inline std::string fixture_path(const std::string& case_name) {
  return std::string(NORMLAB_SOURCE_DIR) + "/tests/golden/fixtures/" + case_name + ".txt";
}

class Fixture {
 public:
  explicit Fixture(const std::string& case_name) : case_(case_name) {
    const std::string path = fixture_path(case_name);
    std::ifstream in(path);
    if (!in) fail("cannot open " + path + " (regenerate: /usr/bin/python3 tests/golden/make_golden.py)");
    std::string line;
    // Tensor values may span many lines, so parse token by token outside comments.
    std::stringstream body;
    while (std::getline(in, line)) {
      if (!line.empty() && line[0] == '#') continue;
      body << line << '\n';
    }
    std::string kind;
    while (body >> kind) {
      std::string name;
      if (!(body >> name)) fail("'" + kind + "' without a name");
      if (kind == "scalar") {
        double v;
        if (!(body >> v)) fail("scalar " + name + " has no value");
        scalars_[name] = v;
      } else if (kind == "tensor") {
        GoldenTensor t;
        int ndim = -1;
        if (!(body >> ndim) || ndim < 0) fail("tensor " + name + " has no ndim");
        std::size_t count = 1;
        for (int i = 0; i < ndim; ++i) {
          int d = -1;
          if (!(body >> d) || d < 0) fail("tensor " + name + " has a bad dimension");
          t.dims.push_back(d);
          count *= std::size_t(d);
        }
        t.values.resize(count);
        for (std::size_t i = 0; i < count; ++i)
          if (!(body >> t.values[i]))
            fail("tensor " + name + " has " + std::to_string(i) + " values, expected " +
                 std::to_string(count));
        tensors_[name] = std::move(t);
      } else {
        fail("unknown entry '" + kind + "' (expected 'tensor' or 'scalar')");
      }
    }
  }

  const std::string& name() const { return case_; }
  bool has(const std::string& name) const {
    return tensors_.count(name) != 0 || scalars_.count(name) != 0;
  }
  const GoldenTensor& tensor(const std::string& name) const {
    auto it = tensors_.find(name);
    if (it == tensors_.end()) fail("no tensor '" + name + "'");
    return it->second;
  }
  double scalar(const std::string& name) const {
    auto it = scalars_.find(name);
    if (it == scalars_.end()) fail("no scalar '" + name + "'");
    return it->second;
  }
  // Every tensor's name, sorted.
  std::vector<std::string> tensor_names() const {
    std::vector<std::string> names;
    for (const auto& kv : tensors_) names.push_back(kv.first);
    return names;
  }
  int integer(const std::string& name) const { return int(std::lround(scalar(name))); }
  Tensor to_tensor(const std::string& name) const { return tensor(name).to_tensor(); }
  std::vector<float> floats(const std::string& name) const { return tensor(name).floats(); }

  // Copies tensor `name` into n floats at dst; its size must be n.
  void copy_to(const std::string& name, float* dst, std::size_t n) const {
    const GoldenTensor& t = tensor(name);
    if (t.size() != n)
      fail("tensor " + name + " has " + std::to_string(t.size()) + " values, engine expects " +
           std::to_string(n));
    for (std::size_t i = 0; i < n; ++i) dst[i] = float(t.values[i]);
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw std::runtime_error("golden fixture " + case_ + ": " + what);
  }
  std::string case_;
  std::map<std::string, GoldenTensor> tensors_;
  std::map<std::string, double> scalars_;
};

// Result of comparing engine output against a golden tensor. The relative error of an
// element is |got − want| / max(|want|, atol/rtol): below the floor atol/rtol the absolute
// term dominates the tolerance, so that is where "relative" stops meaning anything.
struct Comparison {
  double max_abs = 0.0, max_rel = 0.0;
  double max_ratio = 0.0;      // largest |got − want| / (atol + rtol·|want|): ≤ 1 passes
  std::size_t worst = 0;       // index with the largest relative error
  std::string first_failure;   // "" when every element is within atol + rtol·|want|
};

inline Comparison compare(const float* got, const std::vector<double>& want, double atol,
                          double rtol) {
  Comparison c;
  const double floor = atol / rtol;
  for (std::size_t i = 0; i < want.size(); ++i) {
    const double g = double(got[i]), w = want[i];
    const double err = std::fabs(g - w);
    const double rel = err / std::max(std::fabs(w), floor);
    if (!(err <= c.max_abs)) c.max_abs = err;  // also catches NaN
    const double ratio = err / (atol + rtol * std::fabs(w));
    if (!(ratio <= c.max_ratio)) c.max_ratio = ratio;
    if (!(rel <= c.max_rel)) {
      c.max_rel = rel;
      c.worst = i;
    }
    if (c.first_failure.empty() && !(err <= atol + rtol * std::fabs(w))) {
      std::ostringstream out;
      out << "index " << i << " of " << want.size() << ": got " << g << ", want " << w
          << " (atol " << atol << ", rtol " << rtol << ")";
      c.first_failure = out.str();
    }
  }
  return c;
}

// Set NORMLAB_GOLDEN_REPORT=1 to print every comparison's max errors (used for reports).
inline void report(const std::string& what, const Comparison& c) {
  static const bool enabled = std::getenv("NORMLAB_GOLDEN_REPORT") != nullptr;
  if (enabled)
    std::cout << "golden " << what << ": max rel " << c.max_rel << ", max abs " << c.max_abs
              << ", of tolerance " << c.max_ratio << "\n";
}

// The parameter `name` of a layer's params(); throws naming the ones that exist.
inline Param find_param(std::vector<Param> params, const std::string& name) {
  std::string names;
  for (auto& p : params) {
    if (p.name == name) return p;
    names += " " + p.name;
  }
  throw std::runtime_error("no parameter '" + name + "' (have:" + names + ")");
}

// Sets parameter `param` of `params` from fixture tensor `tname`; dims and size must match.
inline void load_param(const std::vector<Param>& params, const std::string& param,
                       const Fixture& fx, const std::string& tname) {
  Param p = find_param(params, param);
  const GoldenTensor& t = fx.tensor(tname);
  if (!p.shape.empty() && p.shape != t.dims) {
    std::string got, want;
    for (int d : p.shape) got += " " + std::to_string(d);
    for (int d : t.dims) want += " " + std::to_string(d);
    throw std::runtime_error(fx.name() + ": parameter " + param + " has shape (" + got +
                             " ), fixture " + tname + " has (" + want + " )");
  }
  fx.copy_to(tname, p.value, p.size);
}

}  // namespace normlab::golden

// GOLDEN_CHECK(fixture, "dx", got_ptr, n, atol, rtol): the n engine values at got_ptr match
// the fixture tensor (which must hold n values) elementwise within atol + rtol·|want|.
#define GOLDEN_CHECK(fx, tname, got, n, atol, rtol)                                        \
  do {                                                                                     \
    const auto& golden_want_ = (fx).tensor(tname);                                         \
    REQUIRE(std::size_t(n) == golden_want_.size());                                        \
    const auto golden_cmp_ = ::normlab::golden::compare((got), golden_want_.values,        \
                                                        (atol), (rtol));                   \
    ::normlab::golden::report((fx).name() + " " + (tname), golden_cmp_);                   \
    INFO((fx).name() << " " << (tname) << ": max rel " << golden_cmp_.max_rel              \
                     << " at " << golden_cmp_.worst);                                      \
    REQUIRE(golden_cmp_.first_failure == std::string());                                   \
  } while (0)

// Like GOLDEN_CHECK, and first checks the engine tensor's shape against the fixture's.
#define GOLDEN_CHECK_TENSOR(fx, tname, engine_t, atol, rtol)                               \
  do {                                                                                     \
    const ::normlab::Tensor& golden_t_ = (engine_t);                                       \
    REQUIRE(golden_t_.shape().str() == (fx).tensor(tname).shape().str());                  \
    GOLDEN_CHECK(fx, tname, golden_t_.data(), golden_t_.size(), atol, rtol);            \
  } while (0)
