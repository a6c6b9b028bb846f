#include "activation_stats.hpp"

#include <algorithm>
#include <cmath>

namespace normlab {
namespace {

float percentile_sorted(const std::vector<float>& v, double q) {
  double pos = q * double(v.size() - 1);
  std::size_t lo = std::size_t(pos);
  std::size_t hi = std::min(lo + 1, v.size() - 1);
  double frac = pos - double(lo);
  return float(double(v[lo]) + (double(v[hi]) - double(v[lo])) * frac);
}

}  // namespace

namespace {
// Sorts the sample (NaN removed) and reads the three percentiles; NaN when nothing is left.
void fill_percentiles(std::vector<float>& sample, ActivationSummary& s) {
  sample.erase(std::remove_if(sample.begin(), sample.end(), [](float v) { return std::isnan(v); }),
               sample.end());
  if (sample.empty()) {
    s.p15 = s.p50 = s.p85 = std::nanf("");
    return;
  }
  std::sort(sample.begin(), sample.end());
  s.p15 = percentile_sorted(sample, 0.15);
  s.p50 = percentile_sorted(sample, 0.50);
  s.p85 = percentile_sorted(sample, 0.85);
}
}  // namespace

ActivationSummary summarize_activation(const float* y, std::size_t size, std::size_t max_sample,
                                       std::vector<float>& scratch) {
  ActivationSummary s;
  if (size == 0) return s;
  double sum = 0.0, sum_sq = 0.0;
  for (std::size_t i = 0; i < size; ++i) sum += y[i];
  const double mean = sum / double(size);
  // Two passes: the centered sum of squares does not cancel like Σy² − n·mean² does.
  for (std::size_t i = 0; i < size; ++i) sum_sq += (y[i] - mean) * (y[i] - mean);
  s.mean = float(mean);
  s.std = float(std::sqrt(sum_sq / double(size)));

  if (max_sample == 0) max_sample = 1;
  const std::size_t stride = (size + max_sample - 1) / max_sample;
  scratch.clear();
  for (std::size_t i = 0; i < size; i += stride) scratch.push_back(y[i]);
  // NaN would break the ordering; they are rare (training stops on a NaN loss) but possible.
  fill_percentiles(scratch, s);
  return s;
}

ActivationSummary channel_percentiles(const Tensor& y, int channel, std::size_t max_sample,
                                      std::vector<float>& scratch) {
  ActivationSummary s;
  const Shape& sh = y.shape();
  if (channel < 0 || channel >= sh.c || sh.n == 0) return s;
  const std::size_t plane = sh.plane(), size = std::size_t(sh.n) * plane;
  if (max_sample == 0) max_sample = 1;
  const std::size_t stride = (size + max_sample - 1) / max_sample;
  scratch.clear();
  for (std::size_t i = 0; i < size; i += stride)
    scratch.push_back(y.data()[(std::size_t(i / plane) * sh.c + channel) * plane + i % plane]);
  fill_percentiles(scratch, s);
  return s;
}

float dead_unit_fraction(const Tensor& y) {
  const Shape& sh = y.shape();
  const std::size_t units = sh.sample_size();
  if (units == 0 || sh.n == 0) return 0.0f;
  std::vector<char> alive(units, 0);  // sample-major walk: contiguous reads
  for (int n = 0; n < sh.n; ++n) {
    const float* p = y.data() + std::size_t(n) * units;
    for (std::size_t u = 0; u < units; ++u) alive[u] |= p[u] != 0.0f;
  }
  std::size_t dead = std::size_t(std::count(alive.begin(), alive.end(), 0));
  return float(double(dead) / double(units));
}

void channel_mean_var(const Tensor& x, std::vector<float>& mean, std::vector<float>& var) {
  const Shape& s = x.shape();
  const std::size_t plane = s.plane();
  const double count = double(s.n) * double(plane);
  mean.assign(s.c, 0.0f);
  var.assign(s.c, 0.0f);
  for (int c = 0; c < s.c; ++c) {
    double sum = 0.0;
    for (int n = 0; n < s.n; ++n) {
      const float* p = x.data() + (std::size_t(n) * s.c + c) * plane;
      for (std::size_t i = 0; i < plane; ++i) sum += p[i];
    }
    const double m = sum / count;
    double sq = 0.0;
    for (int n = 0; n < s.n; ++n) {
      const float* p = x.data() + (std::size_t(n) * s.c + c) * plane;
      for (std::size_t i = 0; i < plane; ++i) sq += (p[i] - m) * (p[i] - m);
    }
    mean[c] = float(m);
    var[c] = float(sq / count);
  }
}

}  // namespace normlab
