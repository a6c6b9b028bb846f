#include "core/serialize.hpp"

#include <catch2/catch.hpp>

#include <cstring>
#include <string>

#include "core/error.hpp"
#include "core/model/presets.hpp"
#include "support/check.hpp"

using namespace normlab;
using normlab::test::random_tensor;

namespace {

using Bytes = std::vector<uint8_t>;

// A tiny model after a few train steps (so running statistics are not at their init),
// with gradients applied by hand so the weights differ from a fresh init.
std::unique_ptr<Model> trained(const char* preset, const char* norm) {
  auto m = make_model(preset, NormSpec::parse(norm), 3);
  for (int step = 0; step < 3; ++step) {
    m->zero_grad();
    Tensor x = random_tensor({4, 1, 28, 28}, 20 + step, 0.0f, 1.0f);  // alive for backward
    const Tensor& y = m->forward(x, Mode::Train);
    m->backward(random_tensor(y.shape(), 30 + step));
    for (auto& p : m->params())
      for (std::size_t i = 0; i < p.size; ++i) p.value[i] -= 0.05f * p.grad[i];
  }
  return m;
}

uint32_t read_u32(const Bytes& b, std::size_t at) {
  return uint32_t(b[at]) | uint32_t(b[at + 1]) << 8 | uint32_t(b[at + 2]) << 16 |
         uint32_t(b[at + 3]) << 24;
}
void write_u32(Bytes& b, std::size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) b[at + i] = uint8_t(v >> (8 * i));
}
// Recomputes the trailing checksum, so a test reaches the checks behind it.
void resign(Bytes& b) { write_u32(b, b.size() - 4, crc32(b.data(), b.size() - 4)); }

// Offset of the first byte of `name` stored as a tensor name (after its u32 length).
std::size_t find_name(const Bytes& b, const std::string& name) {
  for (std::size_t i = 4; i + name.size() <= b.size(); ++i)
    if (read_u32(b, i - 4) == name.size() && std::memcmp(&b[i], name.data(), name.size()) == 0)
      return i;
  FAIL("tensor " << name << " not found in file");
  return 0;
}

std::string load_error(const Bytes& b) {
  try {
    load_model(b.data(), b.size());
  } catch (const Error& e) {
    return e.what();
  }
  return "<loaded>";
}

}  // namespace

TEST_CASE("crc32 is the IEEE/zlib checksum", "[serialize]") {
  const char* check = "123456789";
  REQUIRE(crc32(reinterpret_cast<const uint8_t*>(check), 9) == 0xCBF43926u);
  REQUIRE(crc32(nullptr, 0) == 0u);
}

TEST_CASE("a saved model loads back with identical tensors and outputs", "[serialize]") {
  for (const char* norm : {"batch", "batch,momentum=0.01,running_var=biased,eps=0.001",
                           "layer-sample", "group:2,affine=false", "none"}) {
    INFO(norm);
    auto m = trained("tiny", norm);
    Bytes file = save_model(*m);
    REQUIRE(std::memcmp(file.data(), "NLAB", 4) == 0);
    REQUIRE(read_u32(file, 4) == kModelFileVersion);
    auto back = load_model(file.data(), file.size());
    REQUIRE(back->preset() == "tiny");
    REQUIRE(back->norm() == m->norm());

    auto pa = m->params(), pb = back->params();
    REQUIRE(pa.size() == pb.size());
    for (std::size_t i = 0; i < pa.size(); ++i) {
      REQUIRE(pa[i].name == pb[i].name);
      REQUIRE(std::memcmp(pa[i].value, pb[i].value, pa[i].size * 4) == 0);
    }
    auto ba = m->buffers(), bb = back->buffers();
    REQUIRE(ba.size() == bb.size());
    for (std::size_t i = 0; i < ba.size(); ++i)
      REQUIRE(std::memcmp(ba[i].value, bb[i].value, ba[i].size * 4) == 0);

    // Eval uses the running statistics: bitwise-equal logits prove they came back too.
    Tensor x = random_tensor({3, 1, 28, 28}, 40, 0.0f, 1.0f);
    Tensor want = m->forward(x, Mode::Eval);
    const Tensor& got = back->forward(x, Mode::Eval);
    REQUIRE(std::memcmp(got.data(), want.data(), want.size() * 4) == 0);
    // Saving the loaded model reproduces the file byte for byte.
    REQUIRE(save_model(*back) == file);
  }
}

