#pragma once
// Naive double-precision references of the non-norm layers and the loss: convolution,
// dense, pooling, squeeze-excite, softmax cross-entropy — forward and backward, written
// straight from the definitions (PyTorch's semantics) with plain loops. Tests compare the
// float layers against these, and check these backwards against central differences.
// Nested in ref::layers so they never clash with the kernel references in ref::.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "core/tensor.hpp"

namespace normlab::ref::layers {

// An NCHW tensor of doubles.
struct DTensor {
  Shape shape;
  std::vector<double> v;

  DTensor() = default;
  explicit DTensor(Shape s, double fill = 0.0) : shape(s), v(s.size(), fill) {}
  std::size_t size() const { return v.size(); }
  double& at(int n, int c, int h, int w) { return v[index(n, c, h, w)]; }
  double at(int n, int c, int h, int w) const { return v[index(n, c, h, w)]; }
  std::size_t index(int n, int c, int h, int w) const {
    return ((std::size_t(n) * shape.c + c) * shape.h + h) * shape.w + w;
  }
};

inline DTensor to_double(const Tensor& t) {
  DTensor d(t.shape());
  for (std::size_t i = 0; i < t.size(); ++i) d.v[i] = t[i];
  return d;
}
inline std::vector<double> to_double(const float* p, std::size_t n) {
  return std::vector<double>(p, p + n);
}

// ---- Convolution ----------------------------------------------------------------------

struct ConvSpec {
  int in = 1, out = 1, kernel = 1, stride = 1, pad = 0, groups = 1;
};

inline Shape conv2d_output_shape(const Shape& x, const ConvSpec& s) {
  return Shape{x.n, s.out, (x.h + 2 * s.pad - s.kernel) / s.stride + 1,
               (x.w + 2 * s.pad - s.kernel) / s.stride + 1};
}

// y[n,o,i,j] = b[o] + Σ_{c in o's group, a, b} w[o, c−c0, a, b] · x[n, c, i·s−p+a, j·s−p+b]
// w: (out, in/groups, k, k); b empty means no bias.
inline DTensor conv2d_forward(const DTensor& x, const ConvSpec& s, const std::vector<double>& w,
                              const std::vector<double>& b) {
  DTensor y(conv2d_output_shape(x.shape, s));
  const int cin_g = s.in / s.groups, cout_g = s.out / s.groups, k = s.kernel;
  for (int n = 0; n < y.shape.n; ++n)
    for (int o = 0; o < s.out; ++o) {
      const int c0 = (o / cout_g) * cin_g;
      for (int i = 0; i < y.shape.h; ++i)
        for (int j = 0; j < y.shape.w; ++j) {
          double sum = b.empty() ? 0.0 : b[o];
          for (int c = 0; c < cin_g; ++c)
            for (int a = 0; a < k; ++a)
              for (int bb = 0; bb < k; ++bb) {
                int yy = i * s.stride - s.pad + a, xx = j * s.stride - s.pad + bb;
                if (yy < 0 || yy >= x.shape.h || xx < 0 || xx >= x.shape.w) continue;
                sum += w[((std::size_t(o) * cin_g + c) * k + a) * k + bb] * x.at(n, c0 + c, yy, xx);
              }
          y.at(n, o, i, j) = sum;
        }
    }
  return y;
}

struct ConvGrads {
  DTensor dx;
  std::vector<double> dw, db;  // db has `out` entries (the bias gradient, used or not)
};

// The transpose of every term of conv2d_forward: each product w·x sends dy·x to dw and dy·w to dx.
inline ConvGrads conv2d_backward(const DTensor& x, const ConvSpec& s, const std::vector<double>& w,
                                 const DTensor& dy) {
  ConvGrads g;
  g.dx = DTensor(x.shape);
  g.dw.assign(w.size(), 0.0);
  g.db.assign(s.out, 0.0);
  const int cin_g = s.in / s.groups, cout_g = s.out / s.groups, k = s.kernel;
  for (int n = 0; n < dy.shape.n; ++n)
    for (int o = 0; o < s.out; ++o) {
      const int c0 = (o / cout_g) * cin_g;
      for (int i = 0; i < dy.shape.h; ++i)
        for (int j = 0; j < dy.shape.w; ++j) {
          const double d = dy.at(n, o, i, j);
          g.db[o] += d;
          for (int c = 0; c < cin_g; ++c)
            for (int a = 0; a < k; ++a)
              for (int bb = 0; bb < k; ++bb) {
                int yy = i * s.stride - s.pad + a, xx = j * s.stride - s.pad + bb;
                if (yy < 0 || yy >= x.shape.h || xx < 0 || xx >= x.shape.w) continue;
                std::size_t wi = ((std::size_t(o) * cin_g + c) * k + a) * k + bb;
                g.dw[wi] += d * x.at(n, c0 + c, yy, xx);
                g.dx.at(n, c0 + c, yy, xx) += d * w[wi];
              }
        }
    }
  return g;
}

// ---- Dense ----------------------------------------------------------------------------

// x read as (N, in); w: (out, in); y: (N, out, 1, 1). b empty means no bias.
inline DTensor dense_forward(const DTensor& x, int out, const std::vector<double>& w,
                             const std::vector<double>& b) {
  const int n = x.shape.n, in = int(x.shape.sample_size());
  DTensor y(Shape{n, out, 1, 1});
  for (int i = 0; i < n; ++i)
    for (int o = 0; o < out; ++o) {
      double sum = b.empty() ? 0.0 : b[o];
      for (int f = 0; f < in; ++f) sum += w[std::size_t(o) * in + f] * x.v[std::size_t(i) * in + f];
      y.v[std::size_t(i) * out + o] = sum;
    }
  return y;
}

struct DenseGrads {
  DTensor dx;
  std::vector<double> dw, db;
};

inline DenseGrads dense_backward(const DTensor& x, int out, const std::vector<double>& w,
                                 const DTensor& dy) {
  const int n = x.shape.n, in = int(x.shape.sample_size());
  DenseGrads g{DTensor(x.shape), std::vector<double>(w.size(), 0.0), std::vector<double>(out, 0.0)};
  for (int i = 0; i < n; ++i)
    for (int o = 0; o < out; ++o) {
      const double d = dy.v[std::size_t(i) * out + o];
      g.db[o] += d;
      for (int f = 0; f < in; ++f) {
        g.dw[std::size_t(o) * in + f] += d * x.v[std::size_t(i) * in + f];
        g.dx.v[std::size_t(i) * in + f] += d * w[std::size_t(o) * in + f];
      }
    }
  return g;
}

// ---- Pooling --------------------------------------------------------------------------

struct PoolSpec {
  int kernel = 2, stride = 2, pad = 0;
};

inline Shape pool_output_shape(const Shape& x, const PoolSpec& p) {
  return Shape{x.n, x.c, (x.h + 2 * p.pad - p.kernel) / p.stride + 1,
               (x.w + 2 * p.pad - p.kernel) / p.stride + 1};
}

// Max over the in-bounds pixels of each window (padding is never a candidate); the first
// maximum in row-major window order wins, as in PyTorch. Backward routes dy to it.
inline DTensor max_pool2d_forward(const DTensor& x, const PoolSpec& p,
                                  std::vector<std::size_t>* winners = nullptr) {
  DTensor y(pool_output_shape(x.shape, p));
  if (winners) winners->assign(y.size(), 0);
  for (int n = 0; n < y.shape.n; ++n)
    for (int c = 0; c < y.shape.c; ++c)
      for (int i = 0; i < y.shape.h; ++i)
        for (int j = 0; j < y.shape.w; ++j) {
          double best = -std::numeric_limits<double>::infinity();
          std::size_t arg = 0;
          bool any = false;
          for (int a = 0; a < p.kernel; ++a)
            for (int b = 0; b < p.kernel; ++b) {
              int yy = i * p.stride - p.pad + a, xx = j * p.stride - p.pad + b;
              if (yy < 0 || yy >= x.shape.h || xx < 0 || xx >= x.shape.w) continue;
              if (!any || x.at(n, c, yy, xx) > best) {
                best = x.at(n, c, yy, xx);
                arg = x.index(n, c, yy, xx);
                any = true;
              }
            }
          y.at(n, c, i, j) = best;
          if (winners) (*winners)[y.index(n, c, i, j)] = arg;
        }
  return y;
}

inline DTensor max_pool2d_backward(const DTensor& x, const PoolSpec& p, const DTensor& dy) {
  std::vector<std::size_t> winners;
  max_pool2d_forward(x, p, &winners);
  DTensor dx(x.shape);
  for (std::size_t o = 0; o < dy.size(); ++o) dx.v[winners[o]] += dy.v[o];
  return dx;
}

// Mean over the full k×k window, padded zeros counted (PyTorch's count_include_pad=True).
inline DTensor avg_pool2d_forward(const DTensor& x, const PoolSpec& p) {
  DTensor y(pool_output_shape(x.shape, p));
  const double area = double(p.kernel) * p.kernel;
  for (int n = 0; n < y.shape.n; ++n)
    for (int c = 0; c < y.shape.c; ++c)
      for (int i = 0; i < y.shape.h; ++i)
        for (int j = 0; j < y.shape.w; ++j) {
          double sum = 0.0;
          for (int a = 0; a < p.kernel; ++a)
            for (int b = 0; b < p.kernel; ++b) {
              int yy = i * p.stride - p.pad + a, xx = j * p.stride - p.pad + b;
              if (yy >= 0 && yy < x.shape.h && xx >= 0 && xx < x.shape.w) sum += x.at(n, c, yy, xx);
            }
          y.at(n, c, i, j) = sum / area;
        }
  return y;
}

inline DTensor avg_pool2d_backward(const Shape& xs, const PoolSpec& p, const DTensor& dy) {
  DTensor dx(xs);
  const double area = double(p.kernel) * p.kernel;
  for (int n = 0; n < dy.shape.n; ++n)
    for (int c = 0; c < dy.shape.c; ++c)
      for (int i = 0; i < dy.shape.h; ++i)
        for (int j = 0; j < dy.shape.w; ++j)
          for (int a = 0; a < p.kernel; ++a)
            for (int b = 0; b < p.kernel; ++b) {
              int yy = i * p.stride - p.pad + a, xx = j * p.stride - p.pad + b;
              if (yy >= 0 && yy < xs.h && xx >= 0 && xx < xs.w)
                dx.at(n, c, yy, xx) += dy.at(n, c, i, j) / area;
            }
  return dx;
}

inline DTensor global_avg_pool_forward(const DTensor& x) {
  DTensor y(Shape{x.shape.n, x.shape.c, 1, 1});
  const std::size_t plane = x.shape.plane();
  for (std::size_t nc = 0; nc < y.size(); ++nc) {
    double sum = 0.0;
    for (std::size_t p = 0; p < plane; ++p) sum += x.v[nc * plane + p];
    y.v[nc] = sum / double(plane);
  }
  return y;
}

inline DTensor global_avg_pool_backward(const Shape& xs, const DTensor& dy) {
  DTensor dx(xs);
  const std::size_t plane = xs.plane();
  for (std::size_t nc = 0; nc < dy.size(); ++nc)
    for (std::size_t p = 0; p < plane; ++p) dx.v[nc * plane + p] = dy.v[nc] / double(plane);
  return dx;
}

// ---- Activations ------------------------------------------------

inline double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }
inline double sigmoid_grad(double x) { return sigmoid(x) * (1.0 - sigmoid(x)); }
inline double silu(double x) { return x * sigmoid(x); }
inline double silu_grad(double x) {
  const double s = sigmoid(x);
  return s * (1.0 + x * (1.0 - s));
}
inline double relu(double x) { return x > 0 ? x : 0.0; }
inline double relu_grad(double x) { return x > 0 ? 1.0 : 0.0; }
inline double leaky_relu(double x, double slope) { return x > 0 ? x : slope * x; }
inline double leaky_relu_grad(double x, double slope) { return x > 0 ? 1.0 : slope; }
constexpr double kSqrt2OverPi = 0.79788456080286535588;  // √(2/π)
// PyTorch GELU(approximate='tanh'): 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
inline double gelu_tanh(double x) {
  const double u = kSqrt2OverPi * (x + 0.044715 * x * x * x);
  return 0.5 * x * (1.0 + std::tanh(u));
}
inline double gelu_tanh_grad(double x) {
  const double u = kSqrt2OverPi * (x + 0.044715 * x * x * x);
  const double t = std::tanh(u);
  const double du = kSqrt2OverPi * (1.0 + 3 * 0.044715 * x * x);
  return 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * du;
}

