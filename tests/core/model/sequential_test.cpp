#include "core/model/sequential.hpp"

#include <catch2/catch.hpp>

#include "core/error.hpp"
#include "core/layers/activation.hpp"
#include "core/layers/batch_norm2d.hpp"
#include "core/layers/conv2d.hpp"
#include "core/layers/dense.hpp"
#include "core/layers/dropout.hpp"
#include "core/layers/flatten.hpp"
#include "core/layers/group_norm.hpp"
#include "core/layers/layer_norm2d.hpp"
#include "core/layers/pool.hpp"
#include "support/check.hpp"
#include "support/gradcheck.hpp"

using namespace normlab;
using normlab::test::random_tensor;

namespace {

// conv 2→3 3×3 pad 1 → gelu → dense 3·4·5 → 4: smooth, so finite differences are exact
// up to rounding (no ReLU kinks).
std::unique_ptr<Sequential> small_net() {
  auto net = std::make_unique<Sequential>();
  Conv2dOptions o;
  o.pad = 1;
  net->add(std::make_unique<Conv2d>(2, 3, 3, o));
  net->add(std::make_unique<Gelu>());
  net->add(std::make_unique<Dense>(3 * 4 * 5, 4));
  Rng rng(11);
  net->init(rng);
  return net;
}

// The layers `make` returns, initialized from Rng(seed) twice: once added to net, once
// returned to be run on their own, so both start from the same weights.
template <class Make>
std::vector<LayerPtr> twins(uint64_t seed, Make make, Sequential& net) {
  auto made = [&] {
    Rng rng(seed);
    std::vector<LayerPtr> layers = make();
    for (auto& l : layers) l->init(rng);
    return layers;
  };
  for (auto& l : made()) net.add(std::move(l));
  return made();
}

// Train-mode forward of x and backward of dy through the layers on their own and through
// net (built from identical layers): the output, input gradient and parameter gradients
// must agree bit for bit.
void require_same_as_alone(std::vector<LayerPtr>& alone, Sequential& net, const Tensor& x,
                           const Tensor& dy) {
  const Tensor* y = &x;
  for (auto& l : alone) y = &l->forward(*y, Mode::Train);
  const Tensor* d = &dy;
  for (std::size_t i = alone.size(); i-- > 0;) d = &alone[i]->backward(*d);
  const Tensor& y_net = net.forward(x, Mode::Train);
  REQUIRE_CLOSE(y_net.data(), y->data(), y->size(), 0.0, 0.0);
  const Tensor& dx_net = net.backward(dy);
  REQUIRE(dx_net.shape() == d->shape());
  REQUIRE_CLOSE(dx_net.data(), d->data(), d->size(), 0.0, 0.0);
  auto p_net = net.params();
  std::vector<Param> p_alone;
  for (auto& l : alone)
    for (auto& p : l->params()) p_alone.push_back(p);
  REQUIRE(p_net.size() == p_alone.size());
  for (std::size_t k = 0; k < p_net.size(); ++k)
    REQUIRE_CLOSE(p_net[k].grad, p_alone[k].grad, p_net[k].size, 0.0, 0.0);
}

}  // namespace

TEST_CASE("sequential forward equals its layers applied one after the other",
          "[model][sequential]") {
  auto net = small_net();
  Tensor x = random_tensor({2, 2, 4, 5}, 1);
  Tensor y = net->forward(x, Mode::Train);

  // The same layers called by hand give the same values, bit for bit.
  const Tensor& a = net->at(0).forward(x, Mode::Train);
  const Tensor& b = net->at(1).forward(a, Mode::Train);
  const Tensor& c = net->at(2).forward(b, Mode::Train);
  REQUIRE(y.shape() == Shape{2, 4, 1, 1});
  REQUIRE(c.shape() == y.shape());
  REQUIRE_CLOSE(y.data(), c.data(), y.size(), 0.0, 0.0);  // exact: identical arithmetic
}

