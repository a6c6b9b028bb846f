#pragma once
// A bounded FIFO of probe samples: push() beyond capacity drops the oldest, so a long run
// keeps memory constant. at(0) is the oldest kept sample, at(size()−1) the newest.
#include <cassert>
#include <cstddef>
#include <vector>

namespace normlab {

template <class T>
class RingBuffer {
 public:
  explicit RingBuffer(std::size_t capacity = 1) : capacity_(capacity ? capacity : 1) {}

  std::size_t capacity() const { return capacity_; }
  std::size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  long dropped() const { return dropped_; }  // samples pushed out so far

  void push(T item) {
    if (items_.size() < capacity_) {
      items_.push_back(std::move(item));
      return;
    }
    items_[head_] = std::move(item);
    head_ = (head_ + 1) % capacity_;
    ++dropped_;
  }
  const T& at(std::size_t i) const {
    assert(i < items_.size());
    return items_[(head_ + i) % items_.size()];
  }
  const T& back() const { return at(size() - 1); }
  void clear() {
    items_.clear();
    head_ = 0;
    dropped_ = 0;
  }

 private:
  std::size_t capacity_;
  std::vector<T> items_;
  std::size_t head_ = 0;  // index of the oldest item once full
  long dropped_ = 0;
};

}  // namespace normlab
