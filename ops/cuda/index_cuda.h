// CUDA paths of ops/index.h, called by ops/cpu/index.cpp after its shape, dtype and range checks
// (so the errors are the CPU's). No CUDA headers.
#pragma once
#include <optional>

#include "tensor/tensor.h"

namespace hg::cuda {

// The first value (row-major order) of an i64 index outside [lo, hi), if any: one read back.
std::optional<int64_t> first_index_outside(const Tensor& index, int64_t lo, int64_t hi);

Tensor gather(const Tensor& x, int64_t dim, const Tensor& index);
Tensor scatter_add(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src);
Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index, const Shape& out_shape);
Tensor index_add(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src);
Tensor one_hot(const Tensor& index, int64_t num_classes);  // num_classes resolved and checked

}  // namespace hg::cuda