TEST_CASE("sequential backward matches finite differences and accumulates parameter grads",
          "[model][sequential]") {
  auto net = small_net();
  Tensor x = random_tensor({2, 2, 4, 5}, 2);
  // Loose tolerances of gradcheck.hpp: float32 forward, eps 1e-2.
  normlab::test::check_gradients(*net, x, 3);
}

// The memory plan (sequential.hpp): children write their input gradients into two shared
// buffers in turn, and a ReLU after a layer that allows it works in place. Both must leave
// every value as the layers give it on their own, with their own buffers.
TEST_CASE("shared gradient buffers and in-place ReLU change no value", "[model][sequential]") {
  Sequential net;
  auto alone = twins(5, [] {
    std::vector<LayerPtr> layers;
    Conv2dOptions o;
    o.pad = 1;
    layers.push_back(std::make_unique<Conv2d>(2, 3, 3, o));
    layers.push_back(std::make_unique<BatchNorm2d>(3));
    layers.push_back(std::make_unique<Relu>());     // in place: batch norm allows it
    layers.push_back(std::make_unique<Sigmoid>());  // reads its own output in backward
    layers.push_back(std::make_unique<Relu>());     // so this one is not in place
    layers.push_back(std::make_unique<LayerNorm2dChannels>(3));
    layers.push_back(std::make_unique<Gelu>());
    layers.push_back(std::make_unique<Dense>(3 * 4 * 5, 4));
    return layers;
  }, net);
  CHECK(dynamic_cast<Relu&>(net.at(2)).in_place());
  CHECK_FALSE(dynamic_cast<Relu&>(net.at(4)).in_place());
  CHECK_FALSE(dynamic_cast<Relu&>(*alone[2]).in_place());
  // Behind the dense layer, every child writes its dx over its dy.
  const int want_dx[] = {0, 1, 1, 1, 1, 1, 1, 1};
  for (std::size_t i = 0; i < net.size(); ++i) CHECK(net.input_grad_buffer(i) == want_dx[i]);

  const Tensor x = random_tensor({2, 2, 4, 5}, 3), dy = random_tensor({2, 4, 1, 1}, 4);
  for (int step = 0; step < 2; ++step) {  // the second reuses every buffer
    // In place, the ReLU's output is the batch norm's own buffer.
    const Tensor& bn_y = net.at(1).forward(net.at(0).forward(x, Mode::Train), Mode::Train);
    CHECK(&net.at(2).forward(bn_y, Mode::Train) == &bn_y);

    require_same_as_alone(alone, net, x, dy);
  }
}

// Outputs nobody reads after the next forward (a norm's, pool's or flatten's before a pool,
// dropout or flatten, directly or behind an in-place ReLU) live in the gradient buffers; the
// ReLU then keeps a mask. Values must stay those of the layers on their own, over batches that grow and shrink.
TEST_CASE("outputs kept in the gradient buffers change no value", "[model][sequential]") {
  Sequential net;
  auto alone = twins(6, [] {
    std::vector<LayerPtr> layers;
    Conv2dOptions o;
    o.pad = 1;
    layers.push_back(std::make_unique<Conv2d>(2, 4, 3, o));
    layers.push_back(std::make_unique<BatchNorm2d>(4));              // lent: ReLU, then a pool
    layers.push_back(std::make_unique<Relu>());                      // in place, with a mask
    layers.push_back(std::make_unique<MaxPool2d>(2));                // 4×3×2
    layers.push_back(std::make_unique<LayerNorm2dSample>(4, 3, 2));  // lent: dropout follows
    layers.push_back(std::make_unique<Dropout>(0.3f, 9));
    layers.push_back(std::make_unique<GroupNorm>(2, 4));             // lent: a pool follows
    layers.push_back(std::make_unique<AvgPool2d>(3, 1, 1));          // lent: flatten follows
    layers.push_back(std::make_unique<Flatten>());                   // lent: dropout follows
    layers.push_back(std::make_unique<Dropout>(0.2f, 4));
    layers.push_back(std::make_unique<Dense>(4 * 3 * 2, 5));
    return layers;
  }, net);
  const int want_lent[] = {-1, 0, -1, -1, 0, -1, 0, 1, 0, -1, -1};
  for (std::size_t i = 0; i < net.size(); ++i) CHECK(net.lent_output(i) == want_lent[i]);
  // In place: the norms, the ReLU and the dropouts.
  const int want_dx[] = {0, 1, 1, 1, 0, 0, 0, 0, 1, 0, 0};
  for (std::size_t i = 0; i < net.size(); ++i) CHECK(net.input_grad_buffer(i) == want_dx[i]);
  CHECK(dynamic_cast<Relu&>(net.at(2)).keeps_mask());

  for (int batch : {3, 5, 2}) {
    CAPTURE(batch);
    const Tensor x = random_tensor({batch, 2, 6, 5}, 10 + batch);
    const Tensor dy = random_tensor({batch, 5, 1, 1}, 20 + batch);
    require_same_as_alone(alone, net, x, dy);
  }
}

