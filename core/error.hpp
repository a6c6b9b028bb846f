#pragma once
// Errors raised by the core. Every message names the bad value and what was expected.
// ArgumentError: the caller passed something invalid (bad shape, size, hyperparameter);
//   the bindings turn it into a JS RangeError.
// Error: anything else that stops an operation (corrupt file, divergence).
#include <sstream>
#include <stdexcept>
#include <string>

namespace normlab {

struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct ArgumentError : Error {
  using Error::Error;
};

// Concatenates its arguments with operator<<: msg("expected ", a, ", got ", b).
template <class... Parts>
std::string msg(const Parts&... parts) {
  std::ostringstream out;
  (out << ... << parts);
  return out.str();
}

template <class... Parts>
void check_arg(bool ok, const Parts&... parts) {
  if (!ok) throw ArgumentError(msg(parts...));
}

}  // namespace normlab
