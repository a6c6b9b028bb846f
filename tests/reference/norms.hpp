#pragma once
// Naive double references of the normalization layers and of core/kernels/norm_stats: plain
// loops in double over a tensor x: (N,C,plane), written from the definitions.
// Every norm is described by one map: which statistic a value x[n,c,p] is averaged into,
// and which γ/β entry scales it (Spec below):
//   Channel (BatchNorm2d)      statistic c,             param c
//   Group   (GroupNorm)        statistic n·G + c/(C/G), param c
//   Sample  (LayerNorm2dSample) statistic n,            param c·plane + p
//   Pixel   (LayerNorm2dChannels) statistic n·plane + p, param c
// Two backward references: the whole-layer backward follows the staged chain rule through
// mean and variance (as in Ioffe & Szegedy), independent of the closed form the kernels use;
// the kernel references follow each kernel's own contract. finite_differences() checks the
// staged backward against central differences in double.
#include <cmath>
#include <cstddef>
#include <functional>
#include <vector>

#include "core/tensor.hpp"

namespace normlab::ref::norms {

using Vec = std::vector<double>;

enum class Layout { Channel, Group, Sample, Pixel };

inline const char* layout_name(Layout l) {
  switch (l) {
    case Layout::Channel: return "channel";
    case Layout::Group: return "group";
    case Layout::Sample: return "sample";
    case Layout::Pixel: return "pixel";
  }
  return "?";
}

struct Spec {
  Layout layout = Layout::Channel;
  Shape shape;
  int groups = 1;  // Layout::Group only

