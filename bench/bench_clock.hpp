#pragma once
// The clock the benchmarks time with. On a shared machine a thread is preempted for whole
// scheduler slices, which wall time counts and CPU time does not; so benchmarks read the
// CPU time of this thread (native) or of this process (node, where the wasm runs on the
// main thread and the others idle), and fall back to wall time where neither exists
// (a browser).
#include <chrono>
#include <ctime>

#if defined(__EMSCRIPTEN__)
#include <emscripten.h>
// Milliseconds; *cpu = 1 when the figure is CPU time.
EM_JS(double, normlab_bench_clock_ms, (int* cpu), {
  if (typeof process == 'object' && process.cpuUsage) {
    HEAP32[cpu >> 2] = 1;
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  }
  HEAP32[cpu >> 2] = 0;
  return performance.now();
});
#endif

namespace normlab::bench {

// Seconds on the benchmark clock.
inline double clock_seconds() {
#if defined(__EMSCRIPTEN__)
  int cpu = 0;
  return normlab_bench_clock_ms(&cpu) * 1e-3;
#elif defined(CLOCK_THREAD_CPUTIME_ID)
  timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return double(t.tv_sec) + double(t.tv_nsec) * 1e-9;
#else
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
#endif
}

// What clock_seconds() measures, for the benchmark's header line.
inline const char* clock_name() {
#if defined(__EMSCRIPTEN__)
  int cpu = 0;
  normlab_bench_clock_ms(&cpu);
  return cpu ? "process CPU time" : "wall time";
#elif defined(CLOCK_THREAD_CPUTIME_ID)
  return "thread CPU time";
#else
  return "wall time";
#endif
}

}  // namespace normlab::bench
