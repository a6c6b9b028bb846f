#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/probes/activation_stats.hpp"
#include "support/check.hpp"

using namespace normlab;

namespace {

// numpy.percentile's default (linear) on a copy, in double.
double percentile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  double pos = q * (v.size() - 1);
  std::size_t lo = std::size_t(std::floor(pos)), hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (v[hi] - v[lo]) * (pos - lo);
}

}  // namespace

TEST_CASE("activation summary matches direct mean, std and percentiles", "[probes][activation]") {
  Tensor y = test::random_tensor(Shape{3, 4, 5, 7}, 11, -2.0f, 3.0f);
  std::vector<double> all(y.data(), y.data() + y.size());
  double mean = 0, sq = 0;
  for (double v : all) mean += v;
  mean /= all.size();
  for (double v : all) sq += (v - mean) * (v - mean);
  std::vector<float> scratch;
  ActivationSummary s = summarize_activation(y.data(), y.size(), 10000, scratch);
  // Float32 results of double computations: one rounding, < 1e-6 relative.
  CHECK(s.mean == Approx(mean).epsilon(1e-6));
  CHECK(s.std == Approx(std::sqrt(sq / all.size())).epsilon(1e-6));
  CHECK(s.p15 == Approx(percentile(all, 0.15)).epsilon(1e-6));
  CHECK(s.p50 == Approx(percentile(all, 0.50)).epsilon(1e-6));
  CHECK(s.p85 == Approx(percentile(all, 0.85)).epsilon(1e-6));
}

TEST_CASE("activation percentiles use a strided sample of bounded size", "[probes][activation]") {
  std::vector<float> y(1000);
  for (std::size_t i = 0; i < y.size(); ++i) y[i] = float((i * 37) % 1000);
  std::vector<double> sample;
  for (std::size_t i = 0; i < y.size(); i += 10) sample.push_back(y[i]);  // ⌈1000/100⌉ = 10
  std::vector<float> scratch;
  ActivationSummary s = summarize_activation(y.data(), y.size(), 100, scratch);
  CHECK(scratch.size() == 100);
  CHECK(s.p15 == Approx(percentile(sample, 0.15)));
  CHECK(s.p85 == Approx(percentile(sample, 0.85)));
  CHECK(s.mean == Approx(499.5));  // the mean still covers every value
}

TEST_CASE("dead unit fraction counts units that are zero for every sample", "[probes][activation]") {
  Tensor y(Shape{3, 2, 1, 2});  // 4 units per sample
  // unit 0: zero in all samples (dead); unit 1: alive in sample 2; units 2, 3: alive.
  const float v[] = {0, 0, 1, 2,
                     0, 0, 0, 3,
                     0, 5, 0, 0};
  std::copy(v, v + 12, y.data());
  CHECK(dead_unit_fraction(y) == 0.25f);
}

TEST_CASE("channel mean and variance are per channel over N·H·W, biased", "[probes][activation]") {
  Tensor x = test::random_tensor(Shape{2, 3, 2, 2}, 5);
  std::vector<float> mean, var;
  channel_mean_var(x, mean, var);
  for (int c = 0; c < 3; ++c) {
    double m = 0, v = 0;
    for (int n = 0; n < 2; ++n)
      for (int i = 0; i < 4; ++i) m += x[(n * 3 + c) * 4 + i];
    m /= 8;
    for (int n = 0; n < 2; ++n)
      for (int i = 0; i < 4; ++i) v += (x[(n * 3 + c) * 4 + i] - m) * (x[(n * 3 + c) * 4 + i] - m);
    CHECK(mean[c] == Approx(m).margin(1e-7));
    CHECK(var[c] == Approx(v / 8).epsilon(1e-6));
  }
}

TEST_CASE("channel percentiles describe one channel over the batch, with a bounded sample",
          "[probes][activation]") {
  Tensor y = test::random_tensor(Shape{6, 3, 4, 5}, 17, -1.0f, 2.0f);
  for (int c : {0, 2}) {
    std::vector<double> values;  // y[:, c, :, :] in n-major order
    for (int n = 0; n < 6; ++n)
      for (int i = 0; i < 20; ++i) values.push_back(y[(n * 3 + c) * 20 + i]);
    std::vector<float> scratch;
    ActivationSummary all = channel_percentiles(y, c, 1000, scratch);
    CHECK(scratch.size() == 120);
    CHECK(all.p15 == Approx(percentile(values, 0.15)).epsilon(1e-6));
    CHECK(all.p50 == Approx(percentile(values, 0.50)).epsilon(1e-6));
    CHECK(all.p85 == Approx(percentile(values, 0.85)).epsilon(1e-6));
    std::vector<double> strided;  // ⌈120/40⌉ = 3
    for (std::size_t i = 0; i < values.size(); i += 3) strided.push_back(values[i]);
    ActivationSummary some = channel_percentiles(y, c, 40, scratch);
    CHECK(scratch.size() == 40);
    CHECK(some.p50 == Approx(percentile(strided, 0.50)).epsilon(1e-6));
  }
  std::vector<float> scratch;
  ActivationSummary none = channel_percentiles(y, 3, 100, scratch);  // no such channel
  CHECK(none.p50 == 0.0f);
}
