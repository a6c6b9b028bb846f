// Direct one-input-channel convolution. The plane is first copied into a zero-padded
// buffer, so the tiles run without bounds checks. Forward keeps 4 channels × 2 vectors of
// output in registers (two of a row, or a row's odd last vector in two rows) and walks the
// kernel taps; the weight gradient keeps 3 channels × 3 taps of a kernel row in registers
// and walks the output plane. Rows are at least two vectors wide
// (one_channel_conv2d_supports), so no partial vector is needed: where a row's width is not
// a multiple of the vector, its last tile is moved left to end flush with the row,
// overlapping the one before (forward: the outputs computed twice come out the same; weight
// gradient: the overlapped lanes of dy are zeroed). Channel and tap counts that are not
// multiples of the tile's are covered alike: the missing channels or taps repeat real ones
// or read past the row, and their results are not stored.
#include "core/kernels/one_channel_conv.hpp"

#include <algorithm>
#include <cassert>
#include <cstddef>
#include <vector>

#include "core/kernels/simd.hpp"
#include "core/tensor.hpp"

namespace normlab {

namespace {

constexpr int W = kSimdWidth;
#if NORMLAB_HAS_SIMD
using V = vfloat;
inline V load(const float* p) { return vfloat::load_unaligned(p); }
inline void store(const V& v, float* p) { v.store_unaligned(p); }
inline V fma(const V& a, const V& b, const V& c) { return xsimd::fma(a, b, c); }
inline float sum(const V& v) { return xsimd::hadd(v); }
// Lanes [0, n) zeroed.
inline V drop_first(const V& v, int n) {
  alignas(64) float lane[W];
  for (int l = 0; l < W; ++l) lane[l] = float(l);
  return xsimd::select(vfloat::load_aligned(lane) >= V(float(n)), v, V(0.0f));
}
#else
using V = float;
inline V load(const float* p) { return *p; }
inline void store(V v, float* p) { *p = v; }
inline V fma(V a, V b, V c) { return a * b + c; }
inline float sum(V v) { return v; }
inline V drop_first(V v, int n) { return n > 0 ? 0.0f : v; }
#endif

// Forward: 4 channels × 2 vectors = 8 accumulators, plus 2 input vectors and a weight, of
// the 16 vector registers of SSE and wasm SIMD128. The fastest in wasm of the shapes tried
// (2 × 2 up to 6 × 2, and 4 × 1).
constexpr int kForwardChannels = 4, kForwardVectors = 2;
// Weight gradient: 3 channels × 3 taps of one kernel row = 9 accumulators, plus 3 dy
// vectors and an input. The taps of a row are adjacent in the plane, so their inputs load
// at fixed offsets from one address: in wasm, 3 × 3 ran 20% faster than 2 × 3 taps at
// arbitrary offsets, with fewer address computations per multiply.
constexpr int kWeightChannels = 3, kWeightTaps = 3;

// A zero-padded copy of the plane: row r, column c hold x[r − pad][c − pad].
struct PaddedPlane {
  const float* data;
  int stride;  // floats per row: out_w + kw − 1
};

NORMLAB_INLINE_COPIES PaddedPlane pad_plane(const ConvGeometry& g, const float* x) {
  thread_local FloatBuffer buffer;
  const int stride = g.out_w + g.kernel_w - 1;
  // The weight gradient's last taps of a row may lie past the kernel's width: they read up
  // to kWeightTaps − 1 floats past a row's end, hence past the last row's.
  buffer.assign(std::size_t(g.height + 2 * g.pad) * stride + kWeightTaps - 1, 0.0f);
  for (int r = 0; r < g.height; ++r) {
    const float* src = x + std::size_t(r) * g.width;
    float* dst = buffer.data() + std::size_t(r + g.pad) * stride + g.pad;
    for (int c = 0; c < g.width; ++c) dst[c] = src[c];
  }
  return {buffer.data(), stride};
}

// Offset of tap t (numbered i·kw + j) in the padded plane.
int tap_offset(const ConvGeometry& g, int stride, int t) {
  return (t / g.kernel_w) * stride + t % g.kernel_w;
}

// 4 channels × VB vectors at `in` (the padded plane at the segment's top-left tap) into
// y + c·y_plane for the first `channels`. Vector b is read at in + b·in_step and stored at
// y + b·out_step: side by side in a row, or one above the other in two rows. taps +
// (t·4 + c)·W holds channel c's weight t splatted (zero past the last channel): a tap's
// weights side by side, at fixed offsets from one pointer; offsets[t] is tap t's offset.
template <int VB>
void forward_tile(const float* in, int in_step, const int* offsets, int kk, const float* taps,
                  float* y, int out_step, std::size_t y_plane, int channels) {
  constexpr int CB = kForwardChannels;
  V acc[CB][VB], v[VB];
  // The first tap's products start the sums: no zeroing, and one add fewer per output.
  for (int b = 0; b < VB; ++b) v[b] = load(in + offsets[0] + b * in_step);
  for (int c = 0; c < CB; ++c) {
    const V w = load(taps + c * W);
    for (int b = 0; b < VB; ++b) acc[c][b] = v[b] * w;
  }
  for (int t = 1; t < kk; ++t) {
    for (int b = 0; b < VB; ++b) v[b] = load(in + offsets[t] + b * in_step);
    for (int c = 0; c < CB; ++c) {
      const V w = load(taps + (t * CB + c) * W);
      for (int b = 0; b < VB; ++b) acc[c][b] = fma(v[b], w, acc[c][b]);
    }
  }
  for (int c = 0; c < CB; ++c)
    if (c < channels)
      for (int b = 0; b < VB; ++b) store(acc[c][b], y + c * y_plane + b * out_step);
}

// dweight of 3 channels × taps (i, j0..j0 + 2) of kernel row i, over output columns
// [x0, x1) of every row (whole vectors). Taps past the row's last are computed from the
// columns beyond it and dropped; missing channels repeat the last one. Only the first
// `channels` and the real taps are added to dweight. kSkip: the first `skip` lanes of each
// dy vector are zeroed (columns that another call counts).
template <bool kSkip>
void weight_tile(const PaddedPlane& p, const ConvGeometry& g, const float* dy, int i, int j0,
                 float* dweight, int channels, int x0, int x1, int skip) {
  constexpr int CB = kWeightChannels, TB = kWeightTaps;
  const std::size_t dy_plane = std::size_t(g.out_h) * g.out_w;
  const float* d[CB];
  for (int c = 0; c < CB; ++c) d[c] = dy + std::min(c, channels - 1) * dy_plane;
  V acc[CB][TB];
  for (int c = 0; c < CB; ++c)
    for (int t = 0; t < TB; ++t) acc[c][t] = V(0.0f);
  for (int oy = 0; oy < g.out_h; ++oy) {
    const float* in = p.data + std::size_t(oy + i) * p.stride + j0;
    const std::size_t row = std::size_t(oy) * g.out_w;
    for (int ox = x0; ox < x1; ox += W) {
      V dv[CB];
      for (int c = 0; c < CB; ++c) {
        dv[c] = load(d[c] + row + ox);
        if (kSkip) dv[c] = drop_first(dv[c], skip);
      }
      for (int t = 0; t < TB; ++t) {
        const V v = load(in + ox + t);
        for (int c = 0; c < CB; ++c) acc[c][t] = fma(dv[c], v, acc[c][t]);
      }
    }
  }
  const int kk = g.kernel_h * g.kernel_w;
  for (int c = 0; c < std::min(CB, channels); ++c)
    for (int t = 0; t < std::min(TB, g.kernel_w - j0); ++t)
      dweight[c * kk + i * g.kernel_w + j0 + t] += sum(acc[c][t]);
}

void check_geometry(const ConvGeometry& g) {
  assert(one_channel_conv2d_supports(g));
  assert(g.kernel_h > 0 && g.kernel_w > 0 && g.pad >= 0 && g.height > 0 && g.width > 0);
  assert(g.out_h == conv_out_size(g.height, g.kernel_h, 1, g.pad) && g.out_h > 0);
  assert(g.out_w == conv_out_size(g.width, g.kernel_w, 1, g.pad));
  (void)g;
}

}  // namespace

bool one_channel_conv2d_supports(const ConvGeometry& g) {
  return g.channels == 1 && g.stride == 1 && g.out_w >= kForwardVectors * W;
}

void one_channel_conv2d_f32(const ConvGeometry& g, int out, const float* x, const float* weight,
                            float* y) {
  check_geometry(g);
  constexpr int CB = kForwardChannels;
  const PaddedPlane p = pad_plane(g, x);
  const int kk = g.kernel_h * g.kernel_w;
  // Each weight splatted once per call rather than once per tile, in the tiles' order:
  // blocks of 4 channels, tap by tap; zeros up to a whole tile of channels.
  thread_local FloatBuffer taps;
  taps.assign(std::size_t((out + CB - 1) / CB * CB) * kk * W, 0.0f);
  for (int c = 0; c < out; ++c)
    for (int t = 0; t < kk; ++t)
      std::fill_n(taps.data() + ((std::size_t(c / CB) * kk + t) * CB + c % CB) * W, W,
                  weight[c * kk + t]);
  thread_local std::vector<int> offsets;
  offsets.resize(std::size_t(kk));
  for (int t = 0; t < kk; ++t) offsets[t] = tap_offset(g, p.stride, t);

  const std::size_t y_plane = std::size_t(g.out_h) * g.out_w;
  constexpr int kTile = kForwardVectors * W;
  // Whole tiles of each row; where the width is a multiple of the vector with one vector
  // left over, that last column of vectors is done two rows at a time (a one-vector tile
  // keeps only 4 sums in registers); otherwise one more tile, flush with the row's end.
  const int tiled = g.out_w / kTile * kTile;
  const bool last_column = g.out_w % W == 0 && tiled < g.out_w;
  for (int c = 0; c < out; c += CB) {
    const float* tc = taps.data() + std::size_t(c) * kk * W;
    float* yc = y + c * y_plane;
    const int channels = std::min(CB, out - c);
    for (int oy = 0; oy < g.out_h; ++oy) {
      const float* in = p.data + std::size_t(oy) * p.stride;
      float* row = yc + std::size_t(oy) * g.out_w;
      for (int ox = 0; ox < tiled; ox += kTile)
        forward_tile<kForwardVectors>(in + ox, W, offsets.data(), kk, tc, row + ox, W, y_plane,
                                      channels);
      if (tiled < g.out_w && !last_column) {
        const int ox = g.out_w - kTile;
        forward_tile<kForwardVectors>(in + ox, W, offsets.data(), kk, tc, row + ox, W, y_plane,
                                      channels);
      }
    }
    if (!last_column) continue;
    const int ox = g.out_w - W;
    int oy = 0;
    for (; oy + 2 <= g.out_h; oy += 2)
      forward_tile<2>(p.data + std::size_t(oy) * p.stride + ox, p.stride, offsets.data(), kk,
                      tc, yc + std::size_t(oy) * g.out_w + ox, g.out_w, y_plane, channels);
    if (oy < g.out_h)
      forward_tile<1>(p.data + std::size_t(oy) * p.stride + ox, 0, offsets.data(), kk, tc,
                      yc + std::size_t(oy) * g.out_w + ox, 0, y_plane, channels);
  }
}

void one_channel_conv2d_backward_weight_f32(const ConvGeometry& g, int out, const float* x,
                                            const float* dy, float* dweight) {
  check_geometry(g);
  const PaddedPlane p = pad_plane(g, x);
  const int kk = g.kernel_h * g.kernel_w;
  const std::size_t dy_plane = std::size_t(g.out_h) * g.out_w;
  // Whole vectors of each row, then (rows of a partial last vector) the row's last W
  // columns, without those already counted.
  const int whole = g.out_w / W * W;
  for (int c = 0; c < out; c += kWeightChannels) {
    const float* dyc = dy + c * dy_plane;
    for (int i = 0; i < g.kernel_h; ++i)
      for (int j = 0; j < g.kernel_w; j += kWeightTaps) {
        weight_tile<false>(p, g, dyc, i, j, dweight + c * kk, out - c, 0, whole, 0);
        if (whole < g.out_w)
          weight_tile<true>(p, g, dyc, i, j, dweight + c * kk, out - c, g.out_w - W, g.out_w,
                            W - (g.out_w - whole));
      }
  }
}

std::size_t one_channel_conv2d_workspace_floats(const ConvGeometry& g, int out) {
  const int channels = (out + kForwardChannels - 1) / kForwardChannels * kForwardChannels;
  return std::size_t(g.height + 2 * g.pad) * (g.out_w + g.kernel_w - 1) + kWeightTaps - 1 +
         std::size_t(channels) * g.kernel_h * g.kernel_w * W;
}

}  // namespace normlab
