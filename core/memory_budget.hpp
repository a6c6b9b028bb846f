#pragma once
// How much more memory the engine may allocate, and the check that refuses a configuration
// before it allocates more than that (instead of failing halfway through, or aborting).
// Natively the budget is a fixed, generous 8 GiB. The wasm bindings install their own:
// the module's maximum memory minus what is in use and a reserve (wasm/bindings.cpp).
#include <cstdint>
#include <string>

#include "error.hpp"

namespace normlab {

// A configuration refused for its memory: an ArgumentError (a JS RangeError), told apart
// so that callers wrapping other argument errors let it through unchanged.
struct MemoryLimitError : ArgumentError {
  using ArgumentError::ArgumentError;
};

struct MemoryBudget {
  uint64_t available = 0;  // bytes that may still be allocated
  uint64_t limit = 0;      // the ceiling they are part of
};

constexpr uint64_t kNativeMemoryLimit = uint64_t(8) << 30;

// nullptr restores the native default.
void set_memory_budget(MemoryBudget (*provider)());
MemoryBudget memory_budget();

// Throws MemoryLimitError "<what> needs about <bytes> (<detail>), more than the <available>
// the engine may still allocate (limit <limit>); <advice>" when bytes > available.
void require_memory(uint64_t bytes, const std::string& what, const std::string& detail,
                    const std::string& advice);

// A layer's constructor, before it allocates `count` parameter floats (values and
// gradients: 8 bytes each): throws MemoryLimitError naming `what` unless they fit in the
// budget. `count` is 64-bit because a size_t would wrap in wasm32 (Dense(2^20, 2^20) has
// 2^40 weights: a wrapped size allocated nothing, and forward read out of bounds).
void require_parameter_memory(uint64_t count, const std::string& what);

// "512 B", "31.3 KB", "1.45 GB": powers of 1024, three significant digits.
std::string format_bytes(uint64_t bytes);

}  // namespace normlab
