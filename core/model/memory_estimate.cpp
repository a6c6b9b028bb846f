#include "memory_estimate.hpp"

#include <algorithm>

#include "../kernels/gemm.hpp"
#include "../kernels/one_channel_conv.hpp"
#include "../kernels/winograd.hpp"
#include "../layers/activation.hpp"
#include "../layers/conv2d.hpp"
#include "../layers/dense.hpp"
#include "../layers/group_norm.hpp"
#include "../layers/pool.hpp"
#include "../layers/squeeze_excite.hpp"
#include "../memory_budget.hpp"
#include "norm_spec.hpp"
#include "residual.hpp"
#include "sequential.hpp"

namespace normlab {
namespace {

constexpr uint64_t kFloat = sizeof(float);

// Per-sample values of a shape, in 64 bits.
uint64_t per_sample(const Shape& s) { return uint64_t(s.c) * uint64_t(s.h) * uint64_t(s.w); }
uint64_t plane(const Shape& s) { return uint64_t(s.h) * uint64_t(s.w); }

// The packing panels gemm_f32 reserves for one call (gemm.cpp: balanced blocks of at most
// mc × kc for A, and a kc-deep panel of nr or nc columns for B, plus a SIMD width of slack).
struct GemmPanels {
  uint64_t a = 0, b = 0;  // floats
};

int balanced_block(int total, int max_block, int unit) {
  const int blocks = (total + max_block - 1) / max_block;
  const int block = (total + blocks - 1) / blocks;
  return (block + unit - 1) / unit * unit;
}

GemmPanels gemm_panels(int m, int n, int k) {
  if (m <= 0 || n <= 0 || k <= 0) return {};
  const GemmBlocking g = gemm_f32_blocking();
  const uint64_t kc = uint64_t(balanced_block(k, g.kc, 1));
  const int mc = balanced_block(m, g.mc, g.mr);
  const uint64_t nc = uint64_t(mc >= m ? g.nr : balanced_block(n, g.nc, g.nr));
  const uint64_t slack = 16;
  return {uint64_t(mc) * kc + slack, nc * kc + slack};
}

class Estimator {
 public:
  Estimator(const MemoryPlan& plan, MemoryEstimate& out)
      : train_(uint64_t(std::max(plan.train_batch, 0))),
        widest_(std::max<uint64_t>(train_, uint64_t(std::max(plan.eval_batch, 0)))),
        out_(out) {}

  // in: the per-sample input shape (n = 1). Returns the bytes of the layer's input
  // gradient, which the caller counts: a Sequential's children share its two buffers.
  // input_grad false: the caller needs no dx (Layer::backward_params), as in training.
  // own_output false: the layer writes its output into a buffer its Sequential lends.
  uint64_t visit(Layer& layer, const std::string& name, const Shape& in, bool input_grad = true,
                 bool own_output = true) {
    if (auto* seq = dynamic_cast<Sequential*>(&layer)) {
      uint64_t lent[2] = {0, 0};  // the Sequential's two buffers
      Shape s = in;
      const std::string prefix = name.empty() ? "" : name + ".";
      const auto children = seq->named_children();
      for (std::size_t i = 0; i < children.size(); ++i) {
        // Without dx for the Sequential, its children up to the first trainable one need none.
        const bool child_dx = input_grad || i > seq->first_trainable();
        Layer& child = *children[i].layer;
        const int lent_y = seq->lent_output(i);
        const uint64_t dx = visit(child, prefix + children[i].name, s, child_dx, lent_y < 0);
        if (const int b = seq->input_grad_buffer(i); b >= 0) lent[b] = std::max(lent[b], dx);
        s = child.output_shape(s);
        if (lent_y >= 0) lent[lent_y] = std::max(lent[lent_y], bytes(widest_, per_sample(s)));
      }
      LayerMemory m{name, "sequential"};
      m.caches = lent[0] + lent[1];
      add(m);
      return 0;  // in the buffers just counted
    }
    if (auto* res = dynamic_cast<Residual*>(&layer)) {
      LayerMemory m{name, "residual"};
      for (auto& c : res->named_children()) m.caches += visit(*c.layer, name + "." + c.name, in);
      m.activations = bytes(widest_, per_sample(in));  // the sum y
      add(m);
      return bytes(train_, per_sample(in));  // dx
    }
    LayerMemory m = leaf(layer, name, in, input_grad);
    if (!own_output) m.activations = 0;  // counted with the Sequential's buffers
    add(m);
    return input_grad ? bytes(train_, per_sample(in)) : 0;  // dx
  }

  // The thread-shared scratch: the largest GEMM panels and normalization scratch seen.
  uint64_t shared_workspace() const { return (panel_a_ + panel_b_) * kFloat + norm_scratch_; }
  // Channels over every normalization layer (what a probe sample records per channel).
  uint64_t norm_channels() const { return norm_channels_; }