// ---- Squeeze-excite -------------------------------------------------------------------

// reduce: weight (R, C), bias (R); expand: weight (C, R), bias (C) — 1×1 convs on (N,C,1,1).
struct SeParams {
  std::vector<double> reduce_w, reduce_b, expand_w, expand_b;
};

struct SeForward {
  DTensor y, s, r, a, e, gate;  // output and every intermediate, for backward
};

inline SeForward squeeze_excite_forward(const DTensor& x, const SeParams& p) {
  SeForward f;
  const int reduced = int(p.reduce_b.size()), channels = x.shape.c;
  f.s = global_avg_pool_forward(x);
  f.r = dense_forward(f.s, reduced, p.reduce_w, p.reduce_b);
  f.a = f.r;
  for (double& v : f.a.v) v = silu(v);
  f.e = dense_forward(f.a, channels, p.expand_w, p.expand_b);
  f.gate = f.e;
  for (double& v : f.gate.v) v = sigmoid(v);
  f.y = x;
  const std::size_t plane = x.shape.plane();
  for (std::size_t nc = 0; nc < f.gate.size(); ++nc)
    for (std::size_t q = 0; q < plane; ++q) f.y.v[nc * plane + q] *= f.gate.v[nc];
  return f;
}

struct SeGrads {
  DTensor dx;
  SeParams dp;
};