TEST_CASE("residual and squeeze-excite presets round trip by hierarchical names",
          "[serialize]") {
  for (const char* preset : {"resnet-mini", "convnext-mini"}) {
    INFO(preset);
    auto m = trained(preset, "batch");
    Bytes file = save_model(*m);
    auto back = load_model(file.data(), file.size());
    Tensor x = random_tensor({2, 1, 28, 28}, 41, 0.0f, 1.0f);
    Tensor want = m->forward(x, Mode::Eval);
    const Tensor& got = back->forward(x, Mode::Eval);
    REQUIRE(std::memcmp(got.data(), want.data(), want.size() * 4) == 0);
  }
}

TEST_CASE("loading rejects a file truncated at any offset", "[serialize]") {
  auto m = make_model("tiny", NormSpec::parse("batch"), 1);
  const Bytes file = save_model(*m);
  for (std::size_t cut = 0; cut < file.size(); ++cut) {
    INFO("truncated to " << cut << " of " << file.size() << " bytes");
    // A copy of exactly `cut` bytes, so a read past it is caught by sanitizers too.
    Bytes part(file.begin(), file.begin() + cut);
    REQUIRE_THROWS_AS(load_model(part.data(), part.size()), Error);
  }
  REQUIRE_THROWS_WITH(load_model(file.data(), file.size() / 2),
                      Catch::Contains("truncated") && Catch::Contains("8.weight"));
}

TEST_CASE("loading rejects any flipped byte", "[serialize]") {
  auto m = make_model("tiny", NormSpec::parse("batch"), 1);
  const Bytes file = save_model(*m);
  // Every byte of the header and first tensor headers, then a stride through the data
  // (CRC-32 detects every single-byte error, so the stride loses nothing but time).
  for (std::size_t at = 0; at < file.size(); at += at < 512 ? 1 : 61) {
    INFO("byte " << at << " of " << file.size());
    Bytes bad = file;
    bad[at] ^= 0x5A;
    REQUIRE_THROWS_AS(load_model(bad.data(), bad.size()), Error);
  }
  Bytes bad = file;
  bad[file.size() / 2] ^= 1;
  REQUIRE_THAT(load_error(bad), Catch::Contains("checksum mismatch"));
  bad = file;
  bad.back() ^= 1;  // the checksum itself
  REQUIRE_THAT(load_error(bad), Catch::Contains("checksum mismatch"));
}