 private:
  static uint64_t bytes(uint64_t batch, uint64_t per_sample, uint64_t each = kFloat) {
    return batch * per_sample * each;
  }

  void gemm(int m, int n, int k) {
    const GemmPanels p = gemm_panels(m, n, k);
    panel_a_ = std::max(panel_a_, p.a);
    panel_b_ = std::max(panel_b_, p.b);
  }

  void add(const LayerMemory& m) {
    out_.activations += m.activations;
    out_.caches += m.caches;
    out_.workspaces += m.workspace;
    out_.layers.push_back(m);
  }

  LayerMemory leaf(Layer& layer, const std::string& name, const Shape& in, bool input_grad) {
    const Shape y = layer.output_shape(in);
    const uint64_t in_size = per_sample(in), out_size = per_sample(y);
    const std::string kind = layer.kind();
    LayerMemory m{name, kind};
    m.activations = bytes(widest_, out_size);  // y; dx is counted by visit()

    if (auto* conv = dynamic_cast<Conv2d*>(&layer)) {
      const Conv2dOptions& o = conv->options();
      const int k = conv->kernel();
      const bool depthwise = o.groups == conv->in_channels() && o.groups == conv->out_channels();
      const bool pointwise = k == 1 && o.stride == 1 && o.pad == 0;
      if (conv->is_winograd(in)) {
        m.workspace = winograd_workspace(*conv, in);
      } else if (conv->is_one_channel(in)) {
        m.workspace =
            one_channel_conv2d_workspace_floats(conv->geometry(in), conv->out_channels()) * kFloat;
        // dx is lowered: its columns' gradient, and the GEMM that makes it.
        if (train_ > 0 && input_grad) {
          m.workspace += uint64_t(k) * k * y.h * y.w * kFloat;
          gemm(k * k, y.h * y.w, conv->out_channels());
        }
      } else if (!depthwise) {
        const int rows = conv->in_channels() / o.groups * k * k, cols = y.h * y.w;
        const int cout = conv->out_channels() / o.groups;
        const uint64_t lowered = uint64_t(rows) * cols * kFloat;
        // The columns, and in training their gradient when dx is wanted.
        if (!pointwise) m.workspace = lowered * (train_ > 0 && input_grad ? 2 : 1);
        gemm(cout, cols, rows);
        if (train_ > 0) {
          gemm(cout, rows, cols);
          gemm(rows, cols, cout);
        }
      }
    } else if (auto* dense = dynamic_cast<Dense*>(&layer)) {
      for (uint64_t n : {train_, widest_}) gemm(int(n), dense->out_features(), dense->in_features());
      if (train_ > 0) {
        gemm(dense->out_features(), dense->in_features(), int(train_));
        gemm(int(train_), dense->in_features(), dense->out_features());
      }
    } else if (auto* relu = dynamic_cast<Relu*>(&layer); relu && relu->in_place()) {
      m.activations = 0;  // y is written over x
      if (relu->keeps_mask()) m.caches += (widest_ * out_size + 31) / 32 * sizeof(uint32_t);
    } else if (auto* pool = dynamic_cast<MaxPool2d*>(&layer)) {
      m.caches += bytes(widest_, out_size, max_pool2d_argmax_bytes(pool->kernel()));  // argmax
    } else if (kind == "dropout") {
      // The mask as bits (a train-mode evaluation draws one too).
      m.caches += (widest_ * in_size + 31) / 32 * sizeof(uint32_t);
    } else if (kind == "batch_norm2d") {
      m.caches += uint64_t(9) * in.c * kFloat;  // statistics, batch moments, gradient sums
    } else if (kind == "layer_norm2d_channels") {
      m.caches += bytes(widest_, 3 * plane(in)) + bytes(train_, 2 * plane(in));
    } else if (kind == "layer_norm2d_sample") {
      m.caches += bytes(widest_, 3) + bytes(train_, 2);
    } else if (auto* gn = dynamic_cast<GroupNorm*>(&layer)) {
      const uint64_t g = uint64_t(gn->groups());
      m.caches += bytes(widest_, 3 * g) + bytes(train_, 2 * g);
    } else if (auto* se = dynamic_cast<SqueezeExcite*>(&layer)) {
      // Inside: pool → reduce → SiLU → expand → sigmoid on (N,C,1,1) and (N,r,1,1), and
      // the pool's input gradient, as large as x.
      const uint64_t c = uint64_t(se->channels()), r = uint64_t(se->reduced_channels());
      m.activations += bytes(widest_, 3 * c + 2 * r);
      m.caches += bytes(train_, in_size + 4 * c + 2 * r);
      gemm(int(r), 1, int(c));  // 1×1 convolutions, one sample at a time
      gemm(int(c), 1, int(r));
      if (train_ > 0) {
        gemm(int(r), int(c), 1);
        gemm(int(c), int(r), 1);
      }
    }
    if (is_norm_layer(layer)) {
      norm_scratch_ = std::max(norm_scratch_, uint64_t(32) * in_size);  // 4 floats + 2 doubles
      norm_channels_ += uint64_t(in.c);
    }
    return m;
  }

