// gemm_f32 against the double reference of tests/reference/kernels.hpp: all four
// transposes, shapes around the SIMD width, the register tile and every cache block,
// leading dimensions larger than needed, alpha/beta variants and beta = 0 over NaN.
//
// Tolerance: |got − ref| ≤ (k + 3)·u·(|alpha|·Σ_p|a·b| + |beta·c|), u = 2⁻²⁴. This is the
// classical worst-case bound for a float dot product of length k in any summation order
// (products and sums each round once, at most k levels deep), plus the roundings of the
// alpha and beta terms. It scales with k as the error does, and it is still far tighter
// than any indexing or packing bug (a missing or misplaced product moves an entry by ~|a·b|).
#include "core/kernels/gemm.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "core/kernels/simd.hpp"
#include "core/rng.hpp"
#include "reference/kernels.hpp"

namespace {

using namespace normlab;
constexpr double u = 1.0 / 16777216.0;  // 2⁻²⁴
const float kNaN = std::numeric_limits<float>::quiet_NaN();

struct GemmCase {
  Trans ta = Trans::No, tb = Trans::No;
  int m = 1, n = 1, k = 1;
  int pad_a = 0, pad_b = 0, pad_c = 0;  // leading dimension minus its minimum
  float alpha = 1.0f, beta = 0.0f;
  bool prepack = false;  // A through gemm_pack_a_f32 + gemm_packed_a_f32

  std::string str() const {
    std::ostringstream out;
    out << (prepack ? "packed A, " : "") << (ta == Trans::No ? 'N' : 'T')
        << (tb == Trans::No ? 'N' : 'T') << " m=" << m
        << " n=" << n << " k=" << k << " lda+" << pad_a << " ldb+" << pad_b << " ldc+" << pad_c
        << " alpha=" << alpha << " beta=" << beta;
    return out.str();
  }
};

// Stored matrix rows × cols with row stride ld: logical entries random in [-1, 1), the
// padding NaN, so a kernel that reads past the logical columns produces NaN and fails.
std::vector<float> padded_matrix(int rows, int cols, int ld, Rng& rng) {
  std::vector<float> v(std::size_t(std::max(rows, 1)) * ld, kNaN);
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < cols; ++c) v[std::size_t(r) * ld + c] = rng.uniform(-1.0f, 1.0f);
  return v;
}

// Runs one case and checks every entry of C: inside the m×n block against the reference,
// outside it (the ldc padding) unchanged bit for bit.
void check_gemm(const GemmCase& g, uint64_t seed) {
  INFO("seed " << seed << ": " << g.str());
  Rng rng(seed, 9);
  const int a_rows = g.ta == Trans::No ? g.m : g.k, a_cols = g.ta == Trans::No ? g.k : g.m;
  const int b_rows = g.tb == Trans::No ? g.k : g.n, b_cols = g.tb == Trans::No ? g.n : g.k;
  const int lda = std::max(a_cols, 1) + g.pad_a, ldb = std::max(b_cols, 1) + g.pad_b;
  const int ldc = std::max(g.n, 1) + g.pad_c;
  auto a = padded_matrix(a_rows, a_cols, lda, rng);
  auto b = padded_matrix(b_rows, b_cols, ldb, rng);
  auto c = padded_matrix(g.m, g.n, ldc, rng);
  if (g.beta == 0.0f)
    for (auto& v : c) v = kNaN;  // beta = 0 must not read C at all
  const std::vector<float> c0 = c;

  auto want = ref::gemm(g.ta, g.tb, g.m, g.n, g.k, g.alpha, a.data(), lda, b.data(), ldb, g.beta,
                        c0.data(), ldc, c0.size());
  auto mag = ref::gemm_magnitude(g.ta, g.tb, g.m, g.n, g.k, g.alpha, a.data(), lda, b.data(), ldb,
                                 g.beta, c0.data(), ldc, c0.size());
  if (g.prepack) {
    // NaN where the packing may leave slack, so reading past it would show.
    std::vector<float> packed(gemm_packed_a_floats(g.m, g.k), kNaN);
    gemm_pack_a_f32(g.ta, g.m, g.k, a.data(), lda, packed.data());
    gemm_packed_a_f32(g.m, g.n, g.k, g.alpha, packed.data(), g.tb, b.data(), ldb, g.beta,
                      c.data(), ldc);
  } else {
    gemm_f32(g.ta, g.tb, g.m, g.n, g.k, g.alpha, a.data(), lda, b.data(), ldb, g.beta, c.data(),
             ldc);
  }

  for (int i = 0; i < g.m; ++i)
    for (int j = 0; j < ldc; ++j) {
      std::size_t at = std::size_t(i) * ldc + j;
      if (j >= g.n) {
        INFO("padding of C changed at row " << i << ", column " << j);
        REQUIRE(std::memcmp(&c[at], &c0[at], sizeof(float)) == 0);
        continue;
      }
      double tol = (g.k + 3) * u * mag[at] + 1e-30;
      if (!(std::fabs(double(c[at]) - want[at]) <= tol)) {
        INFO("C[" << i << "][" << j << "]: got " << c[at] << ", want " << want[at] << ", tolerance "
                  << tol);
        REQUIRE(std::fabs(double(c[at]) - want[at]) <= tol);
      }
    }
}

