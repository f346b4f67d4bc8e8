// Views and copies of tensors, with no graph (the differentiable versions are in autograd/).
// A view shares storage with its source; writing through one is visible through the other.
#pragma once
#include "tensor/tensor.h"

namespace hg::ops {

Tensor as_strided(const Tensor& t, const Shape& sizes, const Shape& strides, int64_t offset);
// Same data, new shape; one size may be -1. Throws if the strides cannot express it without a copy.
Tensor view(const Tensor& t, Shape sizes);
// view() when possible, otherwise a contiguous copy.
Tensor reshape(const Tensor& t, Shape sizes);
Tensor flatten(const Tensor& t, int64_t start_dim = 0, int64_t end_dim = -1);
Tensor squeeze(const Tensor& t);               // drops every size-1 dim
Tensor squeeze(const Tensor& t, int64_t dim);  // drops `dim` if its size is 1
Tensor unsqueeze(const Tensor& t, int64_t dim);
Tensor permute(const Tensor& t, const std::vector<int64_t>& dims);
Tensor transpose(const Tensor& t, int64_t dim0, int64_t dim1);
Tensor narrow(const Tensor& t, int64_t dim, int64_t start, int64_t length);
// Python-style t[start:end:step] along dim (negative start/end count from the end; clamped).
Tensor slice(const Tensor& t, int64_t dim, int64_t start, int64_t end, int64_t step = 1);
Tensor select(const Tensor& t, int64_t dim, int64_t index);
// Broadcast to `sizes` with zero strides (-1 keeps a size). Throws naming both shapes.
Tensor expand(const Tensor& t, const Shape& sizes);

// Copy of src into dst (src is broadcast to dst's shape, converted to dst's dtype).
void copy_(const Tensor& dst, const Tensor& src);
Tensor contiguous(const Tensor& t);  // t itself when already contiguous
Tensor clone(const Tensor& t);       // always a fresh contiguous copy
Tensor to_dtype(const Tensor& t, DType dtype);  // t itself when the dtype already matches
Tensor to_device(const Tensor& t, Device device);

}  // namespace hg::ops
