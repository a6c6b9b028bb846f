#include "norm_spec.hpp"

#include <cmath>
#include <cstdlib>

#include "../error.hpp"
#include "../layers/batch_norm2d.hpp"
#include "../layers/group_norm.hpp"
#include "../layers/layer_norm2d.hpp"

namespace normlab {

namespace {

const char* kSyntax =
    "valid: none, batch, layer-channels, layer-sample, group:G, instance; options after a "
    "comma: momentum=M, running_var=unbiased|biased (batch), eps=E, affine=true|false";

std::string trim(const std::string& s) {
  const char* ws = " \t\r\n";
  auto b = s.find_first_not_of(ws);
  if (b == std::string::npos) return "";
  auto e = s.find_last_not_of(ws);
  return s.substr(b, e - b + 1);
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (;;) {
    auto pos = s.find(sep, start);
    out.push_back(trim(s.substr(start, pos - start)));
    if (pos == std::string::npos) return out;
    start = pos + 1;
  }
}

// The whole of `text` must be a positive decimal integer that fits an int.
bool parse_positive_int(const std::string& text, int& out) {
  if (text.empty() || text.size() > 9) return false;
  for (char ch : text)
    if (ch < '0' || ch > '9') return false;
  out = std::atoi(text.c_str());
  return out > 0;
}

const char* kind_name(NormKind k) {
  switch (k) {
    case NormKind::None: return "none";
    case NormKind::Batch: return "batch";
    case NormKind::LayerChannels: return "layer-channels";
    case NormKind::LayerSample: return "layer-sample";
    case NormKind::Group: return "group";
    case NormKind::Instance: return "instance";
  }
  return "?";
}

}  // namespace

NormSpec NormSpec::parse(const std::string& text) {
  const auto parts = split(text, ',');
  NormSpec spec;
  const std::string& head = parts[0];
  const std::string where = msg("norm spec '", text, "': ");
  if (head == "none") {
    spec.kind = NormKind::None;
  } else if (head == "batch") {
    spec.kind = NormKind::Batch;
  } else if (head == "layer-channels") {
    spec.kind = NormKind::LayerChannels;
  } else if (head == "layer-sample") {
    spec.kind = NormKind::LayerSample;
  } else if (head == "instance") {
    spec.kind = NormKind::Instance;
  } else if (head.compare(0, 6, "group:") == 0) {
    spec.kind = NormKind::Group;
    check_arg(parse_positive_int(head.substr(6), spec.groups), where, "group count '",
              head.substr(6), "' must be a positive integer (e.g. group:4)");
  } else if (head == "group") {
    throw ArgumentError(msg(where, "group needs a group count, e.g. group:4; ", kSyntax));
  } else {
    throw ArgumentError(msg(where, "unknown norm '", head, "'; ", kSyntax));
  }

  bool seen_momentum = false, seen_var = false, seen_eps = false, seen_affine = false;
  for (std::size_t i = 1; i < parts.size(); ++i) {
    const std::string& opt = parts[i];
    const auto eq = opt.find('=');
    check_arg(eq != std::string::npos, where, "option '", opt, "' is not name=value; ", kSyntax);
    const std::string key = trim(opt.substr(0, eq)), value = trim(opt.substr(eq + 1));
    auto once = [&](bool& seen) {
      check_arg(!seen, where, "option '", key, "' given twice");
      seen = true;
    };
    if (key == "momentum" || key == "running_var") {
      check_arg(spec.kind == NormKind::Batch, where, "option '", key,
                "' applies to batch only, not ", kind_name(spec.kind));
    }
    if (key == "momentum") {
      once(seen_momentum);
      check_arg(parse_float(value, spec.momentum) && spec.momentum >= 0.0f &&
                    spec.momentum <= 1.0f,
                where, "momentum must be a number in [0,1], got '", value, "'");
    } else if (key == "running_var") {
      once(seen_var);
      check_arg(value == "unbiased" || value == "biased", where,
                "running_var must be unbiased or biased, got '", value, "'");
      spec.unbiased_running_var = value == "unbiased";
    } else if (key == "eps") {
      once(seen_eps);
      check_arg(parse_float(value, spec.eps) && spec.eps > 0.0f, where,
                "eps must be a positive number, got '", value, "'");
    } else if (key == "affine") {
      once(seen_affine);
      check_arg(value == "true" || value == "false", where,
                "affine must be true or false, got '", value, "'");
      spec.affine = value == "true";
    } else {
      throw ArgumentError(msg(where, "unknown option '", key, "'; ", kSyntax));
    }
  }
  check_arg(spec.kind != NormKind::None || parts.size() == 1, where,
            "none takes no options");
  return spec;
}

std::string NormSpec::str() const {
  std::string s = kind_name(kind);
  if (kind == NormKind::None) return s;
  if (kind == NormKind::Group) s += ":" + std::to_string(groups);
  if (kind == NormKind::Batch && momentum != 0.1f) s += ",momentum=" + format_shortest(momentum);
  if (kind == NormKind::Batch && !unbiased_running_var) s += ",running_var=biased";
  if (eps != 0.0f) s += ",eps=" + format_shortest(eps);
  if (!affine) s += ",affine=false";
  return s;
}

bool NormSpec::operator==(const NormSpec& o) const { return str() == o.str(); }

const std::vector<std::string>& norm_kind_names() {
  static const std::vector<std::string> names{"none",         "batch",   "layer-channels",
                                              "layer-sample", "group:G", "instance"};
  return names;
}

LayerPtr make_norm(const NormSpec& spec, int c, int h, int w) {
  check_arg(c > 0 && h > 0 && w > 0, "make_norm: input (", c, ",", h, ",", w,
            ") per sample must have positive sizes");
  const std::string what = msg("norm ", spec.str(), " on a (", c, ",", h, ",", w, ") input: ");
  auto eps_or = [&](float fallback) { return spec.eps > 0.0f ? spec.eps : fallback; };
  switch (spec.kind) {
    case NormKind::None:
      return nullptr;
    case NormKind::Batch: {
      BatchNormOptions o;
      o.momentum = spec.momentum;
      o.eps = eps_or(o.eps);
      o.affine = spec.affine;
      o.unbiased_running_var = spec.unbiased_running_var;
      return std::make_unique<BatchNorm2d>(c, o);
    }
    case NormKind::LayerChannels:
      check_arg(c > 1, what, "layer-channels normalizes each pixel across the layer's ", c,
                " channel, a single value: the output would not depend on the input");
      return std::make_unique<LayerNorm2dChannels>(c, eps_or(1e-6f), spec.affine);
    case NormKind::LayerSample:
      check_arg(std::size_t(c) * h * w > 1, what,
                "layer-sample would normalize a single value per sample");
      return std::make_unique<LayerNorm2dSample>(c, h, w, eps_or(1e-5f), spec.affine);
    case NormKind::Group:
      check_arg(spec.groups >= 1, what, "group count must be positive, got ", spec.groups);
      check_arg(c % spec.groups == 0, what, spec.groups, " groups do not divide the layer's ",
                c, " channels");
      check_arg(std::size_t(c / spec.groups) * h * w > 1, what, "each of the ", spec.groups,
                " groups holds a single value (", c / spec.groups, " channel of ", h, "x", w,
                "): the output would not depend on the input; use fewer groups");
      return std::make_unique<GroupNorm>(spec.groups, c, eps_or(1e-5f), spec.affine);
    case NormKind::Instance:
      check_arg(std::size_t(h) * w > 1, what, "instance norm normalizes each channel over its ",
                h, "x", w,
                " plane, a single value here: the output would not depend on the input; "
                "use batch, layer-* or group:G");
      return std::make_unique<GroupNorm>(c, c, eps_or(1e-5f), spec.affine);
  }
  return nullptr;
}

bool is_norm_layer(const Layer& layer) {
  const std::string k = layer.kind();
  return k == "batch_norm2d" || k == "layer_norm2d_channels" || k == "layer_norm2d_sample" ||
         k == "group_norm";
}

}  // namespace normlab
