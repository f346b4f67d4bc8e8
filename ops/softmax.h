// Softmax and log-softmax along one dim (no graph; autograd/softmax.h has the differentiable forms).
//
// Numerically stable: with m = max_k x_k,
//   softmax(x)_i     = exp(x_i − m) / Σ_k exp(x_k − m)
//   log_softmax(x)_i = x_i − m − log Σ_k exp(x_k − m)
// Sums accumulate in double. The input is viewed as [outer, D, inner] (D = size of `dim`); the
// common inner == 1 case (dim is the last, contiguous dim) walks each row directly, the general
// case processes `inner` columns at once. A 0-d input counts as a single element (softmax = 1).
#pragma once
#include "tensor/tensor.h"

namespace hg::ops {

Tensor softmax(const Tensor& x, int64_t dim);
Tensor log_softmax(const Tensor& x, int64_t dim);
// Derivatives from the forward output y:
//   softmax:     dx = y · (g − Σ_dim g·y)
//   log_softmax: dx = g − exp(y) · Σ_dim g
Tensor softmax_backward(const Tensor& grad_out, const Tensor& y, int64_t dim);
Tensor log_softmax_backward(const Tensor& grad_out, const Tensor& y, int64_t dim);

}  // namespace hg::ops
