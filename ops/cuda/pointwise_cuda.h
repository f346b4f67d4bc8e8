// CUDA paths of the element-wise ops of ops/pointwise.h that are not a plain map() (those run
// through ops/map.h): called by ops/cpu/pointwise.cpp after its checks. No CUDA headers.
#pragma once
#include "tensor/tensor.h"

namespace hg::cuda {

// out[i] = fn::Where{}(cond[i], a[i], b[i]); cond bool, a/b of out's dtype, all of out's shape. Returns out.
Tensor where_into(const Tensor& out, const Tensor& cond, const Tensor& a, const Tensor& b);
// dst[i] = value converted to dst's dtype (the rules of ops::copy_), any strides.
void fill(const Tensor& dst, double value);

}  // namespace hg::cuda
