#include <catch2/catch.hpp>

#include "core/probes/ring_buffer.hpp"

using namespace normlab;

TEST_CASE("ring buffer keeps the newest items up to its capacity, oldest first", "[probes][ring]") {
  RingBuffer<int> r(3);
  for (int i = 1; i <= 2; ++i) r.push(i);
  CHECK(r.size() == 2);
  CHECK(r.at(0) == 1);
  for (int i = 3; i <= 7; ++i) r.push(i);
  REQUIRE(r.size() == 3);
  CHECK(r.at(0) == 5);
  CHECK(r.at(1) == 6);
  CHECK(r.back() == 7);
  CHECK(r.dropped() == 4);
  r.clear();
  CHECK(r.empty());
}
