#pragma once
// Loads the bundled MNIST split (data/mnist/*.gz, made by data/make_mnist.mjs) for tests and
// benchmarks. Only tests link zlib: core takes decompressed bytes so it also builds for wasm.
#include <zlib.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/data/dataset.hpp"
#include "core/error.hpp"

namespace normlab::test {

inline std::string mnist_dir() { return std::string(NORMLAB_SOURCE_DIR) + "/data/mnist"; }

// Whole decompressed contents of a .gz file (gzread also passes plain files through).
inline std::vector<uint8_t> read_gz(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) throw Error("cannot open " + path);
  std::vector<uint8_t> out;
  uint8_t buf[1 << 16];
  int got;
  while ((got = gzread(f, buf, sizeof buf)) > 0) out.insert(out.end(), buf, buf + got);
  bool failed = got < 0;
  gzclose(f);
  if (failed) throw Error("cannot decompress " + path);
  return out;
}

inline Dataset load_idx_pair(const std::string& images_path, const std::string& labels_path) {
  auto images = read_gz(images_path);
  auto labels = read_gz(labels_path);
  return make_dataset(images.data(), images.size(), labels.data(), labels.size());
}

// The bundled split, loaded once per process: 8,000 train and 2,000 test digits.
inline const Dataset& mnist_train() {
  static const Dataset d = load_idx_pair(mnist_dir() + "/train-images-idx3-ubyte.gz",
                                         mnist_dir() + "/train-labels-idx1-ubyte.gz");
  return d;
}
inline const Dataset& mnist_test() {
  static const Dataset d = load_idx_pair(mnist_dir() + "/t10k-images-idx3-ubyte.gz",
                                         mnist_dir() + "/t10k-labels-idx1-ubyte.gz");
  return d;
}

}  // namespace normlab::test
