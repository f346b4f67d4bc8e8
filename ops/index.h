// Indexing along one dim with i64 index tensors (torch.gather / scatter_add / index_select /
// index_add / one_hot semantics), no graph. Indices must lie in [0, size); an index out of range
// throws std::invalid_argument naming the index and the size. Accumulating kernels add in index
// order (each output line is owned by one thread), so results never depend on the thread count.
#pragma once
#include "tensor/tensor.h"

namespace hg::ops {

// out[..., k, ...] = x[..., index[..., k, ...], ...] along `dim`; out has index's shape.
// index has x's number of dims and index.size(d) <= x.size(d) for d != dim.
Tensor gather(const Tensor& x, int64_t dim, const Tensor& index);
// A copy of x with src[p] added at x[p with p[dim] replaced by index[p]] for every position p of
// index; index.size(d) <= src.size(d) for every d and <= x.size(d) for d != dim.
Tensor scatter_add(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src);
// out = x with dim resized to index.numel(): out.select(dim, k) = x.select(dim, index[k]); index 1-D.
Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index);
// A copy of x with src.select(dim, k) added to x.select(dim, index[k]); src = x's shape with
// dim resized to index.numel().
Tensor index_add(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src);
// i64 tensor of shape index.shape + [num_classes] with a 1 at each index (num_classes = -1: max + 1).
Tensor one_hot(const Tensor& index, int64_t num_classes = -1);

}  // namespace hg::ops
