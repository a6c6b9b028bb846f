#pragma once
// Elementwise kernels over contiguous float arrays of length n. Backward kernels ASSIGN
// dx. y and x may alias in forward kernels; dx and dy may alias in backward kernels.
#include <cstddef>
#include <cstdint>

namespace normlab {

void relu_f32(const float* x, float* y, std::size_t n);
void relu_backward_f32(const float* x, const float* dy, float* dx, std::size_t n);
// relu_f32 that also sets bit i of bits (bit i % 32 of word i / 32) to x[i] > 0: all its
// backward needs, in a 32nd of the space. bits holds (n + 31) / 32 words.
void relu_bits_f32(const float* x, float* y, uint32_t* bits, std::size_t n);
// dx[i] = dy[i] where bit i is set, else 0.
void relu_backward_bits_f32(const uint32_t* bits, const float* dy, float* dx, std::size_t n);
void leaky_relu_f32(const float* x, float* y, std::size_t n, float slope);
void leaky_relu_backward_f32(const float* x, const float* dy, float* dx, std::size_t n,
                             float slope);
// GELU, tanh form: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), as PyTorch approximate='tanh'.
void gelu_tanh_f32(const float* x, float* y, std::size_t n);
void gelu_tanh_backward_f32(const float* x, const float* dy, float* dx, std::size_t n);
void silu_f32(const float* x, float* y, std::size_t n);  // x·σ(x)
void silu_backward_f32(const float* x, const float* dy, float* dx, std::size_t n);
void sigmoid_f32(const float* x, float* y, std::size_t n);
// Uses the forward OUTPUT y: dx = dy·y·(1−y).
void sigmoid_backward_f32(const float* y, const float* dy, float* dx, std::size_t n);

// y[i] = x[i]·scale + shift
void scale_shift_f32(const float* x, float* y, std::size_t n, float scale, float shift);
// y[i] = a[i] + b[i]
void add_f32(const float* a, const float* b, float* y, std::size_t n);
// y[i] = a[i]·b[i]
void mul_f32(const float* a, const float* b, float* y, std::size_t n);
// y[i] += alpha·x[i]
void axpy_f32(std::size_t n, float alpha, const float* x, float* y);
// Σ x[i], accumulated in double.
double sum_f32(const float* x, std::size_t n);
// Σ x[i]·y[i], accumulated in double.
double dot_f32(const float* x, const float* y, std::size_t n);
// Σ x[i]², accumulated in double.
double sum_squares_f32(const float* x, std::size_t n);

// Per-channel bias on (N,C,plane): y[n,c,:] += bias[c].
void add_channel_bias_f32(float* y, const float* bias, int n, int c, std::size_t plane);
// dbias[c] += Σ_{n,p} dy[n,c,p] (accumulated in double per channel, then added).
void channel_sum_f32(const float* dy, int n, int c, std::size_t plane, float* dbias);

}  // namespace normlab
