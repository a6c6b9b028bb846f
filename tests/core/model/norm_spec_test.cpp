#include "core/model/norm_spec.hpp"

#include <catch2/catch.hpp>

#include "core/error.hpp"
#include "core/layers/batch_norm2d.hpp"
#include "core/layers/group_norm.hpp"
#include "core/layers/layer_norm2d.hpp"

using namespace normlab;

TEST_CASE("norm spec parses every kind and prints it back canonically", "[model][norm_spec]") {
  const std::pair<const char*, NormKind> kinds[] = {
      {"none", NormKind::None},           {"batch", NormKind::Batch},
      {"layer-channels", NormKind::LayerChannels}, {"layer-sample", NormKind::LayerSample},
      {"group:4", NormKind::Group},       {"instance", NormKind::Instance}};
  for (auto& [text, kind] : kinds) {
    INFO(text);
    NormSpec s = NormSpec::parse(text);
    REQUIRE(s.kind == kind);
    REQUIRE(s.str() == text);
    REQUIRE(NormSpec::parse(s.str()) == s);
  }
  REQUIRE(NormSpec::parse("group:4").groups == 4);
  REQUIRE(NormSpec::parse("  batch ").kind == NormKind::Batch);  // surrounding spaces ignored
  REQUIRE(norm_kind_names().size() == 6);
}

TEST_CASE("norm spec carries batch norm options and eps and affine", "[model][norm_spec]") {
  NormSpec s = NormSpec::parse("batch, momentum=0.01, running_var=biased, eps=1e-3");
  REQUIRE(s.momentum == 0.01f);
  REQUIRE_FALSE(s.unbiased_running_var);
  REQUIRE(s.eps == 1e-3f);
  REQUIRE(s.affine);
  REQUIRE(s.str() == "batch,momentum=0.01,running_var=biased,eps=0.001");
  REQUIRE(NormSpec::parse(s.str()) == s);

  NormSpec g = NormSpec::parse("group:2,affine=false,eps=0.0001");
  REQUIRE_FALSE(g.affine);
  REQUIRE(g.str() == "group:2,eps=0.0001,affine=false");
  // Defaults are omitted, so the canonical form of a default option is the bare kind.
  REQUIRE(NormSpec::parse("batch,momentum=0.1,running_var=unbiased").str() == "batch");
  // An awkward float survives the text round trip exactly.
  NormSpec odd;
  odd.kind = NormKind::Batch;
  odd.momentum = 0.123456789f;
  REQUIRE(NormSpec::parse(odd.str()).momentum == odd.momentum);
}

TEST_CASE("norm spec rejects bad strings, listing the valid ones", "[model][norm_spec]") {
  const char* bad[] = {"",         "batchnorm",        "BATCH",         "group",
                       "group:0",  "group:-2",         "group:x",       "group:2x",
                       "batch,",   "batch,momentum",   "batch,momentum=2", "batch,momentum=nan",
                       "batch,eps=0", "batch,eps=-1",  "batch,foo=1",   "batch,running_var=yes",
                       "layer-sample,momentum=0.2",    "none,eps=1e-5", "batch,eps=1,eps=2",
                       "batch,affine=1"};
  for (const char* text : bad) {
    INFO("'" << text << "'");
    REQUIRE_THROWS_AS(NormSpec::parse(text), ArgumentError);
  }
  REQUIRE_THROWS_WITH(NormSpec::parse("batchnorm"),
                      Catch::Contains("unknown norm 'batchnorm'") &&
                          Catch::Contains("none, batch, layer-channels, layer-sample, group:G, "
                                          "instance"));
  REQUIRE_THROWS_WITH(NormSpec::parse("group:0"), Catch::Contains("positive integer"));
  REQUIRE_THROWS_WITH(NormSpec::parse("batch,momentum=2"), Catch::Contains("[0,1]"));
  REQUIRE_THROWS_WITH(NormSpec::parse("layer-sample,momentum=0.2"),
                      Catch::Contains("batch only"));
}