// A convolution of one input channel before a normalization keeps no output of its own: it
// writes into a gradient buffer and runs again just before the normalization's backward.
TEST_CASE("a recomputed one-channel convolution output changes no value", "[model][sequential]") {
  Sequential net;
  auto alone = twins(7, [] {
    std::vector<LayerPtr> layers;
    Conv2dOptions o;
    o.pad = 1;
    layers.push_back(std::make_unique<Conv2d>(1, 3, 3, o));  // recomputed: a norm follows
    layers.push_back(std::make_unique<BatchNorm2d>(3));
    layers.push_back(std::make_unique<Relu>());
    layers.push_back(std::make_unique<Conv2d>(3, 1, 3, o));  // three input channels: kept
    layers.push_back(std::make_unique<BatchNorm2d>(1));
    layers.push_back(std::make_unique<Conv2d>(1, 2, 3, o));  // a ReLU in place follows: kept
    layers.push_back(std::make_unique<Relu>());
    layers.push_back(std::make_unique<Dense>(2 * 4 * 5, 3));
    return layers;
  }, net);
  const int want_lent[] = {0, -1, -1, -1, -1, -1, -1, -1};
  for (std::size_t i = 0; i < net.size(); ++i) CHECK(net.lent_output(i) == want_lent[i]);
  for (int batch : {3, 5, 2}) {
    CAPTURE(batch);
    const Tensor x = random_tensor({batch, 1, 4, 5}, 30 + batch);
    const Tensor dy = random_tensor({batch, 3, 1, 1}, 40 + batch);
    require_same_as_alone(alone, net, x, dy);
  }
  // Training, as a model runs it: backward_params recomputes the output too.
  const Tensor x = random_tensor({4, 1, 4, 5}, 50), dy = random_tensor({4, 3, 1, 1}, 51);
  net.zero_grad();
  net.forward(x, Mode::Train);
  net.backward(dy);
  std::vector<std::vector<float>> want;
  for (auto& p : net.params()) want.emplace_back(p.grad, p.grad + p.size);
  net.zero_grad();
  net.forward(x, Mode::Train);
  net.backward_params(dy);
  auto got = net.params();
  for (std::size_t k = 0; k < got.size(); ++k)
    REQUIRE_CLOSE(got[k].grad, want[k].data(), got[k].size, 0.0, 0.0);
}

