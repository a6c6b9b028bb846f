// Fuzzes the IDX reader and the dataset built from an images + labels pair. Whatever the
// bytes, each call must either succeed with a consistent result or throw normlab::Error
// whose message names the file; anything else (a crash, a sanitizer report, another
// exception) is a finding.
//
// Input: [classes: u8][images length L: u32 little-endian][L bytes: images file][rest:
// labels file]. L is clamped to what is there. Each file is copied into a buffer of its
// own exact size, so AddressSanitizer catches a read past its end.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "core/data/dataset.hpp"
#include "core/data/idx.hpp"
#include "core/error.hpp"

using namespace normlab;

namespace {

[[noreturn]] void finding(const char* what) {
  std::fprintf(stderr, "idx_fuzz: %s\n", what);
  std::abort();
}

void expect_error_prefix(const Error& e, const char* prefix) {
  if (std::strncmp(e.what(), prefix, std::strlen(prefix)) != 0) {
    std::fprintf(stderr, "message: %s\n", e.what());
    finding("an error message does not name the file it is about");
  }
}

void check_images(const std::vector<uint8_t>& file) {
  try {
    IdxImages im = parse_idx_images(file.data(), file.size());
    if (im.count < 0 || im.height < 1 || im.width < 1) finding("images with impossible sizes");
    if (im.pixels.size() != std::size_t(im.count) * im.height * im.width)
      finding("pixel count differs from count × height × width");
  } catch (const Error& e) {
    expect_error_prefix(e, "idx: images file");
  }
}

void check_labels(const std::vector<uint8_t>& file) {
  try {
    std::vector<uint8_t> labels = parse_idx_labels(file.data(), file.size());
    if (labels.size() + 8 != file.size()) finding("label count differs from the file's size");
  } catch (const Error& e) {
    expect_error_prefix(e, "idx: labels file");
  }
}

// A dataset that was accepted must also be usable: batches, slices and class counts.
void use_dataset(const Dataset& d) {
  if (d.count < 1 || d.labels.size() != std::size_t(d.count) ||
      d.images.size() != std::size_t(d.count) * d.sample_size())
    finding("dataset sizes are inconsistent");
  const int n = d.count < 8 ? d.count : 8;
  std::vector<int32_t> indices;
  for (int i = 0; i < n; ++i) indices.push_back(d.count - 1 - i);
  Tensor x;
  std::vector<int32_t> labels;
  Rng rng(uint64_t(d.count));
  fetch_batch(d, indices.data(), indices.size(), x, labels, &rng, 2);
  for (std::size_t i = 0; i < x.size(); ++i)
    if (!(x.data()[i] > -1.0f && x.data()[i] < 3.0f)) finding("a normalized pixel is out of range");
  for (int32_t label : labels)
    if (label < 0 || label >= d.classes) finding("a fetched label is out of range");
  long total = 0;
  for (int c : class_counts(d)) total += c;
  if (total != d.count) finding("class counts do not add up to the sample count");
  Dataset last = dataset_slice(d, d.count - 1, 1);
  if (last.count != 1 || last.labels[0] != d.labels.back()) finding("slice holds the wrong sample");
}

void check_dataset(const std::vector<uint8_t>& images, const std::vector<uint8_t>& labels,
                   int classes) {
  Dataset d;
  try {
    d = make_dataset(images.data(), images.size(), labels.data(), labels.size(), classes);
  } catch (const ArgumentError& e) {
    expect_error_prefix(e, "dataset: classes");
    return;
  } catch (const Error& e) {
    if (std::strncmp(e.what(), "idx: ", 5) != 0) expect_error_prefix(e, "dataset: ");
    return;
  }
  use_dataset(d);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  if (size < 5) return 0;
  const int classes = data[0];
  uint32_t images_size = uint32_t(data[1]) | uint32_t(data[2]) << 8 | uint32_t(data[3]) << 16 |
                         uint32_t(data[4]) << 24;
  const uint8_t* rest = data + 5;
  const std::size_t rest_size = size - 5;
  if (images_size > rest_size) images_size = uint32_t(rest_size);
  const std::vector<uint8_t> images(rest, rest + images_size);
  const std::vector<uint8_t> labels(rest + images_size, rest + rest_size);
  check_images(images);
  check_labels(labels);
  check_dataset(images, labels, classes);
  return 0;
}
