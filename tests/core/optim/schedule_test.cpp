#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <string>

#include "core/error.hpp"
#include "core/optim/schedule.hpp"

using namespace normlab;

// Exact formulas in double on both sides: 1e-12 only absorbs cos/pow rounding.
TEST_CASE("constant schedule keeps the base rate", "[optim][schedule]") {
  Schedule s;
  CHECK(schedule_lr(s, 0.1, 0) == 0.1);
  CHECK(schedule_lr(s, 0.1, 123456) == 0.1);
}

TEST_CASE("step schedule multiplies by gamma every step_size updates", "[optim][schedule]") {
  Schedule s;
  s.kind = ScheduleKind::Step;
  s.step_size = 3;
  s.gamma = 0.5;
  CHECK(schedule_lr(s, 0.2, 0) == Approx(0.2).margin(1e-12));
  CHECK(schedule_lr(s, 0.2, 2) == Approx(0.2).margin(1e-12));
  CHECK(schedule_lr(s, 0.2, 3) == Approx(0.1).margin(1e-12));
  CHECK(schedule_lr(s, 0.2, 8) == Approx(0.05).margin(1e-12));
  CHECK(schedule_lr(s, 0.2, 9) == Approx(0.025).margin(1e-12));
}

TEST_CASE("cosine schedule falls from the base rate to zero over total steps", "[optim][schedule]") {
  Schedule s;
  s.kind = ScheduleKind::Cosine;
  s.total_steps = 10;
  CHECK(schedule_lr(s, 0.4, 0) == Approx(0.4).margin(1e-12));
  CHECK(schedule_lr(s, 0.4, 5) == Approx(0.2).margin(1e-12));
  CHECK(schedule_lr(s, 0.4, 10) == Approx(0.0).margin(1e-12));
  CHECK(schedule_lr(s, 0.4, 25) == Approx(0.0).margin(1e-12));  // stays at 0 past the end
  CHECK(schedule_lr(s, 0.4, 2) == Approx(0.4 * 0.5 * (1 + std::cos(3.141592653589793 * 0.2))).margin(1e-12));
}

TEST_CASE("linear warm-up ramps up and then hands over to the base schedule", "[optim][schedule]") {
  Schedule s;
  s.kind = ScheduleKind::Cosine;
  s.total_steps = 14;
  s.warmup_steps = 4;
  CHECK(schedule_lr(s, 1.0, 0) == Approx(0.25).margin(1e-12));
  CHECK(schedule_lr(s, 1.0, 1) == Approx(0.5).margin(1e-12));
  CHECK(schedule_lr(s, 1.0, 3) == Approx(1.0).margin(1e-12));
  CHECK(schedule_lr(s, 1.0, 4) == Approx(1.0).margin(1e-12));
  CHECK(schedule_lr(s, 1.0, 9) == Approx(0.5).margin(1e-12));   // halfway through the 10 cosine steps
  CHECK(schedule_lr(s, 1.0, 14) == Approx(0.0).margin(1e-12));
  s.kind = ScheduleKind::Step;
  s.step_size = 2;
  s.gamma = 0.1;
  CHECK(schedule_lr(s, 1.0, 2) == Approx(0.75).margin(1e-12));
  CHECK(schedule_lr(s, 1.0, 5) == Approx(1.0).margin(1e-12));
  CHECK(schedule_lr(s, 1.0, 6) == Approx(0.1).margin(1e-12));
}

TEST_CASE("schedules reject invalid settings naming the field", "[optim][schedule]") {
  Schedule s;
  s.kind = ScheduleKind::Step;
  s.step_size = 0;
  CHECK_THROWS_WITH(validate(s), "schedule: step_size = 0, expected > 0");
  s.step_size = 5;
  s.gamma = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_AS(validate(s), ArgumentError);
  s.gamma = 0.5;
  CHECK_NOTHROW(validate(s));
  s.kind = ScheduleKind::Cosine;
  s.total_steps = 4;
  s.warmup_steps = 4;
  CHECK_THROWS_WITH(validate(s), "schedule: cosine total_steps = 4, expected > warmup_steps = 4");
  s.warmup_steps = -1;
  CHECK_THROWS_WITH(validate(s), "schedule: warmup_steps = -1, expected ≥ 0");
  CHECK(parse_schedule_kind("cosine") == ScheduleKind::Cosine);
  CHECK(std::string(schedule_kind_name(ScheduleKind::Step)) == "step");
  CHECK_THROWS_WITH(parse_schedule_kind("linear"),
                    "schedule: unknown kind \"linear\", expected constant, step or cosine");
}
