#pragma once
// IDX files (the MNIST format, yann.lecun.com/exdb/mnist): a big-endian header — two zero
// bytes, a type code (0x08 = unsigned byte), the number of dimensions — then one u32 per
// dimension, then the data. Images are 0x00000803 (count, rows, cols), labels 0x00000801
// (count). The parsers take the DECOMPRESSED bytes (core does not link zlib; callers gunzip)
// and throw normlab::Error naming what is wrong: bad magic, too short a header, sizes that
// overflow, or data that is not exactly as long as the header declares.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace normlab {

struct IdxImages {
  int count = 0, height = 0, width = 0;
  std::vector<uint8_t> pixels;  // count×height×width, row-major
};

IdxImages parse_idx_images(const uint8_t* data, std::size_t size);
// The same from a file held in a vector, whose storage becomes the pixels (no second copy).
IdxImages parse_idx_images(std::vector<uint8_t>&& file);
std::vector<uint8_t> parse_idx_labels(const uint8_t* data, std::size_t size);

}  // namespace normlab
