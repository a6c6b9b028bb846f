#include "dataset.hpp"

#include <algorithm>
#include <array>

#include "../error.hpp"
#include "idx.hpp"

namespace normlab {
namespace {

// Normalized value of every byte, computed once: the per-pixel work is then a table lookup.
const std::array<float, 256>& normalized_bytes() {
  static const std::array<float, 256> table = [] {
    std::array<float, 256> t{};
    for (int b = 0; b < 256; ++b) t[b] = (float(b) / 255.0f - kMnistMean) / kMnistStd;
    return t;
  }();
  return table;
}

}  // namespace

Dataset make_dataset(const uint8_t* images, std::size_t images_size, const uint8_t* labels,
                     std::size_t labels_size, int classes) {
  return make_dataset(std::vector<uint8_t>(images, images + images_size),
                      std::vector<uint8_t>(labels, labels + labels_size), classes);
}

Dataset make_dataset(std::vector<uint8_t>&& images, const std::vector<uint8_t>& labels,
                     int classes) {
  check_arg(classes >= 1 && classes <= 256, "dataset: classes = ", classes, ", expected 1..256");
  IdxImages im = parse_idx_images(std::move(images));
  std::vector<uint8_t> lab = parse_idx_labels(labels.data(), labels.size());
  if (std::size_t(im.count) != lab.size())
    throw Error(msg("dataset: images file holds ", im.count, " images but labels file holds ",
                    lab.size(), " labels"));
  if (im.count == 0) throw Error("dataset: the files hold no samples");
  for (std::size_t i = 0; i < lab.size(); ++i)
    if (lab[i] >= classes)
      throw Error(msg("dataset: label ", i, " is ", int(lab[i]), ", expected < ", classes, " classes"));
  Dataset d;
  d.count = im.count;
  d.channels = 1;
  d.height = im.height;
  d.width = im.width;
  d.classes = classes;
  d.images = std::move(im.pixels);
  d.labels = std::move(lab);
  return d;
}

Dataset dataset_slice(const Dataset& d, int first, int count) {
  check_arg(first >= 0 && count >= 1 && first <= d.count - count, "dataset_slice: samples [", first,
            ", ", long(first) + count, ") are outside the dataset's ", d.count);
  Dataset s = d;
  s.count = count;
  auto ss = d.sample_size();
  s.images.assign(d.images.begin() + first * ss, d.images.begin() + (first + count) * ss);
  s.labels.assign(d.labels.begin() + first, d.labels.begin() + first + count);
  return s;
}

std::vector<int> class_counts(const Dataset& d) {
  std::vector<int> counts(d.classes, 0);
  for (uint8_t l : d.labels) ++counts[l];
  return counts;
}

void fetch_batch(const Dataset& d, const int32_t* indices, std::size_t n, Tensor& x,
                 std::vector<int32_t>& labels, Rng* augment, int max_shift) {
  check_arg(n >= 1, "fetch_batch: batch size is 0");
  check_arg(max_shift >= 0, "fetch_batch: max_shift = ", max_shift, ", expected ≥ 0");
  for (std::size_t i = 0; i < n; ++i)
    check_arg(indices[i] >= 0 && indices[i] < d.count, "fetch_batch: index ", indices[i],
              " at position ", i, " is outside the dataset's ", d.count, " samples");
  const auto& table = normalized_bytes();
  const int H = d.height, W = d.width, C = d.channels;
  const std::size_t ss = d.sample_size(), plane = std::size_t(H) * W;
  x.resize(Shape{int(n), C, H, W});
  labels.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    const uint8_t* src = d.images.data() + std::size_t(indices[i]) * ss;
    float* dst = x.data() + i * ss;
    labels[i] = d.labels[indices[i]];
    int sx = 0, sy = 0;
    if (augment) {
      uint32_t span = uint32_t(2 * max_shift + 1);
      sx = int(augment->below(span)) - max_shift;
      sy = int(augment->below(span)) - max_shift;
    }
    if (sx == 0 && sy == 0) {
      for (std::size_t k = 0; k < ss; ++k) dst[k] = table[src[k]];
      continue;
    }
    // Output pixel (r, c) reads input (r − sy, c − sx): the content moves by (+sx, +sy).
    for (int ch = 0; ch < C; ++ch) {
      const uint8_t* s = src + ch * plane;
      float* o = dst + ch * plane;
      for (int r = 0; r < H; ++r) {
        int rr = r - sy;
        for (int c = 0; c < W; ++c) {
          int cc = c - sx;
          bool inside = rr >= 0 && rr < H && cc >= 0 && cc < W;
          o[r * W + c] = table[inside ? s[rr * W + cc] : 0];
        }
      }
    }
  }
}

}  // namespace normlab
