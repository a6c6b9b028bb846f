#include "memory_budget.hpp"


namespace normlab {
namespace {

MemoryBudget native_budget() { return {kNativeMemoryLimit, kNativeMemoryLimit}; }

MemoryBudget (*budget_provider)() = native_budget;

}  // namespace

void set_memory_budget(MemoryBudget (*provider)()) {
  budget_provider = provider ? provider : native_budget;
}

MemoryBudget memory_budget() { return budget_provider(); }

void require_memory(uint64_t bytes, const std::string& what, const std::string& detail,
                    const std::string& advice) {
  const MemoryBudget b = memory_budget();
  if (bytes <= b.available) return;
  throw MemoryLimitError(msg(what, " needs about ", format_bytes(bytes), " (", detail, "), more than the ",
                          format_bytes(b.available), " the engine may still allocate (limit ",
                          format_bytes(b.limit), "); ", advice));
}

void require_parameter_memory(uint64_t count, const std::string& what) {
  const uint64_t floats_max = uint64_t(1) << 60;  // keeps count·8 from overflowing
  require_memory(count < floats_max ? 8 * count : ~uint64_t(0), what,
                 msg(count, " parameters, their values and gradients"), "use fewer channels or features");
}

std::string format_bytes(uint64_t bytes) {
  static const char* const units[] = {"B", "KB", "MB", "GB", "TB"};
  double v = double(bytes);
  int u = 0;
  while (v >= 1024.0 && u < 4) {
    v /= 1024.0;
    ++u;
  }
  if (u == 0) return std::to_string(bytes) + " B";
  return format_fixed(v, v < 10 ? 2 : v < 100 ? 1 : 0) + " " + units[u];
}

}  // namespace normlab