  static Winograd3x3 winograd(const Conv2d& conv, const Shape& in, uint64_t batch) {
    return conv.winograd_shape(Shape{int(batch), in.c, in.h, in.w});
  }
  // Its transformed filters and workspace, grown to the largest pass: forward at the widest
  // batch; weight gradient and input gradient (a flipped forward) at the training batch.
  uint64_t winograd_workspace(const Conv2d& conv, const Shape& in) const {
    const Winograd3x3 s = winograd(conv, in, widest_);
    uint64_t work = winograd_forward_workspace_floats(s), filters = winograd_filter_floats(s);
    if (train_ > 0) {
      const Winograd3x3 t = winograd(conv, in, train_), flipped = winograd_input_grad_shape(t);
      work = std::max<uint64_t>({work, winograd_backward_weight_workspace_floats(t),
                                 winograd_forward_workspace_floats(flipped)});
      filters = std::max<uint64_t>(filters, winograd_filter_floats(flipped));
    }
    return (work + filters) * kFloat;
  }

  const uint64_t train_, widest_;
  MemoryEstimate& out_;
  uint64_t panel_a_ = 0, panel_b_ = 0, norm_scratch_ = 0, norm_channels_ = 0;
};

void count_parameters(Layer& layer, MemoryEstimate& e) {
  for (auto& p : layer.params()) {
    e.parameters += p.size * kFloat;
    e.gradients += p.size * kFloat;
  }
  for (auto& b : layer.buffers()) e.parameters += b.size * kFloat;
}

}  // namespace

std::string MemoryEstimate::breakdown() const {
  const std::pair<const char*, uint64_t> parts[] = {
      {"parameters", parameters}, {"gradients", gradients},   {"optimizer state", optimizer_state},
      {"activations", activations}, {"caches", caches},       {"workspaces", workspaces},
      {"batches", data},          {"probes", probes}};
  std::string out;
  for (auto& [what, size] : parts) {
    if (size * 100 < total()) continue;
    out += (out.empty() ? "" : ", ") + std::string(what) + " " + format_bytes(size);
  }
  return out;
}

MemoryEstimate estimate_memory(Model& model, const MemoryPlan& plan) {
  MemoryEstimate e;
  count_parameters(model.net(), e);
  const uint64_t param_floats = e.gradients / kFloat;
  e.optimizer_state = uint64_t(std::max(plan.optimizer_slots, 0)) * param_floats * kFloat;

  Estimator walker(plan, e);
  walker.visit(model.net(), "", model.input_shape(), false);  // training needs no image gradient
  e.workspaces += walker.shared_workspace();

  const uint64_t train = uint64_t(std::max(plan.train_batch, 0));
  const uint64_t eval = uint64_t(std::max(plan.eval_batch, 0));
  const uint64_t image = per_sample(model.input_shape());
  const uint64_t classes = uint64_t(model.num_classes());
  uint64_t buffer_floats = 0;
  for (auto& b : model.buffers()) buffer_floats += b.size;
  if (train > 0) {
    // The batch and its labels; the loss's softmax, gradient and labels; the epoch's order;
    // the running statistics saved before each step.
    e.data += train * (image * kFloat + sizeof(int32_t));
    e.caches += train * (2 * classes * kFloat + sizeof(int32_t));
    e.data += uint64_t(std::max(plan.dataset_count, 0)) * sizeof(int32_t);
    e.data += buffer_floats * kFloat;
  }
  if (eval > 0) {
    // An evaluation's batch, labels and indices, and its softmax.
    e.data += eval * (image * kFloat + 2 * sizeof(int32_t) + classes * kFloat);
  }
  if (plan.probe_capacity > 0) {
    // The weights before the update (for update ratios), and per kept sample: six
    // per-channel vectors per norm layer (batch and running moments, gamma, beta) and a
    // record of about 96 B per layer and per parameter tensor.
    const uint64_t per_sample = 6 * walker.norm_channels() * kFloat +
                                   96 * (e.layers.size() + model.params().size());
    e.probes = param_floats * kFloat + uint64_t(plan.probe_capacity) * per_sample;
  }
  return e;
}

MemoryEstimate estimate_layer_memory(Layer& layer, const Shape& x, bool training) {
  MemoryEstimate e;
  count_parameters(layer, e);
  MemoryPlan plan;
  (training ? plan.train_batch : plan.eval_batch) = x.n;
  Estimator walker(plan, e);
  Shape one = x;
  one.n = 1;
  e.caches += walker.visit(layer, layer.kind(), one);  // dx, the layer's own
  e.workspaces += walker.shared_workspace();
  const uint64_t n = uint64_t(x.n), y = n * per_sample(layer.output_shape(x));
  e.data = (n * per_sample(x) + (training ? y : 0)) * kFloat;  // the copies of x and dy
  return e;
}

}  // namespace normlab
