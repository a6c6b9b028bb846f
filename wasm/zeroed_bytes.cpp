// A zeroed byte vector, in a file of its own so that it is compiled for speed
// (CMakeLists.txt): in bindings.cpp, compiled for size, std::vector<uint8_t>(n) zeroes its
// bytes with one call each, which took longer than the rest of loading the digits.
#include <cstddef>
#include <cstdint>
#include <vector>

std::vector<uint8_t> zeroed_bytes(std::size_t n) { return std::vector<uint8_t>(n); }
