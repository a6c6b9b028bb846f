#include "idx.hpp"

#include <climits>
#include <string>

#include "../error.hpp"

namespace normlab {
namespace {

uint32_t read_be32(const uint8_t* p) {
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | uint32_t(p[3]);
}

std::string hex32(uint32_t v) { return "0x" + hex_digits(v, 8, true); }

// Validates header and length; returns the dimensions. `what` is "images" or "labels".
std::vector<uint32_t> parse_idx(const uint8_t* data, std::size_t size, const char* what,
                                uint32_t magic, int ndim) {
  if (size >= 2 && data[0] == 0x1f && data[1] == 0x8b)
    throw Error(msg("idx: ", what, " file is gzip-compressed (starts with 1f 8b); decompress it first"));
  if (size < 4)
    throw Error(msg("idx: ", what, " file is ", size, " bytes, too short for the 4-byte magic number"));
  uint32_t got = read_be32(data);
  if (got != magic)
    throw Error(msg("idx: ", what, " file has magic ", hex32(got), ", expected ", hex32(magic),
                    " (unsigned bytes, ", ndim, ndim == 1 ? " dimension)" : " dimensions)"));
  std::size_t header = 4 + 4 * std::size_t(ndim);
  if (size < header)
    throw Error(msg("idx: ", what, " file is ", size, " bytes, its header needs ", header));

  std::vector<uint32_t> dims(ndim);
  std::string declared;
  uint64_t total = 1;
  bool overflow = false;
  for (int k = 0; k < ndim; ++k) {
    dims[k] = read_be32(data + 4 + 4 * k);
    declared += (k ? "×" : "") + std::to_string(dims[k]);
    // Dimensions are u32; three of them can overflow 64 bits, so check every product.
    if (!overflow && dims[k] != 0 && total > UINT64_MAX / dims[k]) overflow = true;
    if (!overflow) total *= dims[k];
  }
  for (int k = 0; k < ndim; ++k)
    if (dims[k] > uint32_t(INT_MAX))
      throw Error(msg("idx: ", what, " file declares ", declared, ": dimension ", k, " = ", dims[k],
                      " exceeds ", INT_MAX));
  if (overflow || total > uint64_t(SIZE_MAX) - header)
    throw Error(msg("idx: ", what, " file declares ", declared, " bytes, which overflows"));
  std::size_t payload = size - header;
  if (total != payload)
    throw Error(msg("idx: ", what, " file declares ", declared, ndim > 1 ? " = " + std::to_string(total) : "",
                    " bytes but holds ", payload));
  return dims;
}

}  // namespace

IdxImages parse_idx_images(std::vector<uint8_t>&& file) {
  auto dims = parse_idx(file.data(), file.size(), "images", 0x00000803u, 3);
  if (dims[1] == 0 || dims[2] == 0)
    throw Error(msg("idx: images file declares images of ", dims[1], "×", dims[2], " pixels"));
  IdxImages out;
  out.count = int(dims[0]);
  out.height = int(dims[1]);
  out.width = int(dims[2]);
  file.erase(file.begin(), file.begin() + 16);  // the 16-byte header of three dimensions
  out.pixels = std::move(file);
  return out;
}

IdxImages parse_idx_images(const uint8_t* data, std::size_t size) {
  return parse_idx_images(std::vector<uint8_t>(data, data + size));
}

std::vector<uint8_t> parse_idx_labels(const uint8_t* data, std::size_t size) {
  parse_idx(data, size, "labels", 0x00000801u, 1);
  return std::vector<uint8_t>(data + 8, data + size);
}

}  // namespace normlab
