#pragma once
// Normalization statistics and the fused normalize / backward passes, for the four ways the
// norm layers group an NCHW tensor x: (N,C,plane), plane = H·W:
//   channel: statistic c       over the N·plane values x[:,c,:]             (BatchNorm)
//   group:   statistic (n,g)   over the (C/G)·plane contiguous values      (GroupNorm)
//   sample:  statistic n       over the C·plane values, affine per element (LayerNorm over C×H×W)
//   pixel:   statistic (n,p)   over the C values x[n,:,p], stride plane    (LayerNorm across C)
//
// Every statistic is a mean and a BIASED variance; M is the number of values it covers.
// Forward:  y  = x̂·γ + β,  x̂ = (x − mean)·rstd,  rstd = 1/√(var + eps) (computed by the caller).
// Backward: with dŷ = dy·γ, the *_grad_sums kernels ASSIGN per statistic
//   sum_gdy = Σ dŷ   and   sum_gdy_xhat = Σ dŷ·x̂,
// and ADD the parameter gradients Σ dy·x̂ into dgamma and Σ dy into dbeta (either may be null);
// the *_normalize_backward kernels then ASSIGN dx = rstd·(dŷ − sum_gdy/M − x̂·sum_gdy_xhat/M),
// the closed form for statistics computed from x itself.
// gamma and beta are never null (a layer without affine passes ones and zeros). y may alias x,
// dx may alias dy. Sums accumulate in double or in short float partials flushed to double:
// float sums over N·H·W values drift. No kernel allocates per call, throws, or knows a layer.
#include <cstddef>
#include <vector>

namespace normlab {

struct NormDims {
  int n = 0, c = 0;
  std::size_t plane = 1;  // H·W
};

// What a norm layer's last forward normalized with, read by probes. Entry s of each vector
// belongs to statistic s in the layer's layout (documented by each layer).
struct NormStats {
  std::vector<float> mean, var, rstd;  // var is biased; rstd = 1/√(var + eps)
  std::size_t values_per_statistic = 0;
};

// Per channel. mean, var, rstd, gamma, beta, sums, dgamma, dbeta: [C].
void channel_moments_f32(const NormDims& d, const float* x, float* mean, float* var);
void channel_normalize_f32(const NormDims& d, const float* x, const float* mean,
                           const float* rstd, const float* gamma, const float* beta, float* y);
void channel_grad_sums_f32(const NormDims& d, const float* x, const float* dy, const float* mean,
                           const float* rstd, const float* gamma, float* sum_gdy,
                           float* sum_gdy_xhat, float* dgamma, float* dbeta);
void channel_normalize_backward_f32(const NormDims& d, const float* x, const float* dy,
                                    const float* mean, const float* rstd, const float* gamma,
                                    const float* sum_gdy, const float* sum_gdy_xhat, float* dx);
// Statistics held constant (BatchNorm in eval mode): the affine map's own backward,
// dx = dy·γ[c]·rstd[c]. ASSIGNS dx.
void channel_scale_backward_f32(const NormDims& d, const float* dy, const float* rstd,
                                const float* gamma, float* dx);

// Per group; groups divides C. mean, var, rstd, sums: [N·groups]; gamma, beta, dgamma, dbeta: [C].
void group_moments_f32(const NormDims& d, int groups, const float* x, float* mean, float* var);
void group_normalize_f32(const NormDims& d, int groups, const float* x, const float* mean,
                         const float* rstd, const float* gamma, const float* beta, float* y);
void group_grad_sums_f32(const NormDims& d, int groups, const float* x, const float* dy,
                         const float* mean, const float* rstd, const float* gamma,
                         float* sum_gdy, float* sum_gdy_xhat, float* dgamma, float* dbeta);
void group_normalize_backward_f32(const NormDims& d, int groups, const float* x,
                                  const float* dy, const float* mean, const float* rstd,
                                  const float* gamma, const float* sum_gdy,
                                  const float* sum_gdy_xhat, float* dx);

// Per sample, affine per element. Moments: group_moments_f32 with groups = 1.
// mean, rstd, sums: [N]; gamma, beta, dgamma, dbeta: [C·plane].
void sample_normalize_f32(const NormDims& d, const float* x, const float* mean, const float* rstd,
                          const float* gamma, const float* beta, float* y);
void sample_grad_sums_f32(const NormDims& d, const float* x, const float* dy, const float* mean,
                          const float* rstd, const float* gamma, float* sum_gdy,
                          float* sum_gdy_xhat, float* dgamma, float* dbeta);
void sample_normalize_backward_f32(const NormDims& d, const float* x, const float* dy,
                                   const float* mean, const float* rstd, const float* gamma,
                                   const float* sum_gdy, const float* sum_gdy_xhat, float* dx);

// Per pixel, vectorized across pixels. mean, var, rstd, sums: [N·plane] (index n·plane + p);
// gamma, beta, dgamma, dbeta: [C].
void pixel_moments_f32(const NormDims& d, const float* x, float* mean, float* var);
void pixel_normalize_f32(const NormDims& d, const float* x, const float* mean, const float* rstd,
                         const float* gamma, const float* beta, float* y);
void pixel_grad_sums_f32(const NormDims& d, const float* x, const float* dy, const float* mean,
                         const float* rstd, const float* gamma, float* sum_gdy,
                         float* sum_gdy_xhat, float* dgamma, float* dbeta);
void pixel_normalize_backward_f32(const NormDims& d, const float* x, const float* dy,
                                  const float* mean, const float* rstd, const float* gamma,
                                  const float* sum_gdy, const float* sum_gdy_xhat, float* dx);

}  // namespace normlab
