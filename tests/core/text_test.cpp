// core/text against libc, its reference: printf's %g and %f, and strtof. The random inputs
// come from a fixed seed, so every run checks the same values.
#include "core/text.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>

#include "core/rng.hpp"

using namespace normlab;

namespace {

std::string printf_general(double v, int p) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*g", p, v);
  return buf;
}

// A finite float with uniformly random bits: every exponent, subnormals included.
float random_float(Rng& rng) {
  for (;;) {
    const uint32_t bits = rng.next_u32();
    float f;
    std::memcpy(&f, &bits, sizeof f);
    if (std::isfinite(f)) return f;
  }
}

}  // namespace

TEST_CASE("format_general writes what printf's %g writes", "[text]") {
  const double values[] = {0.0,     -0.0,   1.0,      -1.0,     0.1f,    0.1,     1e-5f,  1e-5,
                           0.0001,  1e-4f,  123456.0, 1234567., 1e15,    1.5e10,  9.99995, 99999.5,
                           0.125,   2.5,    0.5,      1e-45f,   3.4e38f, 1e300,   1e-300, 6.02e23};
  for (double v : values)
    for (int p : {1, 2, 6, 9, 15}) {
      INFO(v << " at " << p);
      REQUIRE(format_general(v, p) == printf_general(v, p));
    }
  REQUIRE(format_general(std::numeric_limits<double>::infinity()) == "inf");
  REQUIRE(format_general(-std::numeric_limits<double>::infinity()) == "-inf");
  REQUIRE(format_general(std::nan("")) == "nan");

  Rng rng(7);
  for (int i = 0; i < 100000; ++i) {
    const float f = random_float(rng);
    for (int p : {1, 6, 9}) {
      INFO(printf_general(f, 9) << " at " << p);
      REQUIRE(format_general(f, p) == printf_general(f, p));
    }
  }
}

TEST_CASE("format_fixed writes what printf's %f writes", "[text]") {
  Rng rng(11);
  for (int i = 0; i < 20000; ++i) {
    const double v = double(rng.next_u32() % 10000000) / 997.0;  // 0 … 10,030
    for (int d : {0, 1, 2}) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.*f", d, v);
      INFO(buf);
      REQUIRE(format_fixed(v, d) == buf);
    }
  }
  REQUIRE(format_fixed(0.004, 2) == "0.00");
  REQUIRE(format_fixed(-1.5, 1) == "-1.5");
}

TEST_CASE("parse_float reads what strtof reads", "[text]") {
  const char* texts[] = {"0",     "-0",    "5.",       ".5",        "+1.5E-3",  "1e-5",   "0.1",
                         "3.4e38", "1e-45", "0.000001", "123456789", "16777217", "1e22",   "1e23",
                         "0.30000000000000004", "12345678901234567890123", "007", "1e+2"};
  for (const char* t : texts) {
    INFO(t);
    float f = -1.0f;
    REQUIRE(parse_float(t, f));
    REQUIRE(f == std::strtof(t, nullptr));
  }

  Rng rng(13);
  int checked = 0;
  for (int i = 0; i < 100000; ++i) {
    const float v = random_float(rng);
    for (const char* format : {"%.3g", "%.9g", "%.6e", "%.12g"}) {
      char buf[64];
      std::snprintf(buf, sizeof buf, format, double(v));
      const float expected = std::strtof(buf, nullptr);
      if (!std::isfinite(expected) || (expected == 0.0f && v != 0.0f)) continue;  // out of range
      float f = 0.0f;
      INFO(buf);
      REQUIRE(parse_float(buf, f));
      REQUIRE(f == expected);
      ++checked;
    }
  }
  REQUIRE(checked > 390000);
}

TEST_CASE("parse_float refuses what is not a whole finite decimal", "[text]") {
  const char* bad[] = {"",    "+",     "-",    ".",   "e5",    "1e",   "1e+",  "1.2.3", "abc", "inf",
                       "nan", "1e39",  "-1e39", "1e-50", " 1",  "1 ",   "0x10", "1,5",   "1e5x", "--1"};
  for (const char* t : bad) {
    INFO(t);
    float f = 42.0f;
    REQUIRE_FALSE(parse_float(t, f));
    REQUIRE(f == 42.0f);  // untouched
  }
}

TEST_CASE("format_shortest is the shortest decimal that reads back", "[text]") {
  REQUIRE(format_shortest(0.1f) == "0.1");
  REQUIRE(format_shortest(1e-5f) == "1e-05");
  REQUIRE(format_shortest(0.0f) == "0");
  REQUIRE(format_shortest(16777216.0f) == "16777216");
  Rng rng(17);
  for (int i = 0; i < 100000; ++i) {
    const float v = random_float(rng);
    const std::string s = format_shortest(v);
    INFO(s);
    float back = 0.0f;
    REQUIRE(parse_float(s, back));
    REQUIRE(back == v);
    // No shorter %g reads back through strtof either.
    int shortest = 1;
    while (shortest < 9 && std::strtof(printf_general(v, shortest).c_str(), nullptr) != v) ++shortest;
    REQUIRE(s == printf_general(v, shortest));
  }
}

TEST_CASE("hex_digits and hex_bytes", "[text]") {
  REQUIRE(hex_digits(0x4e, 2) == "4e");
  REQUIRE(hex_digits(0, 8) == "00000000");
  REQUIRE(hex_digits(0xDEADBEEF, 8, true) == "DEADBEEF");
  REQUIRE(hex_digits(0x801, 8) == "00000801");
  const uint8_t bytes[] = {0x4e, 0x4c, 0x41, 0x0b};
  REQUIRE(hex_bytes(bytes, 4) == "4e 4c 41 0b");
}
