#include "serialize.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "error.hpp"
#include "model/presets.hpp"

namespace normlab {

namespace {

constexpr std::size_t kMaxHeaderString = 256;
constexpr std::size_t kMaxName = 1024;
constexpr uint32_t kMaxDims = 8;

// ---- writing ----

void put_u32(std::vector<uint8_t>& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(uint8_t(v >> (8 * i)));
}

void put_string(std::vector<uint8_t>& out, const std::string& s) {
  put_u32(out, uint32_t(s.size()));
  out.insert(out.end(), s.begin(), s.end());
}

void put_floats(std::vector<uint8_t>& out, const float* p, std::size_t n) {
  std::size_t at = out.size();
  out.resize(at + 4 * n);
  for (std::size_t i = 0; i < n; ++i, at += 4) {
    uint32_t bits;
    std::memcpy(&bits, p + i, 4);
    for (int b = 0; b < 4; ++b) out[at + b] = uint8_t(bits >> (8 * b));
  }
}

// ---- reading ----

uint32_t get_u32(const uint8_t* p) {
  return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
}

// Bounds-checked cursor over the file; every error names the file and the problem.
struct Reader {
  const uint8_t* data;
  std::size_t size, pos = 0;

  std::size_t left() const { return size - pos; }

  [[noreturn]] void fail(const std::string& what) const {
    throw Error(msg("model file: ", what));
  }
  void need(std::size_t n, const std::string& what) const {
    if (n > left())
      fail(msg("truncated: ", what, " needs ", n, " bytes at offset ", pos, ", only ", left(),
               " left"));
  }
  uint32_t u32(const std::string& what) {
    need(4, what);
    uint32_t v = get_u32(data + pos);
    pos += 4;
    return v;
  }
  std::string string(const std::string& what, std::size_t max_len) {
    const std::size_t at = pos;
    const uint32_t n = u32(msg("the length of ", what));
    if (n > max_len)
      fail(msg(what, " at offset ", at, " claims ", n, " bytes, more than the limit of ",
               max_len));
    need(n, what);
    std::string s(reinterpret_cast<const char*>(data + pos), n);
    pos += n;
    return s;
  }
};

struct Record {
  std::string name;
  std::vector<uint32_t> dims;
  std::size_t count = 0;      // Π dims
  std::size_t offset = 0;     // of the float data in the file
};

struct Target {
  std::string name;
  float* value;
  std::size_t size;
  std::vector<uint32_t> dims;
  bool filled = false;
};

std::string dims_str(const std::vector<uint32_t>& dims) {
  std::string s = "[";
  for (std::size_t i = 0; i < dims.size(); ++i) s += (i ? "," : "") + std::to_string(dims[i]);
  return s + "]";
}

}  // namespace

uint32_t crc32(const uint8_t* data, std::size_t size) {
  static const std::array<uint32_t, 256> table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  uint32_t c = 0xFFFFFFFFu;
  for (std::size_t i = 0; i < size; ++i) c = table[(c ^ data[i]) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

std::vector<uint8_t> save_model(Model& model) {
  auto params = model.params();
  auto buffers = model.buffers();
  std::size_t bytes = 64 + model.preset().size() + model.norm().str().size();
  for (auto& p : params) bytes += 48 + p.name.size() + 4 * p.size;
  for (auto& b : buffers) bytes += 16 + b.name.size() + 4 * b.size;
  std::vector<uint8_t> out{'N', 'L', 'A', 'B'};
  out.reserve(bytes);
  put_u32(out, kModelFileVersion);
  put_string(out, model.preset());
  put_string(out, model.norm().str());
  put_u32(out, uint32_t(params.size() + buffers.size()));
  for (auto& p : params) {
    put_string(out, p.name);
    std::vector<int> shape = p.shape.empty() ? std::vector<int>{int(p.size)} : p.shape;
    put_u32(out, uint32_t(shape.size()));
    for (int d : shape) put_u32(out, uint32_t(d));
    put_floats(out, p.value, p.size);
  }
  for (auto& b : buffers) {
    put_string(out, b.name);
    put_u32(out, 1);
    put_u32(out, uint32_t(b.size));
    put_floats(out, b.value, b.size);
  }
  put_u32(out, crc32(out.data(), out.size()));
  return out;
}

std::unique_ptr<Model> load_model(const uint8_t* data, std::size_t size) {
  if (data == nullptr && size > 0) throw Error("model file: null data with nonzero size");
  Reader r{data, size, 0};

  // Magic and version first, so a file of another kind or version says so plainly.
  r.need(4, "the magic 'NLAB'");
  if (std::memcmp(data, "NLAB", 4) != 0) {
    r.fail(msg("bad magic: the file starts with bytes ", hex_bytes(data, 4),
               ", expected 'NLAB' (4e 4c 41 42); not a normlab model file"));
  }
  r.pos = 4;
  const uint32_t version = r.u32("the version");
  if (version != kModelFileVersion)
    r.fail(msg("unsupported version ", version, "; this build reads version ",
               kModelFileVersion));

  const std::string preset = r.string("the preset name", kMaxHeaderString);
  const std::string norm = r.string("the norm spec", kMaxHeaderString);
  const uint32_t count = r.u32("the tensor count");
  // Each tensor takes at least 4 (name length) + 4 (ndim) + 4 (one dim) + 4 (one float).
  if (count > r.left() / 16)
    r.fail(msg("tensor count ", count, " cannot fit in the ", r.left(), " bytes left"));

  std::vector<Record> records;
  records.reserve(count);
  for (uint32_t t = 0; t < count; ++t) {
    Record rec;
    rec.name = r.string(msg("the name of tensor #", t), kMaxName);
    const std::string what = msg("tensor '", rec.name, "'");
    const uint32_t ndim = r.u32(msg("the rank of ", what));
    if (ndim < 1 || ndim > kMaxDims)
      r.fail(msg(what, " has rank ", ndim, ", expected 1 to ", kMaxDims));
    rec.count = 1;
    for (uint32_t d = 0; d < ndim; ++d) {
      const uint32_t dim = r.u32(msg("dimension ", d, " of ", what));
      if (dim == 0) r.fail(msg(what, " has a zero dimension ", d));
      rec.dims.push_back(dim);
      // Overflow-safe: the bytes must fit in what is left, so compare before multiplying.
      if (rec.count > r.left() / 4 / dim)
        r.fail(msg("truncated or corrupt: ", what, " of shape ", dims_str(rec.dims),
                   ndim > d + 1 ? "…" : "", " needs more than the ", r.left(), " bytes left"));
      rec.count *= dim;
    }
    r.need(rec.count * 4, msg("the data of ", what, " ", dims_str(rec.dims)));
    rec.offset = r.pos;
    r.pos += rec.count * 4;
    records.push_back(std::move(rec));
  }
  if (r.left() != 4) {
    if (r.left() < 4) r.need(4, "the checksum");
    r.fail(msg(r.left() - 4, " unexpected bytes after the last tensor at offset ", r.pos));
  }
  // The structure is sound (so size ≥ 4): now the checksum, which catches what the
  // structure cannot (flipped data bytes, names, dims of equal size).
  const uint32_t stored = get_u32(data + size - 4), computed = crc32(data, size - 4);
  if (stored != computed) {
    r.fail(msg("checksum mismatch (stored 0x", hex_digits(stored, 8), ", computed 0x",
               hex_digits(computed, 8), "): the file is corrupted"));
  }

  // The header is intact: rebuild the model it names.
  std::unique_ptr<Model> model;
  try {
    model = make_model(preset, NormSpec::parse(norm), 0);
  } catch (const ArgumentError& e) {
    throw Error(msg("model file: cannot rebuild the model: ", e.what()));
  }
  const std::string which = msg(" (preset ", preset, ", norm ", norm, ")");

  // A model has at most a few hundred tensors: a linear search is all the lookup needs.
  std::vector<Target> targets;
  for (auto& p : model->params()) {
    std::vector<uint32_t> dims;
    if (p.shape.empty()) dims.push_back(uint32_t(p.size));
    for (int d : p.shape) dims.push_back(uint32_t(d));
    targets.push_back(Target{p.name, p.value, p.size, dims});
  }
  for (auto& b : model->buffers())
    targets.push_back(Target{b.name, b.value, b.size, {uint32_t(b.size)}});
  auto target = [&](const std::string& name) {
    return std::find_if(targets.begin(), targets.end(),
                        [&](const Target& t) { return t.name == name; });
  };

  // Validate every record against the model before writing anything.
  for (const Record& rec : records) {
    auto it = target(rec.name);
    if (it == targets.end()) r.fail(msg("unknown tensor '", rec.name, "'", which));
    if (it->filled) r.fail(msg("tensor '", rec.name, "' appears twice"));
    if (rec.dims != it->dims)
      r.fail(msg("tensor '", rec.name, "' has shape ", dims_str(rec.dims),
                 ", the model expects ", dims_str(it->dims), which));
    it->filled = true;
  }
  for (const Target& t : targets)
    if (!t.filled) r.fail(msg("missing tensor '", t.name, "'", which));

  for (const Record& rec : records) {
    float* dst = target(rec.name)->value;
    const uint8_t* src = data + rec.offset;
    for (std::size_t i = 0; i < rec.count; ++i) {
      const uint32_t bits = get_u32(src + 4 * i);
      std::memcpy(dst + i, &bits, 4);
    }
  }
  return model;
}

}  // namespace normlab
