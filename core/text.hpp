#pragma once
// Numbers to and from text for messages and specs, without libc's printf and strtof: those
// bring long-double arithmetic and their format machinery into the wasm builds (about 20 KB
// of code). Arithmetic is in double: exact for the values messages and specs carry, within
// an ulp of a double elsewhere (tests/core/text_test.cpp checks them against libc).
#include <cstddef>
#include <cstdint>
#include <string>

namespace normlab {

// printf's "%.{significant}g": 1e-05, 0.1, 123456, 1.5e+10, inf, nan. `significant` is
// clamped to 1…15: more digits than that, double arithmetic cannot round exactly.
std::string format_general(double v, int significant = 6);
// printf's "%.{decimals}f" for finite |v| < 2^53 / 10^decimals.
std::string format_fixed(double v, int decimals);
// The shortest decimal (at most 9 significant digits) that parse_float reads back as v.
std::string format_shortest(float v);
// `digits` hexadecimal digits, zero-padded: hex_digits(0x4e, 2) == "4e".
std::string hex_digits(uint32_t v, int digits, bool upper = false);
// Bytes as "4e 4c 41 42".
std::string hex_bytes(const uint8_t* data, std::size_t n);

// The whole of `text` must be a decimal number ([+-]digits[.digits][e[+-]digits]) whose
// float is finite and, unless every digit is zero, nonzero. With at most 15 significant
// digits and a decimal exponent within ±22, the value is one correctly rounded operation in
// double (Clinger's fast path), then rounded to float: that equals strtof's result unless
// the double lands exactly on a midpoint between two floats (rare: the double has 29 bits
// more). Beyond that range the double is within a few ulps of the exact value.
bool parse_float(const std::string& text, float& out);

}  // namespace normlab
