// Differentiable linear algebra.
#pragma once
#include "tensor/tensor.h"

namespace hg {

// torch.matmul semantics: 1-D operands are promoted to a row (left) or column (right) vector and
// the added dim removed afterwards; batch dims broadcast.
Tensor matmul(const Tensor& a, const Tensor& b);
Tensor bmm(const Tensor& a, const Tensor& b);  // strictly [B, n, k] @ [B, k, m]
// x [..., in] @ w[out, in]^T + bias[out] (bias may be undefined)
Tensor linear(const Tensor& x, const Tensor& w, const Tensor& bias = Tensor());
Tensor det3(const Tensor& a);      // [..., 3, 3] -> [...]
Tensor inverse3(const Tensor& a);  // [..., 3, 3]
Tensor cross(const Tensor& a, const Tensor& b, int64_t dim = -1);

}  // namespace hg
