#pragma once
// An in-memory image classification dataset of 8-bit pixels (MNIST format), and batch
// fetching into the float tensors the model eats.
//  - make_dataset pairs an IDX images file with an IDX labels file (decompressed bytes):
//    the counts must agree and every label must be < classes.
//  - fetch_batch writes x: (N,1,H,W) normalized as (byte/255 − 0.1307)/0.3081 (MNIST's mean
//    and std, as in the PyTorch examples) and the N labels as int32. With an Rng it also
//    shifts each image by up to ±max_shift pixels in x and y (two draws per sample, always
//    taken so the stream position does not depend on the data); uncovered pixels get the
//    background byte 0, i.e. the normalized value of black, not 0.0.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "../rng.hpp"
#include "../tensor.hpp"

namespace normlab {

constexpr float kMnistMean = 0.1307f;
constexpr float kMnistStd = 0.3081f;

struct Dataset {
  int count = 0, channels = 1, height = 0, width = 0, classes = 10;
  std::vector<uint8_t> images;  // count×channels×height×width
  std::vector<uint8_t> labels;  // count, each < classes

  std::size_t sample_size() const { return std::size_t(channels) * height * width; }
  Shape sample_shape() const { return Shape{1, channels, height, width}; }
};

// From decompressed IDX bytes; throws normlab::Error naming the file and the problem.
Dataset make_dataset(const uint8_t* images, std::size_t images_size, const uint8_t* labels,
                     std::size_t labels_size, int classes = 10);
// The same from files held in vectors; the images' storage becomes the dataset's.
Dataset make_dataset(std::vector<uint8_t>&& images, const std::vector<uint8_t>& labels,
                     int classes = 10);

// The samples [first, first + count) as a new dataset (e.g. a small training set).
Dataset dataset_slice(const Dataset& d, int first, int count);

// Number of samples of each class.
std::vector<int> class_counts(const Dataset& d);

// Fills x (resized to (n,C,H,W)) and labels (resized to n) from samples indices[0..n).
// Indices out of range throw ArgumentError. augment == nullptr: no augmentation.
void fetch_batch(const Dataset& d, const int32_t* indices, std::size_t n, Tensor& x,
                 std::vector<int32_t>& labels, Rng* augment = nullptr, int max_shift = 2);

}  // namespace normlab