// A convolution or dense layer whose input nobody reads in backward writes its dx there,
// and the in-place children before it (norms, an in-place ReLU, which then keeps a mask)
// work on it too: every kind of convolution, each after another kind of input.
TEST_CASE("dx written over the input changes no value", "[model][sequential]") {
  Sequential net;
  auto alone = twins(8, [] {
    std::vector<LayerPtr> layers;
    Conv2dOptions pad1, depthwise, grouped;
    pad1.pad = depthwise.pad = grouped.pad = 1;
    depthwise.groups = 4;
    grouped.groups = 3;
    layers.push_back(std::make_unique<Conv2d>(2, 4, 3, pad1));       // lowered: dx in a buffer
    layers.push_back(std::make_unique<BatchNorm2d>(4));
    layers.push_back(std::make_unique<Relu>());                      // in place, with a mask
    layers.push_back(std::make_unique<Conv2d>(4, 4, 3, pad1));       // Winograd
    layers.push_back(std::make_unique<LayerNorm2dChannels>(4));
    layers.push_back(std::make_unique<Conv2d>(4, 4, 3, depthwise));  // depthwise
    layers.push_back(std::make_unique<MaxPool2d>(2));                // 4×3×3
    layers.push_back(std::make_unique<Conv2d>(4, 6, 1));             // pointwise
    layers.push_back(std::make_unique<GroupNorm>(2, 6));
    layers.push_back(std::make_unique<Relu>());
    layers.push_back(std::make_unique<Conv2d>(6, 3, 3, grouped));    // grouped, lowered
    layers.push_back(std::make_unique<Flatten>());
    layers.push_back(std::make_unique<Dense>(3 * 3 * 3, 5));
    return layers;
  }, net);
  // -1: over the input (3, 5, 7, 10, 12) or over a dy there (1, 2, 4, 8, 9).
  const int want_dx[] = {0, -1, -1, -1, -1, -1, 1, -1, -1, -1, -1, 0, -1};
  for (std::size_t i = 0; i < net.size(); ++i) CHECK(net.input_grad_buffer(i) == want_dx[i]);
  CHECK(dynamic_cast<Relu&>(net.at(2)).keeps_mask());
  CHECK(dynamic_cast<Relu&>(net.at(9)).keeps_mask());
  for (int batch : {3, 5, 2}) {
    CAPTURE(batch);
    const Tensor x = random_tensor({batch, 2, 6, 6}, 60 + batch);
    const Tensor dy = random_tensor({batch, 5, 1, 1}, 70 + batch);
    require_same_as_alone(alone, net, x, dy);
  }
}

TEST_CASE("backward_params adds the same parameter gradients as backward", "[model][sequential]") {
  // A leading layer without parameters (the ReLU) is skipped, the first trainable one
  // computes no dx; every parameter gradient comes out bitwise as backward's.
  auto make = [] {
    auto net = std::make_unique<Sequential>();
    Conv2dOptions o;
    o.pad = 1;
    net->add(std::make_unique<Relu>());
    net->add(std::make_unique<Conv2d>(2, 3, 3, o));
    net->add(std::make_unique<Relu>());
    net->add(std::make_unique<Dense>(3 * 4 * 5, 4));
    Rng rng(9);
    net->init(rng);
    return net;
  };
  auto a = make(), b = make();
  const Tensor x = random_tensor({2, 2, 4, 5}, 6), dy = random_tensor({2, 4, 1, 1}, 7);
  for (int step = 0; step < 2; ++step) {
    a->forward(x, Mode::Train);
    a->backward(dy);
    b->forward(x, Mode::Train);
    b->backward_params(dy);
  }
  auto pa = a->params(), pb = b->params();
  REQUIRE(pa.size() == 4);
  for (std::size_t k = 0; k < pa.size(); ++k) REQUIRE_CLOSE(pb[k].grad, pa[k].grad, pa[k].size, 0.0, 0.0);
  REQUIRE_THROWS_WITH(make()->backward_params(dy), Catch::Contains("without a successful forward"));
}

TEST_CASE("sequential names descendants' parameters like a PyTorch state_dict",
          "[model][sequential]") {
  Sequential net;
  net.add(std::make_unique<Conv2d>(1, 2, 3));
  net.add(std::make_unique<Relu>());
  auto inner = std::make_unique<Sequential>();
  inner->add(std::make_unique<Dense>(8, 3));
  net.add(std::move(inner));
  std::vector<std::string> names;
  for (auto& p : net.params()) names.push_back(p.name);
  REQUIRE(names == std::vector<std::string>{"0.weight", "0.bias", "2.0.weight", "2.0.bias"});
  REQUIRE(net.param_count() == 2 * 9 + 2 + 8 * 3 + 3);
  REQUIRE(net.children().size() == 3);
  REQUIRE(net.children()[1] == &net.at(1));
}

