#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "core/error.hpp"
#include "core/optim/clip.hpp"

using namespace normlab;

namespace {

struct Grads {
  std::vector<float> a{3.0f, 0.0f, -4.0f}, b{12.0f};  // ‖(3,0,−4,12)‖ = 13
  std::vector<float> va = std::vector<float>(3), vb = std::vector<float>(1);
  std::vector<Param> list() {
    return {Param{"a", va.data(), a.data(), 3, {3}, true}, Param{"b", vb.data(), b.data(), 1, {1}, false}};
  }
};

}  // namespace

TEST_CASE("clip_grad_norm scales all grads to the max norm when above it", "[optim][clip]") {
  Grads g;
  double total = clip_grad_norm(g.list(), 6.5);
  CHECK(total == Approx(13.0).epsilon(1e-12));
  double c = 6.5 / (13.0 + 1e-6);  // PyTorch's clip coefficient, with its 1e-6
  CHECK(g.a[0] == Approx(3.0 * c).epsilon(1e-6));
  CHECK(g.a[2] == Approx(-4.0 * c).epsilon(1e-6));
  CHECK(g.b[0] == Approx(12.0 * c).epsilon(1e-6));
  CHECK(grad_norm(g.list()) == Approx(6.5).epsilon(1e-6));
}

TEST_CASE("clip_grad_norm leaves grads below the max norm unchanged", "[optim][clip]") {
  Grads g;
  CHECK(clip_grad_norm(g.list(), 20.0) == Approx(13.0));
  CHECK(g.a == std::vector<float>{3.0f, 0.0f, -4.0f});
  CHECK(g.b == std::vector<float>{12.0f});
  CHECK_THROWS_WITH(clip_grad_norm(g.list(), 0.0), "clip_grad_norm: max_norm = 0, expected a finite value > 0");
}

TEST_CASE("clip_grad_norm passes a non-finite norm through without scaling", "[optim][clip]") {
  Grads g;
  g.a[1] = std::nanf("");
  CHECK(std::isnan(clip_grad_norm(g.list(), 1.0)));
  CHECK(g.b[0] == 12.0f);
}
