#include "schedule.hpp"

#include <algorithm>
#include <cmath>

#include "../error.hpp"
#include "integer_power.hpp"

namespace normlab {

void validate(const Schedule& s) {
  check_arg(s.warmup_steps >= 0, "schedule: warmup_steps = ", s.warmup_steps, ", expected ≥ 0");
  switch (s.kind) {
    case ScheduleKind::Constant:
      break;
    case ScheduleKind::Step:
      check_arg(s.step_size > 0, "schedule: step_size = ", s.step_size, ", expected > 0");
      check_arg(std::isfinite(s.gamma) && s.gamma > 0.0, "schedule: gamma = ", s.gamma,
                ", expected a finite value > 0");
      break;
    case ScheduleKind::Cosine:
      check_arg(s.total_steps > s.warmup_steps, "schedule: cosine total_steps = ", s.total_steps,
                ", expected > warmup_steps = ", s.warmup_steps);
      break;
  }
}

double schedule_lr(const Schedule& s, double base_lr, long step) {
  if (step < s.warmup_steps) return base_lr * double(step + 1) / double(s.warmup_steps);
  long t = step - s.warmup_steps;
  switch (s.kind) {
    case ScheduleKind::Constant:
      return base_lr;
    case ScheduleKind::Step:
      return base_lr * integer_power(s.gamma, t / s.step_size);
    case ScheduleKind::Cosine: {
      double total = double(s.total_steps - s.warmup_steps);
      double progress = std::min(double(t), total) / total;
      return base_lr * 0.5 * (1.0 + std::cos(3.141592653589793 * progress));
    }
  }
  return base_lr;
}

ScheduleKind parse_schedule_kind(const std::string& name) {
  if (name == "constant") return ScheduleKind::Constant;
  if (name == "step") return ScheduleKind::Step;
  if (name == "cosine") return ScheduleKind::Cosine;
  throw ArgumentError(msg("schedule: unknown kind \"", name, "\", expected constant, step or cosine"));
}

const char* schedule_kind_name(ScheduleKind kind) {
  switch (kind) {
    case ScheduleKind::Constant: return "constant";
    case ScheduleKind::Step: return "step";
    case ScheduleKind::Cosine: return "cosine";
  }
  return "constant";
}

}  // namespace normlab