TEST_CASE("sequential output_shape composes and names the layer that rejects its input",
          "[model][sequential]") {
  Sequential net;
  net.add(std::make_unique<Conv2d>(1, 4, 3));  // 6×6 → 4×4
  net.add(std::make_unique<Dense>(4 * 4 * 4, 5));
  REQUIRE(net.output_shape({3, 1, 6, 6}) == Shape{3, 5, 1, 1});
  REQUIRE_THROWS_AS(net.output_shape({3, 1, 7, 7}), ArgumentError);
  REQUIRE_THROWS_WITH(net.output_shape({3, 1, 7, 7}), Catch::Contains("layer 1 (dense)"));
  REQUIRE_THROWS_WITH(net.output_shape({3, 2, 6, 6}), Catch::Contains("layer 0 (conv2d)"));
}

TEST_CASE("sequential forward_flops sums its children's along the propagated shape",
          "[model][sequential]") {
  Sequential net;
  net.add(std::make_unique<Conv2d>(1, 4, 3));  // 6×6 → 4×4: 2·4·1·9·16 = 1152
  net.add(std::make_unique<Relu>());           // 0
  net.add(std::make_unique<Dense>(64, 5));     // 2·64·5 = 640
  REQUIRE(net.forward_flops({1, 1, 6, 6}) == 1152.0 + 640.0);
}

TEST_CASE("empty sequential is the identity", "[model][sequential]") {
  Sequential net;
  Tensor x = random_tensor({2, 3, 2, 2}, 4);
  const Tensor& y = net.forward(x, Mode::Eval);
  REQUIRE(y.shape() == x.shape());
  REQUIRE_CLOSE(y.data(), x.data(), x.size(), 0.0, 0.0);
  const Tensor& dx = net.backward(x);
  REQUIRE_CLOSE(dx.data(), x.data(), x.size(), 0.0, 0.0);
}

TEST_CASE("sequential backward needs a forward and a dy shaped like its output",
          "[model][sequential]") {
  auto net = small_net();
  Tensor dy({2, 4, 1, 1}, 1.0f);
  REQUIRE_THROWS_WITH(net->backward(dy), Catch::Contains("without a successful forward"));
  Tensor x = random_tensor({2, 2, 4, 5}, 5);  // kept alive for backward
  net->forward(x, Mode::Train);
  REQUIRE_THROWS_WITH(net->backward(Tensor({2, 3, 1, 1})),
                      Catch::Contains("(2,3,1,1)") && Catch::Contains("(2,4,1,1)"));
  REQUIRE_NOTHROW(net->backward(dy));
  REQUIRE_THROWS_AS(net->add(nullptr), ArgumentError);
}

TEST_CASE("sequential forward hook reports every leaf output with its hierarchical name",
          "[model][sequential]") {
  Sequential net;
  net.add(std::make_unique<Relu>());
  auto inner = std::make_unique<Sequential>();
  inner->add(std::make_unique<Gelu>());
  inner->add(std::make_unique<Relu>());
  net.add(std::move(inner));
  std::vector<std::string> seen;
  std::vector<Shape> shapes;
  ForwardHook hook = [&](const std::string& name, Layer&, const Tensor& y) {
    seen.push_back(name);
    shapes.push_back(y.shape());
  };
  net.set_forward_hook(&hook, "");
  net.forward(random_tensor({1, 2, 3, 3}, 6), Mode::Train);
  REQUIRE(seen == std::vector<std::string>{"0", "1.0", "1.1"});
  REQUIRE(shapes[2] == Shape{1, 2, 3, 3});

  net.set_forward_hook(nullptr, "");
  seen.clear();
  net.forward(random_tensor({1, 2, 3, 3}, 6), Mode::Train);
  REQUIRE(seen.empty());
}
