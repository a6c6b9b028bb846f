#pragma once
// Saves every buffer of a model (BatchNorm running statistics) and puts it back on
// destruction, so a train-mode forward that only measures something leaves no trace.
#include <algorithm>
#include <vector>

#include "model.hpp"

namespace normlab {

class BufferGuard {
 public:
  explicit BufferGuard(Model& model) : buffers_(model.buffers()) {
    for (auto& b : buffers_) saved_.emplace_back(b.value, b.value + b.size);
  }
  ~BufferGuard() {
    for (std::size_t k = 0; k < buffers_.size(); ++k)
      std::copy(saved_[k].begin(), saved_[k].end(), buffers_[k].value);
  }
  BufferGuard(const BufferGuard&) = delete;
  BufferGuard& operator=(const BufferGuard&) = delete;

 private:
  std::vector<Buffer> buffers_;
  std::vector<std::vector<float>> saved_;
};

}  // namespace normlab