constexpr Trans kTrans[2] = {Trans::No, Trans::Yes};

// Sizes a tile or block boundary can fall on: 1, primes, W−1..2W+1, MR and NR ±1.
std::vector<int> edge_sizes() {
  const GemmBlocking blk = gemm_f32_blocking();
  const int W = kSimdWidth;
  std::vector<int> s = {1,
                        2,
                        3,
                        5,
                        7,
                        13,
                        W + 1,
                        2 * W,
                        2 * W + 1,
                        blk.mr - 1,
                        blk.mr,
                        blk.mr + 1,
                        2 * blk.mr + 1,
                        blk.nr - 1,
                        blk.nr,
                        blk.nr + 1,
                        2 * blk.nr + 1,
                        31};
  if (W > 1) s.push_back(W - 1);
  s.erase(std::remove_if(s.begin(), s.end(), [](int v) { return v < 1; }), s.end());
  return s;
}

}  // namespace

TEST_CASE("gemm matches the reference on seeded random shapes in all four transposes",
          "[kernels][gemm]") {
  const float alphas[] = {1.0f, -0.5f, 2.25f};
  const float betas[] = {0.0f, 1.0f, -0.7f};
  for (Trans ta : kTrans)
    for (Trans tb : kTrans) {
      Rng rng(1000 + 2 * int(ta) + int(tb), 1);
      for (int t = 0; t < 60; ++t) {
        GemmCase g;
        g.ta = ta;
        g.tb = tb;
        g.m = 1 + int(rng.below(150));
        g.n = 1 + int(rng.below(150));
        g.k = int(rng.below(300));
        g.pad_a = int(rng.below(3)) * int(rng.below(6));  // often 0, sometimes a few
        g.pad_b = int(rng.below(3)) * int(rng.below(6));
        g.pad_c = int(rng.below(3)) * int(rng.below(6));
        g.alpha = alphas[rng.below(3)];
        g.beta = betas[rng.below(3)];
        check_gemm(g, 5000 + 100 * (2 * int(ta) + int(tb)) + t);
      }
    }
}

TEST_CASE("gemm handles every edge tile: m, n, k around W, MR, NR and primes", "[kernels][gemm]") {
  const auto sizes = edge_sizes();
  Rng rng(2024, 2);
  int t = 0;
  // Every m × n pair of edge sizes, with k and the transposes drawn per case.
  for (int m : sizes)
    for (int n : sizes) {
      GemmCase g;
      g.m = m;
      g.n = n;
      g.k = sizes[rng.below(uint32_t(sizes.size()))];
      g.ta = kTrans[rng.below(2)];
      g.tb = kTrans[rng.below(2)];
      g.pad_a = int(rng.below(2)) * 3;
      g.pad_c = int(rng.below(2)) * 5;
      g.beta = t % 2 ? 0.5f : 0.0f;
      check_gemm(g, 6000 + t++);
    }
}