TEST_CASE("make_norm builds the layer of each kind for the given shape", "[model][norm_spec]") {
  REQUIRE(make_norm(NormSpec::parse("none"), 8, 5, 5) == nullptr);
  struct Case {
    const char* spec;
    const char* kind;
    std::size_t params;  // affine parameters for an (8,5,5) input
  };
  const Case cases[] = {{"batch", "batch_norm2d", 16},
                        {"layer-channels", "layer_norm2d_channels", 16},
                        {"layer-sample", "layer_norm2d_sample", 2 * 8 * 5 * 5},
                        {"group:4", "group_norm", 16},
                        {"instance", "group_norm", 16},
                        {"batch,affine=false", "batch_norm2d", 0}};
  for (const Case& c : cases) {
    INFO(c.spec);
    LayerPtr layer = make_norm(NormSpec::parse(c.spec), 8, 5, 5);
    REQUIRE(layer != nullptr);
    REQUIRE(layer->kind() == c.kind);
    REQUIRE(layer->param_count() == c.params);
    REQUIRE(is_norm_layer(*layer));
    REQUIRE(layer->output_shape({3, 8, 5, 5}) == Shape{3, 8, 5, 5});
  }
  // Batch norm keeps running statistics; the others keep none.
  REQUIRE(make_norm(NormSpec::parse("batch"), 8, 5, 5)->buffers().size() >= 2);
  REQUIRE(make_norm(NormSpec::parse("group:2"), 8, 5, 5)->buffers().empty());
}

TEST_CASE("make_norm rejects groups that do not divide the channels and degenerate norms",
          "[model][norm_spec]") {
  REQUIRE_THROWS_WITH(make_norm(NormSpec::parse("group:3"), 8, 5, 5),
                      Catch::Contains("3 groups do not divide the layer's 8 channels"));
  // Instance norm after a dense layer normalizes one value per channel.
  REQUIRE_THROWS_WITH(make_norm(NormSpec::parse("instance"), 100, 1, 1),
                      Catch::Contains("instance norm") && Catch::Contains("1x1"));
  REQUIRE_THROWS_AS(make_norm(NormSpec::parse("group:100"), 100, 1, 1), ArgumentError);
  REQUIRE_THROWS_AS(make_norm(NormSpec::parse("layer-channels"), 1, 5, 5), ArgumentError);
  REQUIRE_NOTHROW(make_norm(NormSpec::parse("group:50"), 100, 1, 1));  // 2 values per group
  REQUIRE_NOTHROW(make_norm(NormSpec::parse("instance"), 4, 2, 1));
}

TEST_CASE("make_norm passes the spec's options to the layer", "[model][norm_spec]") {
  auto bn = make_norm(NormSpec::parse("batch,momentum=0.01,running_var=biased,eps=0.001"), 4, 3, 3);
  auto* b = dynamic_cast<BatchNorm2d*>(bn.get());
  REQUIRE(b != nullptr);
  REQUIRE(b->options().momentum == 0.01f);
  REQUIRE(b->options().eps == 0.001f);
  REQUIRE_FALSE(b->options().unbiased_running_var);
  REQUIRE(b->options().affine);
  REQUIRE(dynamic_cast<BatchNorm2d&>(*make_norm(NormSpec::parse("batch"), 4, 3, 3))
              .options().eps == 1e-5f);

  // Without eps each layer keeps its own default: 1e-6 across channels, 1e-5 otherwise.
  auto lc = make_norm(NormSpec::parse("layer-channels"), 4, 3, 3);
  REQUIRE(dynamic_cast<LayerNorm2dChannels&>(*lc).eps() == 1e-6f);
  auto ls = make_norm(NormSpec::parse("layer-sample,eps=0.01,affine=false"), 4, 3, 3);
  REQUIRE(dynamic_cast<LayerNorm2dSample&>(*ls).eps() == 0.01f);
  REQUIRE_FALSE(dynamic_cast<LayerNorm2dSample&>(*ls).affine());
  auto in = make_norm(NormSpec::parse("instance"), 4, 3, 3);
  REQUIRE(dynamic_cast<GroupNorm&>(*in).groups() == 4);
  REQUIRE(dynamic_cast<GroupNorm&>(*make_norm(NormSpec::parse("group:2"), 4, 3, 3)).groups() == 2);
}
