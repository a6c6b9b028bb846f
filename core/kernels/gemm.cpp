// Packed, cache-blocked SGEMM (the GotoBLAS/BLIS loop structure):
//   for each nc-wide column block of C
//     for each kc-deep slice of k
//       for each mc-tall row block          (its packed A block, mc×kc, stays in L2)
//         pack op(A)[mc × kc] into MR-tall row panels
//         for each NR-wide column panel     (its packed B panel, kc×NR, stays in L1)
//           pack op(B)[kc × NR] on first use (first row block); later row blocks reuse it
//           (a shallow slice of an untransposed B is read in place instead)
//           for each MR panel: micro-kernel (an MR×NR tile of C in registers)
// Transposes are absorbed by the packing, so one micro-kernel serves all four cases.
// A small C with few columns is computed transposed (gemm_f32), so thin tiles stay full.
// The first k slice applies beta (beta = 0 never reads C); later slices add into C.
#include "core/kernels/gemm.hpp"

#include <algorithm>
#include <array>
#include <cassert>
#include <cstddef>
#include <utility>

#include "core/kernels/simd.hpp"
#include "core/tensor.hpp"

namespace normlab {

namespace {

#if NORMLAB_HAS_SIMD
// MR×(2·W) accumulators in vector registers, plus 2 for B and 1 broadcast of A. With FMA
// (AVX2, W=8) MR=6 fills the 16 registers exactly. Without it (SSE2 and wasm SIMD128, W=4)
// fma is mul+add and needs one more register for the product, so MR=5: with MR=6 the wasm
// JIT spills and reached ~52% of peak on the big GEMMs against ~85% with MR=5.
#if defined(__FMA__)
constexpr int kMR = 6;
#else
constexpr int kMR = 5;
#endif
constexpr int kNR = 2 * kSimdWidth;
#else
// 2×4 scalar accumulators. Measured in the wasm scalar build (the one browsers without
// SIMD run): 2×4 reached ~90% of the scalar peak on the big GEMMs, 4×4 and 3×4 ~55–65%
// (the JIT spills), 2×8 ~55%.
constexpr int kMR = 2;
constexpr int kNR = 4;
#endif
// Cache blocking: a kc×NR panel of B (16 KB at NR=16) sits in L1, the mc×kc block of A
// (~120 KB) in L2, the kc×nc block of B in L2/L3. Blocks are balanced (equal sizes), so
// k = 300 runs as 2×150 rather than 256 + 44.
constexpr int kKC = 256;
constexpr int kMC = 120;   // multiple of every MR above
constexpr int kNC = 4096;  // multiple of every NR above

// Depths up to this read an untransposed B in place rather than packed (see gemm_blocked).
constexpr int kInPlaceMaxK = 32;
// Products up to this many floats of C may be computed transposed (see gemm_f32).
constexpr std::size_t kTransposeMaxFloats = 1 << 14;

constexpr int round_up(int x, int to) { return (x + to - 1) / to * to; }
// Splits `total` into equal blocks of at most `max_block`, rounded up to `unit`.
int balanced_block(int total, int max_block, int unit) {
  int blocks = (total + max_block - 1) / max_block;
  return round_up((total + blocks - 1) / blocks, unit);
}

// Reused per-thread packing buffers: after the first call of a given size, no allocation.
struct PackBuffers {
  FloatBuffer a, b;
};
float* reserve(FloatBuffer& buf, std::size_t n) {
  if (buf.size() < n) buf.resize(n);
  return buf.data();
}

#if NORMLAB_HAS_SIMD
// In-register transpose of a W×W block: rows[r] lane c becomes rows[c] lane r. Shuffles
// are the one thing xsimd 8.1 cannot express portably (its zip_lo works within 128-bit
// lanes on AVX), so the two widths we ship use their own intrinsics; others fall back.
inline void transpose_block(vfloat* rows) {
#if defined(__AVX__) && !defined(__AVX512F__)
  static_assert(kSimdWidth == 8, "AVX build expected 8 floats per vector");
  __m256 t[8], u[8];
  for (int i = 0; i < 8; i += 2) {
    t[i] = _mm256_unpacklo_ps(rows[i], rows[i + 1]);
    t[i + 1] = _mm256_unpackhi_ps(rows[i], rows[i + 1]);
  }
  for (int i = 0; i < 8; i += 4) {
    u[i] = _mm256_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(1, 0, 1, 0));
    u[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(3, 2, 3, 2));
    u[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(1, 0, 1, 0));
    u[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(3, 2, 3, 2));
  }
  for (int i = 0; i < 4; ++i) {
    rows[i] = vfloat(_mm256_permute2f128_ps(u[i], u[i + 4], 0x20));
    rows[i + 4] = vfloat(_mm256_permute2f128_ps(u[i], u[i + 4], 0x31));
  }
#elif defined(__SSE__) && !defined(__AVX__)
  // Also the wasm SIMD128 build: Emscripten maps these SSE shuffles to i8x16.shuffle.
  static_assert(kSimdWidth == 4, "SSE build expected 4 floats per vector");
  __m128 r0 = rows[0], r1 = rows[1], r2 = rows[2], r3 = rows[3];
  _MM_TRANSPOSE4_PS(r0, r1, r2, r3);
  rows[0] = vfloat(r0), rows[1] = vfloat(r1), rows[2] = vfloat(r2), rows[3] = vfloat(r3);
#else
  alignas(64) float tmp[kSimdWidth * kSimdWidth];
  for (int r = 0; r < kSimdWidth; ++r) rows[r].store_aligned(tmp + r * kSimdWidth);
  for (int c = 0; c < kSimdWidth; ++c) {
    alignas(64) float col[kSimdWidth];
    for (int r = 0; r < kSimdWidth; ++r) col[r] = tmp[r * kSimdWidth + c];
    rows[c] = vfloat::load_aligned(col);
  }
#endif
}
#endif

// dst[p·S + r] = src[r·ld + p] for r < rows, 0 for rows ≤ r < S, over p in [0, kc): the
// transposing copy behind packing Aᵀ-like sources (A not transposed, B transposed). The
// vector path transposes W×W blocks in registers; each store writes W floats, so when W
// does not divide S it spills W·⌈S/W⌉ − S floats past p·S + S, which the next store (or
// the caller's next panel) overwrites: dst needs that much slack after the last panel.
template <int S>
void interleave_rows(const float* src, std::size_t ld, int rows, int kc, float* dst) {
  int p = 0;
#if NORMLAB_HAS_SIMD
  constexpr int W = kSimdWidth, G = (S + W - 1) / W;
  for (; p + W <= kc; p += W) {
    vfloat t[G][W];
    for (int g = 0; g < G; ++g) {
      for (int r = 0; r < W; ++r) {
        const int row = g * W + r;
        t[g][r] = row < rows ? vfloat::load_unaligned(src + row * ld + p) : vfloat(0.0f);
      }
      transpose_block(t[g]);
    }
    // Ascending addresses, so each spill is overwritten by a later store.
    for (int q = 0; q < W; ++q)
      for (int g = 0; g < G; ++g) t[g][q].store_unaligned(dst + (p + q) * S + g * W);
  }
#endif
  for (; p < kc; ++p)
    for (int r = 0; r < S; ++r) dst[p * S + r] = r < rows ? src[r * ld + p] : 0.0f;
}
// Floats of slack interleave_rows may write past its last panel.
constexpr int kPackSlack = kSimdWidth;

// Packs rows [i0, i0+mc) × depth [p0, p0+kc) of op(A) into MR-row panels: panel q holds
// element (i0 + q·MR + r, p0 + p) at [q·MR·kc + p·MR + r]. Rows past m are zero.
void pack_a(Trans trans, const float* a, int lda, int i0, int mc, int p0, int kc, float* dst) {
  for (int q = 0; q < mc; q += kMR, dst += kMR * kc) {
    int rows = std::min(kMR, mc - q);
    if (trans == Trans::No) {
      interleave_rows<kMR>(a + std::size_t(i0 + q) * lda + p0, lda, rows, kc, dst);
    } else {
      for (int p = 0; p < kc; ++p) {
        const float* src = a + std::size_t(p0 + p) * lda + i0 + q;
        for (int r = 0; r < rows; ++r) dst[p * kMR + r] = src[r];
        for (int r = rows; r < kMR; ++r) dst[p * kMR + r] = 0.0f;
      }
    }
  }
}

// Packs depth [p0, p0+kc) × columns [j0, j0+cols) of op(B), cols ≤ NR, into one NR-wide
// panel: element (p0 + p, j0 + c) at dst[p·NR + c]. Columns past `cols` are zero.
void pack_b_panel(Trans trans, const float* b, int ldb, int p0, int kc, int j0, int cols,
                  float* dst) {
  if (trans == Trans::No) {
    for (int p = 0; p < kc; ++p) {
      const float* src = b + std::size_t(p0 + p) * ldb + j0;
      float* d = dst + p * kNR;
      if (cols == kNR) {
#if NORMLAB_HAS_SIMD
        for (int c = 0; c < kNR; c += kSimdWidth)
          vfloat::load_unaligned(src + c).store_aligned(d + c);
#else
        for (int c = 0; c < kNR; ++c) d[c] = src[c];
#endif
      } else {
        for (int c = 0; c < cols; ++c) d[c] = src[c];
        for (int c = cols; c < kNR; ++c) d[c] = 0.0f;
      }
    }
    return;
  }
  // op(B) = Bᵀ: column j0 + c of op(B) is row j0 + c of B, contiguous in p.
  interleave_rows<kNR>(b + std::size_t(j0) * ldb + p0, ldb, cols, kc, dst);
}

// C[R×NR] (row stride ldc) = alpha·(Ap·Bp) + beta·C, or alpha·(Ap·Bp) when beta == 0
// (C not read). ap: kc×MR packed (only its first R rows are used); bp: kc rows of NR floats,
// `bs` apart (NR for a packed panel, ldb when B is read in place). R < MR serves the last
// row panel when MR does not divide m, so m = 8 costs 8 rows of FMAs rather than 12.
template <int R>
void micro_kernel(int kc, const float* ap, const float* bp, std::size_t bs, float* c, int ldc,
                  float alpha, float beta) {
#if NORMLAB_HAS_SIMD
  constexpr int W = kSimdWidth;
  vfloat acc0[R], acc1[R];
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r) acc0[r] = acc1[r] = vfloat(0.0f);
  int p = 0;
  if constexpr (R <= 3) {
    // 2·R chains cannot hide the fma latency (~4 cycles at 2 per cycle needs 8): give odd
    // steps of p their own accumulators, added at the end.
    vfloat odd0[R], odd1[R];
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) odd0[r] = odd1[r] = vfloat(0.0f);
    for (; p + 2 <= kc; p += 2, ap += 2 * kMR, bp += 2 * bs) {
      vfloat b0 = vfloat::load_unaligned(bp), b1 = vfloat::load_unaligned(bp + W);
      vfloat b2 = vfloat::load_unaligned(bp + bs), b3 = vfloat::load_unaligned(bp + bs + W);
#pragma GCC unroll 8
      for (int r = 0; r < R; ++r) {
        vfloat av(ap[r]), aw(ap[kMR + r]);
        acc0[r] = xsimd::fma(av, b0, acc0[r]);
        acc1[r] = xsimd::fma(av, b1, acc1[r]);
        odd0[r] = xsimd::fma(aw, b2, odd0[r]);
        odd1[r] = xsimd::fma(aw, b3, odd1[r]);
      }
    }
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
      acc0[r] += odd0[r];
      acc1[r] += odd1[r];
    }
  }
  for (; p < kc; ++p, ap += kMR, bp += bs) {
    vfloat b0 = vfloat::load_unaligned(bp), b1 = vfloat::load_unaligned(bp + W);
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
      vfloat av(ap[r]);
      acc0[r] = xsimd::fma(av, b0, acc0[r]);
      acc1[r] = xsimd::fma(av, b1, acc1[r]);
    }
  }
  vfloat va(alpha);
  if (beta == 0.0f) {
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
      (va * acc0[r]).store_unaligned(c + r * ldc);
      (va * acc1[r]).store_unaligned(c + r * ldc + W);
    }
  } else {
    vfloat vb(beta);
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
      float* cr = c + r * ldc;
      xsimd::fma(vb, vfloat::load_unaligned(cr), va * acc0[r]).store_unaligned(cr);
      xsimd::fma(vb, vfloat::load_unaligned(cr + W), va * acc1[r]).store_unaligned(cr + W);
    }
  }
