#pragma once
// Errors raised by the core. Every message names the bad value and what was expected.
// ArgumentError: the caller passed something invalid (bad shape, size, hyperparameter);
//   the bindings turn it into a JS RangeError.
// Error: anything else that stops an operation (corrupt file, divergence).
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>

#include "text.hpp"

namespace normlab {

struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct ArgumentError : Error {
  using Error::Error;
};

namespace detail {
// Appends one message part, formatted as std::ostream would by default (floating point as
// %g, chars as characters). Streams are avoided on purpose: they pull libc++'s locale
// machinery into the wasm builds.
inline void append(std::string& out, std::string_view s) { out += s; }
inline void append(std::string& out, const char* s) { out += s; }
inline void append(std::string& out, char c) { out += c; }
inline void append(std::string& out, signed char c) { out += char(c); }
inline void append(std::string& out, unsigned char c) { out += char(c); }
inline void append(std::string& out, bool b) { out += b ? '1' : '0'; }
template <class T>
std::enable_if_t<std::is_integral_v<T>> append(std::string& out, T v) {
  out += std::to_string(v);
}
template <class T>
std::enable_if_t<std::is_floating_point_v<T>> append(std::string& out, T v) {
  out += format_general(double(v));
}
}  // namespace detail

// Concatenates its arguments: msg("expected ", a, ", got ", b).
template <class... Parts>
std::string msg(const Parts&... parts) {
  std::string out;
  (detail::append(out, parts), ...);
  return out;
}

template <class... Parts>
void check_arg(bool ok, const Parts&... parts) {
  if (!ok) throw ArgumentError(msg(parts...));
}

}  // namespace normlab