TEST_CASE("gemm's thin products match the reference: small C computed transposed, shallow B read in place",
          "[kernels][gemm]") {
  // The one-channel convolutions' shapes and their neighbours: n = 9 taps on 8- or 16-wide
  // tiles (computed transposed), k = 9 (B read in place, with and without row padding).
  int t = 0;
  for (int m : {8, 9, 32, 33})
    for (float beta : {0.0f, 1.0f, -0.5f}) {
      check_gemm(GemmCase{Trans::No, Trans::Yes, m, 9, 784, 0, 0, 0, 1.0f, beta}, 8000 + t++);
      check_gemm(GemmCase{Trans::Yes, Trans::No, m, 9, 130, 2, 1, 3, -0.5f, beta}, 8000 + t++);
      check_gemm(GemmCase{Trans::No, Trans::No, m, 784, 9, 0, 0, 0, 1.0f, beta}, 8000 + t++);
      check_gemm(GemmCase{Trans::No, Trans::No, m, 37, 31, 1, 4, 2, 2.0f, beta}, 8000 + t++);
      check_gemm(GemmCase{Trans::Yes, Trans::No, 9, 784, m, 3, 5, 0, 1.0f, beta}, 8000 + t++);
    }
}

TEST_CASE("gemm is correct across cache-block boundaries in m, k and n", "[kernels][gemm]") {
  const GemmBlocking blk = gemm_f32_blocking();
  int t = 0;
  for (Trans ta : kTrans)
    for (Trans tb : kTrans) {
      // k spanning 1, 2 and 3 depth blocks (the first applies beta, later ones add).
      for (int k : {blk.kc, blk.kc + 1, 2 * blk.kc + 3}) {
        GemmCase g{ta, tb, blk.mr + 1, blk.nr + 3, k, 1, 2, 0, 1.0f, t % 2 ? -1.5f : 0.0f};
        check_gemm(g, 7000 + t++);
      }
      // m spanning several row blocks (the packed B block is reused across them); m·n above
      // the size gemm computes transposed.
      for (int m : {blk.mc, blk.mc + 1, 2 * blk.mc + blk.mr + 1}) {
        GemmCase g{ta, tb, m, 141, 9, 0, 0, 3, 0.75f, t % 2 ? 1.0f : 0.0f};
        check_gemm(g, 7000 + t++);
      }
      // n spanning two column blocks.
      GemmCase g{ta, tb, 2, blk.nc + 5, 3, 1, 1, 1, 1.0f, 0.25f};
      check_gemm(g, 7000 + t++);
    }
}

TEST_CASE("gemm matches the reference on the conv and dense shapes of the presets",
          "[kernels][gemm]") {
  struct Shape {
    int oc, K, P;
  };
  // Per-sample conv lowering (oc, K = ic·3·3, P = out_h·out_w) in its three GEMM forms.
  const Shape convs[] = {{8, 9, 784}, {16, 72, 196}, {32, 9, 784}, {64, 288, 196}};
  int t = 0;
  for (const Shape& s : convs) {
    check_gemm({Trans::No, Trans::No, s.oc, s.P, s.K}, 8000 + t++);           // Y = W·cols
    check_gemm({Trans::Yes, Trans::No, s.K, s.P, s.oc}, 8000 + t++);          // dcols = Wᵀ·dY
    check_gemm({Trans::No, Trans::Yes, s.oc, s.K, s.P, 0, 0, 0, 1.0f, 1.0f},  // dW += dY·colsᵀ
               8000 + t++);
  }
  // A dense layer on a batch of 16 (the presets use 64; 16 keeps the reference quick).
  check_gemm({Trans::No, Trans::Yes, 16, 40, 784}, 8000 + t++);                       // Y = X·Wᵀ
  check_gemm({Trans::No, Trans::No, 16, 784, 40}, 8000 + t++);                        // dX = dY·W
  check_gemm({Trans::Yes, Trans::No, 40, 784, 16, 0, 0, 0, 1.0f, 1.0f}, 8000 + t++);  // dW += dYᵀ·X
}

TEST_CASE("gemm with A packed once matches the reference, across blocks, in both transposes",
          "[kernels][gemm]") {
  const GemmBlocking blk = gemm_f32_blocking();
  Rng rng(4100, 6);
  int t = 0;
  for (Trans ta : kTrans)
    for (Trans tb : kTrans) {
      for (int i = 0; i < 20; ++i) {
        GemmCase g{ta, tb, 1 + int(rng.below(150)), 1 + int(rng.below(150)), int(rng.below(300))};
        g.pad_a = int(rng.below(2)) * 3;
        g.beta = i % 3 == 0 ? 0.0f : 0.5f;
        g.prepack = true;
        check_gemm(g, 4200 + t++);
      }
      // Several k slices and row blocks: the packed layout's block offsets.
      GemmCase g{ta, tb, 2 * blk.mc + blk.mr + 1, blk.nr + 3, 2 * blk.kc + 3, 1, 2, 0, 1.0f, 0.0f};
      g.prepack = true;
      check_gemm(g, 4200 + t++);
    }
}

