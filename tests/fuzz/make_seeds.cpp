// Writes the seed corpora of the fuzz targets that take binary input (tests/fuzz/corpus/):
// IDX pairs cut from the bundled MNIST split, and small model files. The norm_spec seeds
// are plain text, written by hand. Run again when a file format changes:
//   cmake --build build/fuzz --target fuzz_seeds && build/fuzz/fuzz_seeds tests/fuzz/corpus
#include <cstdio>
#include <string>
#include <vector>

#include "core/model/presets.hpp"
#include "core/serialize.hpp"
#include "support/mnist.hpp"

using namespace normlab;
using Bytes = std::vector<uint8_t>;

namespace {

void put_be32(Bytes& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(uint8_t(v >> shift));
}

Bytes images_file(uint32_t declared, int h, int w, const uint8_t* pixels, std::size_t n) {
  Bytes out;
  put_be32(out, 0x803);
  put_be32(out, declared);
  put_be32(out, uint32_t(h));
  put_be32(out, uint32_t(w));
  out.insert(out.end(), pixels, pixels + n);
  return out;
}

Bytes labels_file(uint32_t declared, const uint8_t* labels, std::size_t n) {
  Bytes out;
  put_be32(out, 0x801);
  put_be32(out, declared);
  out.insert(out.end(), labels, labels + n);
  return out;
}

// The idx_fuzz input layout: classes, images length (u32 little-endian), images, labels.
Bytes idx_pair(uint8_t classes, const Bytes& images, const Bytes& labels) {
  Bytes out{classes};
  for (int i = 0; i < 4; ++i) out.push_back(uint8_t(images.size() >> (8 * i)));
  out.insert(out.end(), images.begin(), images.end());
  out.insert(out.end(), labels.begin(), labels.end());
  return out;
}

void write(const std::string& path, const Bytes& bytes) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f || std::fwrite(bytes.data(), 1, bytes.size(), f) != bytes.size() || std::fclose(f))
    throw Error("cannot write " + path);
  std::printf("%s (%zu bytes)\n", path.c_str(), bytes.size());
}

// A tiny model after one training-mode forward, so its running statistics are not at
// their initial values.
Bytes model_file(const char* norm) {
  auto model = make_model("tiny", NormSpec::parse(norm), 1);
  Dataset d = dataset_slice(test::mnist_train(), 0, 4);
  std::vector<int32_t> indices{0, 1, 2, 3}, labels;
  Tensor x;
  fetch_batch(d, indices.data(), indices.size(), x, labels);
  model->forward(x, Mode::Train);
  return save_model(*model);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: fuzz_seeds CORPUS_DIR (holding idx/ and model_file/)\n");
    return 2;
  }
  const std::string dir = argv[1];
  const Dataset& train = test::mnist_train();
  const uint8_t* px = train.images.data();
  const uint8_t* lab = train.labels.data();
  const std::size_t image = 28 * 28;

  write(dir + "/idx/mnist_3_digits",
        idx_pair(10, images_file(3, 28, 28, px, 3 * image), labels_file(3, lab, 3)));
  const uint8_t small_pixels[] = {0, 64, 128, 192, 255, 7, 9, 8, 6, 5, 4, 3};
  const uint8_t small_labels[] = {1, 0};
  write(dir + "/idx/two_2x3_images_2_classes",
        idx_pair(2, images_file(2, 2, 3, small_pixels, 12), labels_file(2, small_labels, 2)));
  write(dir + "/idx/no_samples", idx_pair(10, images_file(0, 28, 28, px, 0), labels_file(0, lab, 0)));
  write(dir + "/idx/real_header_one_digit",
        idx_pair(10, images_file(uint32_t(train.count), 28, 28, px, image),
                 labels_file(uint32_t(train.count), lab, 1)));

  const Bytes batch = model_file("batch,momentum=0.01,running_var=biased");
  write(dir + "/model_file/tiny_batch", batch);
  write(dir + "/model_file/tiny_group", model_file("group:2,eps=0.001,affine=false"));
  write(dir + "/model_file/tiny_batch_header", Bytes(batch.begin(), batch.begin() + 64));
  return 0;
}
