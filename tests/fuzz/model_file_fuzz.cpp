// Fuzzes the model-file loader. Whatever the bytes, load_model must either return a model
// or throw normlab::Error whose message starts with "model file: "; a model it returns
// must save and load back to the very same bytes. Anything else (a crash, a sanitizer
// report, another exception) is a finding.
//
// Random bytes almost never carry the right CRC-32, so each input is loaded twice: as it
// is, and with its last four bytes replaced by the right checksum, which lets the fuzzer
// reach the checks behind it (rebuilding the preset, matching names and shapes).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/serialize.hpp"

using namespace normlab;

namespace {

[[noreturn]] void finding(const char* what) {
  std::fprintf(stderr, "model_file_fuzz: %s\n", what);
  std::abort();
}

// Presets that take 20 ms to 2 s to build (millions of parameters): a file naming one would
// slow the fuzzer a thousandfold while the loader runs the same code as for a small preset.
bool names_a_large_preset(const uint8_t* data, std::size_t size) {
  static const char* const large[] = {"baseline", "alexnet",           "vgg16",
                                      "resnet18", "efficientnet-lite0", "convnext-tiny"};
  if (size < 12) return false;
  const uint32_t n = uint32_t(data[8]) | uint32_t(data[9]) << 8 | uint32_t(data[10]) << 16 |
                     uint32_t(data[11]) << 24;
  if (n > size - 12) return false;
  const std::string preset(reinterpret_cast<const char*>(data + 12), n);
  for (const char* name : large)
    if (preset == name) return true;
  return false;
}

void check_load(const uint8_t* data, std::size_t size) {
  std::unique_ptr<Model> model;
  try {
    model = load_model(data, size);
  } catch (const Error& e) {
    if (std::strncmp(e.what(), "model file: ", 12) != 0) {
      std::fprintf(stderr, "message: %s\n", e.what());
      finding("an error message does not start with 'model file: '");
    }
    return;
  }
  const std::vector<uint8_t> saved = save_model(*model);
  // A file saved as it was read round-trips by itself; any other must once it is resaved.
  if (saved.size() == size && std::memcmp(saved.data(), data, size) == 0) return;
  const std::vector<uint8_t> again = save_model(*load_model(saved.data(), saved.size()));
  if (again != saved) finding("a loaded model does not save and load back to the same bytes");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  if (names_a_large_preset(data, size)) return 0;
  check_load(data, size);
  if (size < 4) return 0;
  const uint32_t crc = crc32(data, size - 4);
  const uint8_t right[4] = {uint8_t(crc), uint8_t(crc >> 8), uint8_t(crc >> 16), uint8_t(crc >> 24)};
  if (std::memcmp(data + size - 4, right, 4) == 0) return 0;  // already loaded as it is
  std::vector<uint8_t> resigned(data, data + size);
  std::memcpy(resigned.data() + size - 4, right, 4);
  check_load(resigned.data(), resigned.size());
  return 0;
}