TEST_CASE("loading names each structural problem", "[serialize]") {
  auto m = make_model("tiny", NormSpec::parse("batch"), 1);
  const Bytes file = save_model(*m);
  // Layout: magic 0, version 4, preset length 8, "tiny" 12, norm length 16, "batch" 20,
  // count 25, first tensor name length 29.
  REQUIRE(read_u32(file, 8) == 4);
  REQUIRE(read_u32(file, 16) == 5);

  SECTION("bad magic") {
    Bytes b = file;
    b[0] = 'P';
    REQUIRE_THAT(load_error(b), Catch::Contains("bad magic") && Catch::Contains("50 4c 41 42"));
    REQUIRE_THAT(load_error(Bytes{'N', 'L'}), Catch::Contains("truncated"));
    REQUIRE_THAT(load_error(Bytes{}), Catch::Contains("truncated"));
  }
  SECTION("unknown version") {
    Bytes b = file;
    write_u32(b, 4, 2);
    resign(b);
    REQUIRE_THAT(load_error(b), Catch::Contains("unsupported version 2"));
  }
  SECTION("unknown preset and bad norm spec") {
    Bytes b = file;
    b[12] = 'x';  // "xiny"
    resign(b);
    REQUIRE_THAT(load_error(b), Catch::Contains("unknown preset 'xiny'"));
    b = file;
    b[20] = 'x';  // "xatch"
    resign(b);
    REQUIRE_THAT(load_error(b), Catch::Contains("unknown norm 'xatch'"));
  }
  SECTION("lengths that exceed the file or overflow") {
    Bytes b = file;
    write_u32(b, 8, 0xFFFFFFFFu);  // preset length
    resign(b);
    REQUIRE_THAT(load_error(b), Catch::Contains("preset name") && Catch::Contains("limit"));
    b = file;
    write_u32(b, 25, 0xFFFFFFFFu);  // tensor count
    resign(b);
    REQUIRE_THAT(load_error(b), Catch::Contains("tensor count 4294967295"));
    b = file;
    write_u32(b, 29, 1025);  // first name length, over the 1024-byte limit
    resign(b);
    REQUIRE_THAT(load_error(b), Catch::Contains("name of tensor #0") && Catch::Contains("limit"));
    b = file;
    write_u32(b, 29, 1000);  // within the limit: the parse reads garbage, and says so
    resign(b);
    REQUIRE_THROWS_AS(load_model(b.data(), b.size()), Error);
    // Dimensions whose product overflows 64 bits: [65536, 65536, 65536, 65536] would
    // wrap to 0 if multiplied blindly.
    b = file;
    const std::size_t name = find_name(b, "0.weight");
    const std::size_t ndim_at = name + 8;
    REQUIRE(read_u32(b, ndim_at) == 4);
    for (int d = 0; d < 4; ++d) write_u32(b, ndim_at + 4 + 4 * d, 65536);
    resign(b);
    REQUIRE_THAT(load_error(b), Catch::Contains("tensor '0.weight'") &&
                                    Catch::Contains("needs more than"));
    b = file;
    write_u32(b, ndim_at, 100);
    resign(b);
    REQUIRE_THAT(load_error(b), Catch::Contains("rank 100"));
    b = file;
    write_u32(b, ndim_at + 4, 0);
    resign(b);
    REQUIRE_THAT(load_error(b), Catch::Contains("zero dimension"));
  }
  SECTION("unknown, duplicate and missing tensors") {
    Bytes b = file;
    std::size_t at = find_name(b, "0.weight");
    b[at + 7] = 'X';  // "0.weighX"
    resign(b);
    REQUIRE_THAT(load_error(b), Catch::Contains("unknown tensor '0.weighX'") &&
                                    Catch::Contains("preset tiny"));
    b = file;
    at = find_name(b, "0.bias");  // "0.bias" → "1.beta": same length and shape (8)
    std::memcpy(&b[at], "1.beta", 6);
    resign(b);
    REQUIRE_THAT(load_error(b), Catch::Contains("tensor '1.beta' appears twice"));
    b = file;
    write_u32(b, 25, read_u32(b, 25) - 1);  // drop the last tensor from the count
    resign(b);
    REQUIRE_THAT(load_error(b), Catch::Contains("unexpected bytes"));
  }
  SECTION("shape mismatch") {
    Bytes b = file;
    const std::size_t ndim_at = find_name(b, "0.weight") + 8;
    // (8,1,3,3) → (1,8,3,3): same byte count, wrong shape.
    write_u32(b, ndim_at + 4, 1);
    write_u32(b, ndim_at + 8, 8);
    resign(b);
    REQUIRE_THAT(load_error(b), Catch::Contains("tensor '0.weight' has shape [1,8,3,3]") &&
                                    Catch::Contains("expects [8,1,3,3]"));
  }
  SECTION("trailing bytes") {
    Bytes b = file;
    b.insert(b.end() - 4, {1, 2, 3, 4});
    resign(b);
    REQUIRE_THAT(load_error(b), Catch::Contains("4 unexpected bytes"));
  }
}

TEST_CASE("loading reports a missing tensor by name", "[serialize]") {
  // Rebuild the file without its last tensor (a buffer) and with a matching count.
  auto m = make_model("tiny", NormSpec::parse("batch"), 1);
  Bytes file = save_model(*m);
  auto buffers = m->buffers();
  const std::string last = buffers.back().name;
  const std::size_t name_at = find_name(file, last);
  Bytes b(file.begin(), file.begin() + (name_at - 4));
  write_u32(b, 25, read_u32(b, 25) - 1);
  b.resize(b.size() + 4);
  resign(b);
  REQUIRE_THAT(load_error(b), Catch::Contains("missing tensor '" + last + "'"));
}