inline SeGrads squeeze_excite_backward(const DTensor& x, const SeParams& p, const DTensor& dy) {
  const SeForward f = squeeze_excite_forward(x, p);
  const int reduced = int(p.reduce_b.size()), channels = x.shape.c;
  const std::size_t plane = x.shape.plane();
  SeGrads g;
  g.dx = DTensor(x.shape);
  DTensor de(f.e.shape);
  for (std::size_t nc = 0; nc < f.gate.size(); ++nc) {
    double dgate = 0.0;
    for (std::size_t q = 0; q < plane; ++q) {
      dgate += dy.v[nc * plane + q] * x.v[nc * plane + q];
      g.dx.v[nc * plane + q] = dy.v[nc * plane + q] * f.gate.v[nc];
    }
    de.v[nc] = dgate * f.gate.v[nc] * (1.0 - f.gate.v[nc]);
  }
  DenseGrads ge = dense_backward(f.a, channels, p.expand_w, de);
  DTensor dr = ge.dx;
  for (std::size_t i = 0; i < dr.size(); ++i) dr.v[i] *= silu_grad(f.r.v[i]);
  DenseGrads gr = dense_backward(f.s, reduced, p.reduce_w, dr);
  DTensor dxp = global_avg_pool_backward(x.shape, gr.dx);
  for (std::size_t i = 0; i < g.dx.size(); ++i) g.dx.v[i] += dxp.v[i];
  g.dp = SeParams{gr.dw, gr.db, ge.dw, ge.db};
  return g;
}

