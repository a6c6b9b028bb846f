#pragma once
// Model files: the preset name, the norm spec and every parameter and buffer, enough to
// rebuild the model exactly (make_model, then overwrite every tensor).
//
// Format, version 1. Integers are u32 little-endian; a string is a u32 byte count then
// that many bytes (no terminator); floats are IEEE float32 little-endian.
//   "NLAB"                  magic, 4 bytes
//   version                 u32, 1
//   preset                  string (≤ 256 bytes), e.g. "tiny"
//   norm                    string (≤ 256 bytes), NormSpec::str(), e.g. "batch"
//   count                   u32, number of tensors
//   count × { name          string (≤ 1024 bytes), hierarchical: "3.body.0.weight"
//             ndim          u32, 1…8
//             dims          ndim × u32, each ≥ 1 (params: their shape; buffers: {size})
//             data }        Π dims × float32
//   crc                     u32, CRC-32 (IEEE 802.3, as zlib's crc32) of every byte before it
// Parameters come first, then buffers, each in the model's order; load matches by name,
// so the order is not part of the contract.
//
// load_model validates everything before touching the model and never reads past `size`:
// truncation, bad magic, unknown version, lengths that exceed the remaining bytes or
// overflow, unknown/duplicate/missing tensor names, shape mismatches, trailing bytes and
// checksum mismatch each throw normlab::Error with a message naming what was wrong.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "model/model.hpp"

namespace normlab {

constexpr uint32_t kModelFileVersion = 1;

std::vector<uint8_t> save_model(Model& model);
std::unique_ptr<Model> load_model(const uint8_t* data, std::size_t size);

// CRC-32 with the reflected polynomial 0xEDB88320 (zlib's; "123456789" → 0xCBF43926).
uint32_t crc32(const uint8_t* data, std::size_t size);

}  // namespace normlab