TEST_CASE("gemm with A packed once gives gemm_f32's result bit for bit", "[kernels][gemm]") {
  // Same blocking, same order of operations: the layers may switch between the two freely.
  Rng rng(4300, 8);
  const int m = 131, n = 45, k = 300;
  auto a = padded_matrix(m, k, k, rng), b = padded_matrix(k, n, n, rng);
  std::vector<float> plain(std::size_t(m) * n), packed_c(std::size_t(m) * n);
  std::vector<float> packed(gemm_packed_a_floats(m, k));
  gemm_f32(Trans::No, Trans::No, m, n, k, 1.0f, a.data(), k, b.data(), n, 0.0f, plain.data(), n);
  gemm_pack_a_f32(Trans::No, m, k, a.data(), k, packed.data());
  gemm_packed_a_f32(m, n, k, 1.0f, packed.data(), Trans::No, b.data(), n, 0.0f, packed_c.data(), n);
  REQUIRE(plain == packed_c);
}

TEST_CASE("gemm with k = 0 or alpha = 0 scales C by beta, and beta = 0 clears NaN",
          "[kernels][gemm]") {
  for (Trans ta : kTrans)
    for (Trans tb : kTrans) {
      check_gemm({ta, tb, 7, 19, 0, 0, 0, 2, 1.0f, 0.0f}, 9001);   // C = 0, even over NaN
      check_gemm({ta, tb, 7, 19, 0, 0, 0, 2, 1.0f, -2.0f}, 9002);  // C = −2·C
      check_gemm({ta, tb, 5, 3, 4, 0, 0, 0, 0.0f, 0.5f}, 9003);    // alpha = 0: C = C/2
    }
  // alpha = 0 does not read A or B (BLAS semantics): NaN there does not reach C.
  std::vector<float> a(12, kNaN), b(12, kNaN), c(9, 1.0f);
  gemm_f32(Trans::No, Trans::No, 3, 3, 4, 0.0f, a.data(), 4, b.data(), 3, 2.0f, c.data(), 3);
  for (float v : c) REQUIRE(v == 2.0f);
}

TEST_CASE("gemm with m = 0 or n = 0 leaves C untouched", "[kernels][gemm]") {
  std::vector<float> a(16, 1.0f), b(16, 1.0f), c(16, 3.0f);
  gemm_f32(Trans::No, Trans::No, 0, 4, 4, 1.0f, a.data(), 4, b.data(), 4, 0.0f, c.data(), 4);
  gemm_f32(Trans::No, Trans::No, 4, 0, 4, 1.0f, a.data(), 4, b.data(), 1, 0.0f, c.data(), 1);
  for (float v : c) REQUIRE(v == 3.0f);
}

TEST_CASE("gemm gives the same result after its workspace grew and shrank", "[kernels][gemm]") {
  // The packing buffers are reused across calls; a large call in between must not change
  // what a small call computes (bitwise: same blocking, same operation order).
  Rng rng(31, 4);
  auto a = padded_matrix(9, 37, 37, rng), b = padded_matrix(37, 23, 23, rng);
  std::vector<float> first(9 * 23), again(9 * 23);
  gemm_f32(Trans::No, Trans::No, 9, 23, 37, 1.0f, a.data(), 37, b.data(), 23, 0.0f, first.data(),
           23);
  auto big_a = padded_matrix(300, 600, 600, rng), big_b = padded_matrix(600, 200, 200, rng);
  std::vector<float> big_c(300 * 200);
  gemm_f32(Trans::No, Trans::No, 300, 200, 600, 1.0f, big_a.data(), 600, big_b.data(), 200, 0.0f,
           big_c.data(), 200);
  gemm_f32(Trans::No, Trans::No, 9, 23, 37, 1.0f, a.data(), 37, b.data(), 23, 0.0f, again.data(),
           23);
  REQUIRE(first == again);
}
