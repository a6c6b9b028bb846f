#pragma once
// Learning-rate schedules, as a pure function of the update count t (0-based: t = 0 is the
// first step). Without warm-up:
//   constant: lr
//   step:     lr·gamma^⌊t/step_size⌋                      (StepLR, counted in steps)
//   cosine:   lr·(1 + cos(π·min(t, T)/T))/2, T = total    (CosineAnnealingLR to 0, then stays 0)
// Linear warm-up over W steps composes with any of them: for t < W the rate is
// base(0)·(t+1)/W; from t = W on the base schedule runs on t − W (cosine then spans
// total − W steps, so it still ends at 0 after `total_steps` updates).
#include <string>

namespace normlab {

enum class ScheduleKind { Constant, Step, Cosine };

struct Schedule {
  ScheduleKind kind = ScheduleKind::Constant;
  long step_size = 1000;   // step: decay every step_size updates
  double gamma = 0.1;      // step: factor per decay
  long total_steps = 0;    // cosine: length of the whole run, warm-up included
  long warmup_steps = 0;   // 0 = no warm-up
};

// Throws ArgumentError naming the bad field (step_size ≤ 0, gamma ≤ 0 or NaN, total_steps ≤
// warmup_steps for cosine, warmup_steps < 0).
void validate(const Schedule& s);
double schedule_lr(const Schedule& s, double base_lr, long step);

ScheduleKind parse_schedule_kind(const std::string& name);  // "constant" | "step" | "cosine"
const char* schedule_kind_name(ScheduleKind kind);

}  // namespace normlab
