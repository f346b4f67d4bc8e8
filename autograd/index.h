// Differentiable indexing along a dim (kernels and rules in ops/index.h). Index tensors are i64
// and get no gradient.
#pragma once
#include "tensor/tensor.h"

namespace hg {

Tensor gather(const Tensor& x, int64_t dim, const Tensor& index);
// Out of place: x with src added at the indexed positions.
Tensor scatter_add(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src);
Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index);
Tensor index_add(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src);
// Not differentiable: an i64 tensor of shape index.shape + [num_classes].
Tensor one_hot(const Tensor& index, int64_t num_classes = -1);

}  // namespace hg
