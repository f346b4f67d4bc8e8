// Differentiable 2-D pooling (see ops/pool.h for the definitions, output sizes and errors).
#pragma once
#include "autograd/reduce.h"  // MaxResult
#include "ops/pool.h"         // Size2
#include "tensor/tensor.h"

namespace hg {

// values are differentiable (the gradient goes to the argmax of each window); indices are i64 flat
// positions in the input plane. stride 0 = kernel.
MaxResult max_pool2d(const Tensor& x, Size2 kernel, Size2 stride = 0, Size2 padding = 0, Size2 dilation = 1,
                     bool ceil_mode = false);
Tensor avg_pool2d(const Tensor& x, Size2 kernel, Size2 stride = 0, Size2 padding = 0, bool ceil_mode = false,
                  bool count_include_pad = true);
Tensor adaptive_avg_pool2d(const Tensor& x, int64_t out_h, int64_t out_w);

}  // namespace hg