#else
  float acc[R][kNR] = {};
  for (int p = 0; p < kc; ++p, ap += kMR, bp += bs)
    for (int r = 0; r < R; ++r)
      for (int j = 0; j < kNR; ++j) acc[r][j] += ap[r] * bp[j];
  for (int r = 0; r < R; ++r)
    for (int j = 0; j < kNR; ++j) {
      float& cv = c[r * ldc + j];
      cv = beta == 0.0f ? alpha * acc[r][j] : alpha * acc[r][j] + beta * cv;
    }
#endif
}

using MicroKernel = void (*)(int, const float*, const float*, std::size_t, float*, int, float, float);

template <std::size_t... R>
constexpr std::array<MicroKernel, sizeof...(R)> make_kernel_table(std::index_sequence<R...>) {
  return {micro_kernel<int(R) + 1>...};
}
// kernel_for_rows[r − 1] computes r rows.
constexpr auto kernel_for_rows = make_kernel_table(std::make_index_sequence<kMR>());

// One tile of `rows` ≤ MR rows and `cols` ≤ NR columns. Partial column tiles are computed
// aside and their valid part written, so C is never written past column n.
void compute_tile(int kc, const float* ap, const float* bp, std::size_t bs, float* c, int ldc,
                  int rows, int cols, float alpha, float beta) {
  const MicroKernel kernel = kernel_for_rows[rows - 1];
  if (cols == kNR) {
    kernel(kc, ap, bp, bs, c, ldc, alpha, beta);
    return;
  }
  alignas(64) float tile[kMR * kNR];
  kernel(kc, ap, bp, bs, tile, kNR, 1.0f, 0.0f);
  for (int r = 0; r < rows; ++r)
    for (int j = 0; j < cols; ++j) {
      float& cv = c[std::size_t(r) * ldc + j];
      cv = beta == 0.0f ? alpha * tile[r * kNR + j] : alpha * tile[r * kNR + j] + beta * cv;
    }
}

