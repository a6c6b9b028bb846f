#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "core/data/idx.hpp"
#include "core/error.hpp"

using namespace normlab;

namespace {

void put_be32(std::vector<uint8_t>& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(uint8_t(v >> shift));
}

std::vector<uint8_t> idx_file(uint32_t magic, std::vector<uint32_t> dims, std::size_t payload) {
  std::vector<uint8_t> out;
  put_be32(out, magic);
  for (uint32_t d : dims) put_be32(out, d);
  for (std::size_t i = 0; i < payload; ++i) out.push_back(uint8_t(i * 7 + 3));
  return out;
}

// The message of the normlab::Error that f throws ("" if it throws none).
template <class F>
std::string error_of(F f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("idx images parse into count, height, width and row-major pixels", "[data][idx]") {
  auto file = idx_file(0x803, {2, 3, 4}, 24);
  IdxImages im = parse_idx_images(file.data(), file.size());
  CHECK(im.count == 2);
  CHECK(im.height == 3);
  CHECK(im.width == 4);
  REQUIRE(im.pixels.size() == 24);
  for (std::size_t i = 0; i < 24; ++i) CHECK(im.pixels[i] == uint8_t(i * 7 + 3));
}

TEST_CASE("idx labels parse into one byte per sample", "[data][idx]") {
  auto file = idx_file(0x801, {5}, 5);
  auto labels = parse_idx_labels(file.data(), file.size());
  REQUIRE(labels.size() == 5);
  CHECK(labels[4] == uint8_t(4 * 7 + 3));
}

TEST_CASE("idx reports a length that does not match the header with both sizes", "[data][idx]") {
  auto file = idx_file(0x803, {60000, 28, 28}, 1234);
  CHECK(error_of([&] { parse_idx_images(file.data(), file.size()); }) ==
        "idx: images file declares 60000×28×28 = 47040000 bytes but holds 1234");
  auto extra = idx_file(0x801, {3}, 4);
  CHECK(error_of([&] { parse_idx_labels(extra.data(), extra.size()); }) ==
        "idx: labels file declares 3 bytes but holds 4");
}

TEST_CASE("idx rejects a wrong magic number, naming both values", "[data][idx]") {
  auto labels = idx_file(0x801, {2}, 2);
  CHECK(error_of([&] { parse_idx_images(labels.data(), labels.size()); }) ==
        "idx: images file has magic 0x00000801, expected 0x00000803 (unsigned bytes, 3 dimensions)");
  auto floats = idx_file(0xD01, {2}, 8);
  CHECK(error_of([&] { parse_idx_labels(floats.data(), floats.size()); }) ==
        "idx: labels file has magic 0x00000D01, expected 0x00000801 (unsigned bytes, 1 dimension)");
}

TEST_CASE("idx says so when given gzip-compressed bytes", "[data][idx]") {
  std::vector<uint8_t> gz = {0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0, 3};
  CHECK(error_of([&] { parse_idx_images(gz.data(), gz.size()); }).find("gzip-compressed") !=
        std::string::npos);
}

TEST_CASE("idx rejects declared sizes that overflow or exceed int", "[data][idx]") {
  auto huge = idx_file(0x803, {0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu}, 10);
  CHECK(error_of([&] { parse_idx_images(huge.data(), huge.size()); }).find("exceeds") !=
        std::string::npos);
  // Each dimension fits an int, but the product overflows 64 bits.
  auto product = idx_file(0x803, {0x7FFFFFFFu, 0x7FFFFFFFu, 0x7FFFFFFFu}, 10);
  CHECK(error_of([&] { parse_idx_images(product.data(), product.size()); }) ==
        "idx: images file declares 2147483647×2147483647×2147483647 bytes, which overflows");
}

TEST_CASE("idx rejects images with zero rows or columns", "[data][idx]") {
  auto file = idx_file(0x803, {3, 0, 28}, 0);
  CHECK(error_of([&] { parse_idx_images(file.data(), file.size()); }) ==
        "idx: images file declares images of 0×28 pixels");
}

TEST_CASE("idx rejects every truncation of a valid file", "[data][idx]") {
  auto images = idx_file(0x803, {2, 3, 3}, 18);
  for (std::size_t len = 0; len < images.size(); ++len) {
    INFO("images truncated to " << len << " bytes");
    CHECK_THROWS_AS(parse_idx_images(images.data(), len), Error);
  }
  auto labels = idx_file(0x801, {4}, 4);
  for (std::size_t len = 0; len < labels.size(); ++len) {
    INFO("labels truncated to " << len << " bytes");
    CHECK_THROWS_AS(parse_idx_labels(labels.data(), len), Error);
  }
  CHECK(error_of([&] { parse_idx_images(images.data(), 2); }) ==
        "idx: images file is 2 bytes, too short for the 4-byte magic number");
  CHECK(error_of([&] { parse_idx_images(images.data(), 9); }) ==
        "idx: images file is 9 bytes, its header needs 16");
}
