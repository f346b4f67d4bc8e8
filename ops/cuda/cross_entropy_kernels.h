// Launchers of the cross-entropy kernels (ops/cuda/cross_entropy.cu): contiguous logits of a
// floating dtype viewed as [N, C, S], i64 targets, f64 per-position buffers. No CUDA types.
#pragma once
#include <cstdint>

#include "tensor/dtype_code.h"

namespace hg::cuda {

struct CrossEntropyShape {
  int64_t n, c, s;
  int64_t ignore_index;
  double eps;  // label smoothing
};

// Per position p: lse[p] = log Σ_c exp(x_c); loss[p] = (1 − ε)(lse − x_t) + ε(lse − mean_c x_c), 0 if ignored.
void launch_cross_entropy_forward(const void* logits, DType dtype, const int64_t* target, double* loss, double* lse,
                                  const CrossEntropyShape& s, int device);
// out[0] = Σ_p loss[p] (fixed tree, double), divided by `count` when mean (0/0 = NaN), stored as dtype.
void launch_cross_entropy_reduce(const double* loss, int64_t n, bool mean, int64_t count, void* out, DType dtype,
                                 int device);
// dx = w_p (softmax_c − (1 − ε)[c == t] − ε/C), 0 at ignored positions; w_p = grad[p] (per_position)
// or grad[0] / count (mean) or grad[0] (sum). grad is f64 device memory.
void launch_cross_entropy_backward(void* dx, const void* logits, DType dtype, const int64_t* target,
                                   const double* lse, const double* grad, bool per_position, bool mean,
                                   int64_t count, const CrossEntropyShape& s, int device);

}  // namespace hg::cuda