// C = beta·C on an m×n block (the k = 0 or alpha = 0 case); beta = 0 writes zeros.
void scale_c(int m, int n, float beta, float* c, int ldc) {
  for (int i = 0; i < m; ++i) {
    float* row = c + std::size_t(i) * ldc;
    if (beta == 0.0f)
      std::fill(row, row + n, 0.0f);
    else
      for (int j = 0; j < n; ++j) row[j] *= beta;
  }
}

// The left operand: raw (packed block by block as the loops reach it) or packed once
// (gemm_pack_a_f32: the blocks of every k slice one after the other, slice p0 at
// p0·round_up(m, MR), block i0 of it i0·kc further).
struct OperandA {
  Trans trans = Trans::No;
  const float* a = nullptr;
  int lda = 0;
  const float* packed = nullptr;
};

void gemm_blocked(const OperandA& op_a, Trans trans_b, int m, int n, int k, float alpha,
                  const float* b, int ldb, float beta, float* c, int ldc) {
  if (m == 0 || n == 0) return;
  if (k == 0 || alpha == 0.0f) {
    scale_c(m, n, beta, c, ldc);
    return;
  }
  const int kc_max = balanced_block(k, kKC, 1);
  const int mc_max = balanced_block(m, kMC, kMR);
  const int nc_max = balanced_block(n, kNC, kNR);
  const std::size_t m_panels = std::size_t(round_up(m, kMR));
  // With one row block, each B panel is used right after it is packed and never again,
  // so it goes to a single L1-sized panel; otherwise the whole kc×nc block is kept for
  // the later row blocks. Either way a panel is packed just before its first use, while
  // its destination is hot in L1.
  const bool one_row_block = mc_max >= m;
  thread_local PackBuffers buffers;
  float* pa = op_a.packed ? nullptr : reserve(buffers.a, std::size_t(mc_max) * kc_max + kPackSlack);
  float* pb = reserve(buffers.b, std::size_t(one_row_block ? kNR : nc_max) * kc_max + kPackSlack);

  for (int j0 = 0; j0 < n; j0 += nc_max) {
    const int nc = std::min(nc_max, n - j0);
    for (int p0 = 0; p0 < k; p0 += kc_max) {
      const int kc = std::min(kc_max, k - p0);
      const float beta_here = p0 == 0 ? beta : 1.0f;
      for (int i0 = 0; i0 < m; i0 += mc_max) {
        const int mc = std::min(mc_max, m - i0);
        const float* ablock = pa;
        if (op_a.packed)
          ablock = op_a.packed + std::size_t(p0) * m_panels + std::size_t(i0) * kc;
        else
          pack_a(op_a.trans, op_a.a, op_a.lda, i0, mc, p0, kc, pa);
        for (int jr = 0; jr < nc; jr += kNR) {
          const int cols = std::min(kNR, nc - jr);
          // A shallow slice of an untransposed B is read where it lies: packing it would
          // copy as many floats as the few FMAs per element it feeds.
          const bool in_place = trans_b == Trans::No && cols == kNR && kc <= kInPlaceMaxK;
          const float* bp = b + std::size_t(p0) * ldb + j0 + jr;
          std::size_t bs = std::size_t(ldb);
          if (!in_place) {
            float* panel = one_row_block ? pb : pb + std::size_t(jr) * kc;
            if (i0 == 0) pack_b_panel(trans_b, b, ldb, p0, kc, j0 + jr, cols, panel);
            bp = panel;
            bs = kNR;
          }
          for (int ir = 0; ir < mc; ir += kMR) {
            const int rows = std::min(kMR, mc - ir);
            const float* ap = ablock + std::size_t(ir) * kc;
            float* ct = c + std::size_t(i0 + ir) * ldc + j0 + jr;
            compute_tile(kc, ap, bp, bs, ct, ldc, rows, cols, alpha, beta_here);
          }
        }
      }
    }
  }
}

}  // namespace