// ---- Softmax cross-entropy ------------------------------------------------------------

struct XentResult {
  double loss = 0.0;            // mean over the batch
  std::vector<double> probs;    // (N, K)
  std::vector<double> dlogits;  // (N, K), d loss / d logits
};

// target = (1−ε)·onehot + ε/K; loss = −(1/N) Σ target·log softmax; d/dlogits = (p − target)/N.
inline XentResult softmax_cross_entropy(const std::vector<double>& logits, int n, int k,
                                        const std::vector<int32_t>& labels, double eps) {
  XentResult r;
  r.probs.assign(std::size_t(n) * k, 0.0);
  r.dlogits.assign(std::size_t(n) * k, 0.0);
  for (int i = 0; i < n; ++i) {
    const double* x = logits.data() + std::size_t(i) * k;
    const double m = *std::max_element(x, x + k);
    double sum = 0.0;
    for (int j = 0; j < k; ++j) sum += std::exp(x[j] - m);
    const double lse = m + std::log(sum);
    for (int j = 0; j < k; ++j) {
      const double target = (1.0 - eps) * (j == labels[i]) + eps / k;
      r.loss -= target * (x[j] - lse) / n;
      r.probs[std::size_t(i) * k + j] = std::exp(x[j] - lse);
      r.dlogits[std::size_t(i) * k + j] = (std::exp(x[j] - lse) - target) / n;
    }
  }
  return r;
}

// ---- Finite differences ---------------------------------------------------------------

// Central differences of a scalar function of `v`, at every coordinate.
inline std::vector<double> numeric_gradient(const std::function<double()>& f,
                                            std::vector<double>& v, double eps) {
  std::vector<double> g(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    const double orig = v[i];
    v[i] = orig + eps;
    const double up = f();
    v[i] = orig - eps;
    const double down = f();
    v[i] = orig;
    g[i] = (up - down) / (2 * eps);
  }
  return g;
}

// Σ a·b, the projection that turns a layer output into a scalar loss.
inline double project(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

// ---- Comparison -----------------------------------------------------------------------

// |x| elementwise: run a reference on absolute values to get, per output, Σ|terms| — the
// size that bounds float32 rounding of that output.
inline std::vector<double> abs_of(std::vector<double> v) {
  for (double& e : v) e = std::fabs(e);
  return v;
}
inline DTensor abs_of(DTensor t) {
  for (double& e : t.v) e = std::fabs(e);
  return t;
}

// First index where |got − want| > atol + rel·mag (mag from the abs_of run), or "".
template <class G>
std::string scaled_mismatch(const G* got, const std::vector<double>& want,
                            const std::vector<double>& mag, double rel, double atol) {
  for (std::size_t i = 0; i < want.size(); ++i) {
    const double g = double(got[i]);
    if (!(std::fabs(g - want[i]) <= atol + rel * mag[i])) {
      std::ostringstream out;
      out << "index " << i << " of " << want.size() << ": got " << g << ", want " << want[i]
          << ", magnitude " << mag[i] << " (rel " << rel << ", atol " << atol << ")";
      return out.str();
    }
  }
  return "";
}

}  // namespace normlab::ref::layers
