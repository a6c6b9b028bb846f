#include "core/model/residual.hpp"

#include <catch2/catch.hpp>

#include "core/error.hpp"
#include "core/layers/activation.hpp"
#include "core/layers/conv2d.hpp"
#include "core/model/sequential.hpp"
#include "support/check.hpp"
#include "support/gradcheck.hpp"

using namespace normlab;
using normlab::test::random_tensor;

namespace {

Conv2dOptions opts(int pad, int stride = 1) {
  Conv2dOptions o;
  o.pad = pad;
  o.stride = stride;
  return o;
}

// conv 3×3 (C→out, stride s) → gelu → conv 3×3 (out→out): a smooth basic-block body.
std::unique_ptr<Sequential> body(int c, int out, int stride) {
  auto b = std::make_unique<Sequential>();
  b->add(std::make_unique<Conv2d>(c, out, 3, opts(1, stride)));
  b->add(std::make_unique<Gelu>());
  b->add(std::make_unique<Conv2d>(out, out, 3, opts(1)));
  return b;
}

}  // namespace

TEST_CASE("residual with an identity shortcut adds its input to the body's output",
          "[model][residual]") {
  Residual res(body(3, 3, 1));
  Tensor x = random_tensor({2, 3, 5, 4}, 1);
  Tensor y = res.forward(x, Mode::Train);
  const Tensor& b = res.body().forward(x, Mode::Train);
  std::vector<float> want(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) want[i] = b[i] + x[i];
  REQUIRE(res.shortcut() == nullptr);
  REQUIRE_CLOSE(y.data(), want.data(), want.size(), 0.0, 0.0);  // one float add each: exact
}

TEST_CASE("residual backward sums the gradients of both paths", "[model][residual]") {
  // Identity body and identity shortcut: y = 2x, so dx must be exactly 2·dy.
  Residual res(std::make_unique<Sequential>());
  Tensor x = random_tensor({2, 2, 3, 3}, 2);
  res.forward(x, Mode::Train);
  Tensor dy = random_tensor(x.shape(), 3);
  const Tensor& dx = res.backward(dy);
  std::vector<float> want(dy.size());
  for (std::size_t i = 0; i < dy.size(); ++i) want[i] = 2 * dy[i];
  REQUIRE_CLOSE(dx.data(), want.data(), want.size(), 0.0, 0.0);
}

TEST_CASE("residual gradients match finite differences with identity and conv shortcuts",
          "[model][residual]") {
  SECTION("identity shortcut") {
    Residual res(body(3, 3, 1));
    normlab::test::check_gradients(res, random_tensor({2, 3, 5, 4}, 4), 5);
  }
  SECTION("1×1 stride-2 conv shortcut") {
    Residual res(body(2, 4, 2), std::make_unique<Conv2d>(2, 4, 1, opts(0, 2)));
    normlab::test::check_gradients(res, random_tensor({2, 2, 6, 5}, 6), 7);
  }
}

TEST_CASE("residual names its branches body and shortcut", "[model][residual]") {
  Residual res(body(2, 4, 2), std::make_unique<Conv2d>(2, 4, 1, opts(0, 2)));
  std::vector<std::string> names;
  for (auto& p : res.params()) names.push_back(p.name);
  REQUIRE(names == std::vector<std::string>{"body.0.weight", "body.0.bias", "body.2.weight",
                                            "body.2.bias", "shortcut.weight", "shortcut.bias"});
  REQUIRE(res.children().size() == 2);
  // flops: body conv 2→4 s2 on 6×6 → 3×3: 2·4·2·9·9 = 1296; conv 4→4: 2·4·4·9·9 = 2592;
  // shortcut 1×1: 2·4·2·9 = 144; the add counts 0.
  REQUIRE(res.forward_flops({1, 2, 6, 6}) == 1296.0 + 2592.0 + 144.0);
}

TEST_CASE("residual rejects branches of different shapes, naming both", "[model][residual]") {
  Residual res(body(2, 4, 2));  // identity shortcut keeps (2,6,6): mismatch
  REQUIRE_THROWS_AS(res.output_shape({1, 2, 6, 6}), ArgumentError);
  REQUIRE_THROWS_WITH(res.output_shape({1, 2, 6, 6}),
                      Catch::Contains("(1,4,3,3)") && Catch::Contains("identity shortcut (1,2,6,6)"));
  REQUIRE_THROWS_WITH(res.forward(random_tensor({1, 2, 6, 6}, 8), Mode::Train),
                      Catch::Contains("(1,4,3,3)") && Catch::Contains("(1,2,6,6)"));
  REQUIRE_THROWS_WITH(res.backward(Tensor({1, 4, 3, 3})),
                      Catch::Contains("without a successful forward"));
  REQUIRE_THROWS_AS(Residual(nullptr), ArgumentError);
}

TEST_CASE("residual forward hook names leaves under body and shortcut", "[model][residual]") {
  Sequential net;
  net.add(std::make_unique<Residual>(body(2, 2, 1), std::make_unique<Conv2d>(2, 2, 1)));
  std::vector<std::string> seen;
  ForwardHook hook = [&](const std::string& name, Layer&, const Tensor&) {
    seen.push_back(name);
  };
  net.set_forward_hook(&hook, "");
  net.forward(random_tensor({1, 2, 3, 3}, 9), Mode::Eval);
  REQUIRE(seen == std::vector<std::string>{"0.body.0", "0.body.1", "0.body.2", "0.shortcut"});
}
