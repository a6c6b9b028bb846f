#pragma once
// Single-precision GEMM, row-major: C[m×n] = alpha · op(A)[m×k] · op(B)[k×n] + beta · C.
// op(A) is A (lda ≥ k) or Aᵀ (A stored k×m, lda ≥ m); likewise B. beta = 0 overwrites C
// without reading it (C may hold NaN); k = 0 or alpha = 0 only scales C by beta, without
// reading A or B (as BLAS does). Packs panels into a reused per-thread workspace, so
// after warm-up a call allocates nothing. Preconditions are asserted, not thrown.
#include <cstddef>

namespace normlab {

enum class Trans { No, Yes };

void gemm_f32(Trans trans_a, Trans trans_b, int m, int n, int k, float alpha, const float* a,
              int lda, const float* b, int ldb, float beta, float* c, int ldc);

// Repeated products with the same left operand (a layer's filters applied to block after
// block of a batch) pack it once: gemm_pack_a_f32 writes op(A) (m×k) in the layout the
// micro-kernel reads, into gemm_packed_a_floats(m, k) floats, and gemm_packed_a_f32 computes
// C = alpha · A · op(B) + beta · C from it, with the conventions of gemm_f32.
std::size_t gemm_packed_a_floats(int m, int k);
void gemm_pack_a_f32(Trans trans_a, int m, int k, const float* a, int lda, float* packed);
void gemm_packed_a_f32(int m, int n, int k, float alpha, const float* packed_a, Trans trans_b,
                       const float* b, int ldb, float beta, float* c, int ldc);

// The tiling gemm_f32 was compiled with: an mr×nr register tile, cache blocks of at most
// mc rows × kc depth × nc columns. Tests aim shapes at these edges; benches print them.
struct GemmBlocking {
  int mr, nr, mc, kc, nc;
};
GemmBlocking gemm_f32_blocking();

}  // namespace normlab
