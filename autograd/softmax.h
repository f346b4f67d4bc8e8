// Differentiable softmax and log-softmax along one dim (fused kernels in ops/softmax.h).
#pragma once
#include "tensor/tensor.h"

namespace hg {

Tensor softmax(const Tensor& x, int64_t dim);
Tensor log_softmax(const Tensor& x, int64_t dim);

}  // namespace hg
