#include "text.hpp"

#include <algorithm>
#include <cmath>

namespace normlab {
namespace {

// 10^k is exact in double for 0 ≤ k ≤ 22.
constexpr double kPow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                             1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

// v·10^k in steps of exact powers: one rounding when |k| ≤ 22.
double scale_pow10(double v, int k) {
  for (; k > 22; k -= 22) v *= 1e22;
  for (; k < -22; k += 22) v /= 1e22;
  return k >= 0 ? v * kPow10[k] : v / kPow10[-k];
}

// a > 0 rounded to p significant digits (1 ≤ p ≤ 15): the digits as an integer of exactly p
// digits, and the decimal exponent of the first one.
void round_significant(double a, int p, uint64_t& digits, int& exp10) {
  int e = int(std::floor(std::log10(a)));
  const double top = kPow10[p];
  double scaled = 0.0;
  for (int tries = 0; tries < 4; ++tries) {  // log10 may be one off near powers of ten
    scaled = std::nearbyint(scale_pow10(a, p - 1 - e));
    if (scaled >= top)
      ++e;
    else if (scaled < top / 10)
      --e;
    else
      break;
  }
  digits = uint64_t(std::min(scaled, top - 1));
  exp10 = e;
}

std::string strip_trailing_zeros(std::string s) {
  while (!s.empty() && s.back() == '0') s.pop_back();
  return s;
}

}  // namespace

std::string format_general(double v, int significant) {
  if (std::isnan(v)) return "nan";
  std::string s = std::signbit(v) ? "-" : "";
  if (std::isinf(v)) return s + "inf";
  if (v == 0.0) return s + "0";
  const int p = std::clamp(significant, 1, 15);
  uint64_t digits = 0;
  int x = 0;
  round_significant(std::fabs(v), p, digits, x);
  std::string d = std::to_string(digits);
  d.resize(std::size_t(p), '0');  // p digits (already, unless log10 failed us)
  std::string whole, fraction;
  if (x >= -4 && x < p) {  // fixed notation, as %g chooses it
    whole = x >= 0 ? d.substr(0, std::size_t(x) + 1) : "0";
    fraction = x >= 0 ? d.substr(std::size_t(x) + 1) : std::string(std::size_t(-x - 1), '0') + d;
  } else {
    whole = d.substr(0, 1);
    fraction = d.substr(1);
  }
  s += whole;
  fraction = strip_trailing_zeros(fraction);
  if (!fraction.empty()) s += "." + fraction;
  if (x < -4 || x >= p) {
    s += x < 0 ? "e-" : "e+";
    if (std::abs(x) < 10) s += '0';
    s += std::to_string(std::abs(x));
  }
  return s;
}

std::string format_fixed(double v, int decimals) {
  decimals = std::clamp(decimals, 0, 15);
  std::string d = std::to_string(uint64_t(std::nearbyint(std::fabs(v) * kPow10[decimals])));
  if (decimals > 0) {
    if (d.size() <= std::size_t(decimals)) d.insert(0, std::size_t(decimals) + 1 - d.size(), '0');
    d.insert(d.size() - std::size_t(decimals), ".");
  }
  return (std::signbit(v) ? "-" : "") + d;
}

std::string format_shortest(float v) {
  for (int p = 1; p < 9; ++p) {
    std::string s = format_general(v, p);
    float back = 0.0f;
    if (parse_float(s, back) && back == v) return s;
  }
  return format_general(v, 9);
}

std::string hex_digits(uint32_t v, int digits, bool upper) {
  const char* alphabet = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  std::string s(std::size_t(std::max(digits, 1)), '0');
  for (std::size_t i = s.size(); i-- > 0 && v != 0; v >>= 4) s[i] = alphabet[v & 15];
  return s;
}

std::string hex_bytes(const uint8_t* data, std::size_t n) {
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s += (i ? " " : "") + hex_digits(data[i], 2);
  return s;
}

bool parse_float(const std::string& text, float& out) {
  const char* p = text.c_str();
  const char* const end = p + text.size();
  const bool negative = p < end && *p == '-';
  if (p < end && (*p == '+' || *p == '-')) ++p;

  // Up to 19 significant digits in an integer; the rest only move the decimal exponent.
  uint64_t significand = 0;
  int kept = 0, exp10 = 0;
  bool any_digit = false, nonzero = false, fraction = false;
  for (; p < end; ++p) {
    if (*p == '.' && !fraction) {
      fraction = true;
      continue;
    }
    if (*p < '0' || *p > '9') break;
    any_digit = true;
    nonzero = nonzero || *p != '0';
    if (significand == 0 && *p == '0') {  // a leading zero
      if (fraction) --exp10;
      continue;
    }
    if (kept < 19) {
      significand = significand * 10 + uint64_t(*p - '0');
      ++kept;
      if (fraction) --exp10;
    } else if (!fraction) {
      ++exp10;
    }
  }
  if (!any_digit) return false;

  if (p < end && (*p == 'e' || *p == 'E')) {
    ++p;
    const bool minus = p < end && *p == '-';
    if (p < end && (*p == '+' || *p == '-')) ++p;
    if (p == end) return false;
    int e = 0;
    for (; p < end && *p >= '0' && *p <= '9'; ++p) e = std::min(e * 10 + (*p - '0'), 100000);
    exp10 += minus ? -e : e;
  }
  if (p != end) return false;

  double v = 0.0;
  if (significand != 0) {
    exp10 = std::clamp(exp10, -400, 400);  // far beyond float's range either way
    v = significand <= (uint64_t(1) << 53) && exp10 >= -22 && exp10 <= 22
            ? (exp10 >= 0 ? double(significand) * kPow10[exp10]
                          : double(significand) / kPow10[-exp10])
            : scale_pow10(double(significand), exp10);
  }
  const float f = float(negative ? -v : v);
  if (!std::isfinite(f) || (nonzero && f == 0.0f)) return false;
  out = f;
  return true;
}

}  // namespace normlab