void gemm_f32(Trans trans_a, Trans trans_b, int m, int n, int k, float alpha, const float* a,
              int lda, const float* b, int ldb, float beta, float* c, int ldc) {
  assert(m >= 0 && n >= 0 && k >= 0);
  assert(ldc >= std::max(1, n));
  assert(lda >= std::max(1, trans_a == Trans::No ? k : m));
  assert(ldb >= std::max(1, trans_b == Trans::No ? n : k));
  // Tiles are NR columns wide but any number of rows tall, so a small C whose n fills less
  // than 3/4 of its column tiles, and m more, is computed transposed, Cᵀ = op(B)ᵀ·op(A)ᵀ,
  // and written back: a one-channel conv's weight gradient (m = 8 filters, n = 9 taps)
  // fills 9 of 16 columns, its transpose 8 of 8. Below 3/4 the saved FMAs outweigh the
  // costlier packing and the transposing copy.
  const auto fill = [](int cols) { return double(cols) / round_up(cols, kNR); };
  if (k > 0 && alpha != 0.0f && m > 0 && n > 0 && std::size_t(m) * n <= kTransposeMaxFloats &&
      fill(n) < 0.75 && fill(m) > fill(n)) {
    thread_local FloatBuffer transposed;
    float* t = reserve(transposed, std::size_t(m) * n);
    const auto flip = [](Trans op) { return op == Trans::No ? Trans::Yes : Trans::No; };
    OperandA op_bt;
    op_bt.trans = flip(trans_b);
    op_bt.a = b;
    op_bt.lda = ldb;
    gemm_blocked(op_bt, flip(trans_a), n, m, k, alpha, a, lda, 0.0f, t, m);
    for (int i = 0; i < m; ++i) {
      float* row = c + std::size_t(i) * ldc;
      if (beta == 0.0f)
        for (int j = 0; j < n; ++j) row[j] = t[std::size_t(j) * m + i];
      else
        for (int j = 0; j < n; ++j) row[j] = t[std::size_t(j) * m + i] + beta * row[j];
    }
    return;
  }
  OperandA op_a;
  op_a.trans = trans_a;
  op_a.a = a;
  op_a.lda = lda;
  gemm_blocked(op_a, trans_b, m, n, k, alpha, b, ldb, beta, c, ldc);
}

