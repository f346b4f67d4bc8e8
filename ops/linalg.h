// Linear algebra (no graph): matrix products on Eigen's GEMM and small batched 3x3 helpers.
#pragma once
#include "tensor/tensor.h"

namespace hg::ops {

// a [..., n, k] @ b [..., k, m] -> [..., n, m]; the batch dims broadcast. Both need >= 2 dims
// (the autograd layer adds torch's 1-D rules). f32/f64; f16/bf16 compute in f32.
Tensor matmul(const Tensor& a, const Tensor& b);
// x [..., in] @ w[out, in]^T (+ bias[out]) -> [..., out]
Tensor linear(const Tensor& x, const Tensor& w, const Tensor& bias);

// Batched 3x3 helpers on [..., 3, 3] (and [..., 3] for cross).
Tensor det3(const Tensor& a);        // [...]
Tensor inverse3(const Tensor& a);    // [..., 3, 3]; throws on a singular matrix naming its batch index
Tensor cofactor3(const Tensor& a);   // C with det(A) A^-1 = C^T (defined for singular A too)
Tensor cross(const Tensor& a, const Tensor& b, int64_t dim = -1);  // size-3 dim, broadcasting

}  // namespace hg::ops
