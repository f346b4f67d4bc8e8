// CUDA softmax / log_softmax and backwards (ops/cuda/softmax.cpp + softmax.cu), the contract of
// ops/softmax.h. Called by the CPU ops after their checks, with `dim` already wrapped. No CUDA headers.
#pragma once
#include "tensor/tensor.h"

namespace hg::cuda {

Tensor softmax_forward(const Tensor& x, int64_t dim, bool log);
Tensor softmax_backward(const Tensor& grad_out, const Tensor& y, int64_t dim, bool log);

}  // namespace hg::cuda
