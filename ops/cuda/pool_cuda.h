// CUDA 2-D pooling (ops/cuda/pool.cpp + pool.cu): the contract of ops/pool.h, with the CPU op's
// checks and messages, the same tie/NaN rule and index convention for max pooling, the same
// divisors for average pooling, and backwards that sum in the CPU's order (no atomics), so results
// are deterministic. Called by the ops of ops/pool.h through HG_ON_CUDA. No CUDA headers.
#pragma once
#include "ops/pool.h"

namespace hg::cuda {

ops::ValuesIndices max_pool2d(const Tensor& x, Size2 kernel, Size2 stride, Size2 padding, Size2 dilation,
                              bool ceil_mode);
Tensor max_pool2d_backward(const Tensor& gy, const Tensor& indices, const Shape& input_sizes);
Tensor avg_pool2d(const Tensor& x, Size2 kernel, Size2 stride, Size2 padding, bool ceil_mode, bool count_include_pad);
Tensor avg_pool2d_backward(const Tensor& gy, const Shape& input_sizes, Size2 kernel, Size2 stride, Size2 padding,
                           bool ceil_mode, bool count_include_pad);
Tensor adaptive_avg_pool2d(const Tensor& x, int64_t out_h, int64_t out_w);
Tensor adaptive_avg_pool2d_backward(const Tensor& gy, const Shape& input_sizes);

}  // namespace hg::cuda