  std::size_t plane() const { return shape.plane(); }
  std::size_t index(int n, int c, std::size_t p) const {
    return (std::size_t(n) * shape.c + c) * plane() + p;
  }
  std::size_t stat(int n, int c, std::size_t p) const {
    switch (layout) {
      case Layout::Channel: return std::size_t(c);
      case Layout::Group: return std::size_t(n) * groups + c / (shape.c / groups);
      case Layout::Sample: return std::size_t(n);
      case Layout::Pixel: return std::size_t(n) * plane() + p;
    }
    return 0;
  }
  std::size_t param(int, int c, std::size_t p) const {
    return layout == Layout::Sample ? std::size_t(c) * plane() + p : std::size_t(c);
  }
  std::size_t stat_count() const {
    switch (layout) {
      case Layout::Channel: return std::size_t(shape.c);
      case Layout::Group: return std::size_t(shape.n) * groups;
      case Layout::Sample: return std::size_t(shape.n);
      case Layout::Pixel: return std::size_t(shape.n) * plane();
    }
    return 0;
  }
  std::size_t param_count() const {
    return layout == Layout::Sample ? shape.sample_size() : std::size_t(shape.c);
  }
  // Values averaged into each statistic.
  std::size_t per_stat() const { return shape.size() / stat_count(); }
};

// Calls f(i, s, k) for every value: flat index i, statistic s, param entry k.
template <class F>
void for_each_value(const Spec& sp, F f) {
  for (int n = 0; n < sp.shape.n; ++n)
    for (int c = 0; c < sp.shape.c; ++c)
      for (std::size_t p = 0; p < sp.plane(); ++p)
        f(sp.index(n, c, p), sp.stat(n, c, p), sp.param(n, c, p));
}

inline Vec as_double(const float* p, std::size_t n) { return Vec(p, p + n); }

// ---- kernel references ----------------------------------------------------------------------

struct Moments {
  Vec mean, var;  // var is biased
};

// Two passes: the mean, then the mean squared deviation from it.
inline Moments moments(const Spec& sp, const Vec& x) {
  Moments m{Vec(sp.stat_count(), 0.0), Vec(sp.stat_count(), 0.0)};
  const double count = double(sp.per_stat());
  for_each_value(sp, [&](std::size_t i, std::size_t s, std::size_t) { m.mean[s] += x[i]; });
  for (double& v : m.mean) v /= count;
  for_each_value(sp, [&](std::size_t i, std::size_t s, std::size_t) {
    double t = x[i] - m.mean[s];
    m.var[s] += t * t;
  });
  for (double& v : m.var) v /= count;
  return m;
}

inline Vec rstd_of(const Vec& var, double eps) {
  Vec r(var.size());
  for (std::size_t s = 0; s < var.size(); ++s) r[s] = 1.0 / std::sqrt(var[s] + eps);
  return r;
}

// y = (x − mean)·rstd·γ + β
inline Vec normalize(const Spec& sp, const Vec& x, const Vec& mean, const Vec& rstd,
                     const Vec& gamma, const Vec& beta) {
  Vec y(x.size());
  for_each_value(sp, [&](std::size_t i, std::size_t s, std::size_t k) {
    y[i] = (x[i] - mean[s]) * rstd[s] * gamma[k] + beta[k];
  });
  return y;
}

struct GradSums {
  Vec sum_gdy, sum_gdy_xhat;  // per statistic: Σ γ·dy, Σ γ·dy·x̂
  Vec dgamma, dbeta;          // per param entry: Σ dy·x̂, Σ dy
};

inline GradSums grad_sums(const Spec& sp, const Vec& x, const Vec& dy, const Vec& mean,
                          const Vec& rstd, const Vec& gamma) {
  GradSums g{Vec(sp.stat_count(), 0.0), Vec(sp.stat_count(), 0.0), Vec(sp.param_count(), 0.0),
             Vec(sp.param_count(), 0.0)};
  for_each_value(sp, [&](std::size_t i, std::size_t s, std::size_t k) {
    double xhat = (x[i] - mean[s]) * rstd[s];
    g.sum_gdy[s] += gamma[k] * dy[i];
    g.sum_gdy_xhat[s] += gamma[k] * dy[i] * xhat;
    g.dgamma[k] += dy[i] * xhat;
    g.dbeta[k] += dy[i];
  });
  return g;
}

// The kernels' closed form: dx = rstd·(γ·dy − sum_gdy/M − x̂·sum_gdy_xhat/M).
inline Vec normalize_backward(const Spec& sp, const Vec& x, const Vec& dy, const Vec& mean,
                              const Vec& rstd, const Vec& gamma, const Vec& sum_gdy,
                              const Vec& sum_gdy_xhat) {
  Vec dx(x.size());
  const double count = double(sp.per_stat());
  for_each_value(sp, [&](std::size_t i, std::size_t s, std::size_t k) {
    double xhat = (x[i] - mean[s]) * rstd[s];
    dx[i] = rstd[s] * (gamma[k] * dy[i] - sum_gdy[s] / count - xhat * sum_gdy_xhat[s] / count);
  });
  return dx;
}

// ---- whole layers ---------------------------------------------------------------------------

struct Forward {
  Vec y, mean, var, rstd;
};

// Statistics from x itself (every norm in train mode; LayerNorm and GroupNorm always).
inline Forward forward(const Spec& sp, const Vec& x, const Vec& gamma, const Vec& beta,
                       double eps) {
  Moments m = moments(sp, x);
  Forward f{{}, m.mean, m.var, rstd_of(m.var, eps)};
  f.y = normalize(sp, x, f.mean, f.rstd, gamma, beta);
  return f;
}

// Given statistics, constants of the forward (BatchNorm in eval mode: the running ones).
inline Forward forward_with_stats(const Spec& sp, const Vec& x, const Vec& gamma,
                                  const Vec& beta, const Vec& mean, const Vec& var, double eps) {
  Forward f{{}, mean, var, rstd_of(var, eps)};
  f.y = normalize(sp, x, f.mean, f.rstd, gamma, beta);
  return f;
}

struct Grads {
  Vec dx, dgamma, dbeta;
};

// Staged chain rule for statistics computed from x: with g = γ·dy and d = x − μ,
//   ∂L/∂σ² = Σ g·d·(−½)(σ² + ε)^(−3/2)
//   ∂L/∂μ  = Σ g·(−rstd) + ∂L/∂σ²·(−2/M)·Σ d
//   dx     = g·rstd + ∂L/∂σ²·2d/M + ∂L/∂μ/M
inline Grads backward(const Spec& sp, const Vec& x, const Vec& gamma, const Vec& dy,
                      double eps) {
  Moments m = moments(sp, x);
  Vec rstd = rstd_of(m.var, eps);
  const double count = double(sp.per_stat());
  Vec dvar(sp.stat_count(), 0.0), dmean(sp.stat_count(), 0.0), sum_d(sp.stat_count(), 0.0);
  for_each_value(sp, [&](std::size_t i, std::size_t s, std::size_t k) {
    double g = gamma[k] * dy[i], d = x[i] - m.mean[s];
    dvar[s] += g * d * -0.5 * std::pow(m.var[s] + eps, -1.5);
    dmean[s] += g * -rstd[s];
    sum_d[s] += d;
  });
  for (std::size_t s = 0; s < dmean.size(); ++s) dmean[s] += dvar[s] * -2.0 / count * sum_d[s];
  Grads r{Vec(x.size()), Vec(sp.param_count(), 0.0), Vec(sp.param_count(), 0.0)};
  for_each_value(sp, [&](std::size_t i, std::size_t s, std::size_t k) {
    double g = gamma[k] * dy[i], d = x[i] - m.mean[s];
    r.dx[i] = g * rstd[s] + dvar[s] * 2.0 * d / count + dmean[s] / count;
    r.dgamma[k] += dy[i] * d * rstd[s];
    r.dbeta[k] += dy[i];
  });
  return r;
}

// Statistics held constant: y is an affine map of x, so dx = dy·γ·rstd.
inline Grads backward_with_stats(const Spec& sp, const Vec& x, const Vec& gamma, const Vec& dy,
                                 const Vec& mean, const Vec& var, double eps) {
  Vec rstd = rstd_of(var, eps);
  Grads r{Vec(x.size()), Vec(sp.param_count(), 0.0), Vec(sp.param_count(), 0.0)};
  for_each_value(sp, [&](std::size_t i, std::size_t s, std::size_t k) {
    r.dx[i] = dy[i] * gamma[k] * rstd[s];
    r.dgamma[k] += dy[i] * (x[i] - mean[s]) * rstd[s];
    r.dbeta[k] += dy[i];
  });
  return r;
}

// Central differences of L = Σ y·dy with respect to every entry of x, γ and β, where
// y = f(x, γ, β) is computed in double.
using ForwardFn = std::function<Vec(const Vec& x, const Vec& gamma, const Vec& beta)>;

inline Grads finite_differences(const ForwardFn& f, Vec x, Vec gamma, Vec beta, const Vec& dy,
                                double h) {
  auto loss = [&]() {
    Vec y = f(x, gamma, beta);
    double sum = 0.0;
    for (std::size_t i = 0; i < y.size(); ++i) sum += y[i] * dy[i];
    return sum;
  };
  auto diff = [&](Vec& v) {
    Vec d(v.size());
    for (std::size_t i = 0; i < v.size(); ++i) {
      double orig = v[i];
      v[i] = orig + h;
      double up = loss();
      v[i] = orig - h;
      double down = loss();
      v[i] = orig;
      d[i] = (up - down) / (2 * h);
    }
    return d;
  };
  Grads g;
  g.dx = diff(x);
  g.dgamma = diff(gamma);
  g.dbeta = diff(beta);
  return g;
}

}  // namespace normlab::ref::norms