std::size_t gemm_packed_a_floats(int m, int k) {
  return std::size_t(round_up(m, kMR)) * std::size_t(k) + kPackSlack;
}

void gemm_pack_a_f32(Trans trans_a, int m, int k, const float* a, int lda, float* packed) {
  assert(m >= 0 && k >= 0);
  assert(lda >= std::max(1, trans_a == Trans::No ? k : m));
  if (m == 0 || k == 0) return;
  const int kc_max = balanced_block(k, kKC, 1);
  const int mc_max = balanced_block(m, kMC, kMR);
  const std::size_t m_panels = std::size_t(round_up(m, kMR));
  // In address order, so each block's slack spill lands where the next block goes.
  for (int p0 = 0; p0 < k; p0 += kc_max) {
    const int kc = std::min(kc_max, k - p0);
    for (int i0 = 0; i0 < m; i0 += mc_max)
      pack_a(trans_a, a, lda, i0, std::min(mc_max, m - i0), p0, kc,
             packed + std::size_t(p0) * m_panels + std::size_t(i0) * kc);
  }
}

void gemm_packed_a_f32(int m, int n, int k, float alpha, const float* packed_a, Trans trans_b,
                       const float* b, int ldb, float beta, float* c, int ldc) {
  assert(m >= 0 && n >= 0 && k >= 0);
  assert(ldc >= std::max(1, n));
  assert(ldb >= std::max(1, trans_b == Trans::No ? n : k));
  OperandA op_a;
  op_a.packed = packed_a;
  gemm_blocked(op_a, trans_b, m, n, k, alpha, b, ldb, beta, c, ldc);
}

GemmBlocking gemm_f32_blocking() { return {kMR, kNR, kMC, kKC, kNC}; }

}  // namespace normlab
