// Differentiable shape functions: views (sharing storage) and joins.
#pragma once
#include <vector>

#include "tensor/tensor.h"

namespace hg {

Tensor reshape(const Tensor& x, const Shape& sizes);  // view when possible, else a copy
Tensor view(const Tensor& x, const Shape& sizes);     // never copies; throws when impossible
Tensor flatten(const Tensor& x, int64_t start_dim = 0, int64_t end_dim = -1);
Tensor squeeze(const Tensor& x, int64_t dim);
Tensor unsqueeze(const Tensor& x, int64_t dim);
Tensor permute(const Tensor& x, const std::vector<int64_t>& dims);
Tensor transpose(const Tensor& x, int64_t dim0, int64_t dim1);
Tensor narrow(const Tensor& x, int64_t dim, int64_t start, int64_t length);
Tensor slice(const Tensor& x, int64_t dim, int64_t start, int64_t end, int64_t step = 1);
Tensor select(const Tensor& x, int64_t dim, int64_t index);
Tensor expand(const Tensor& x, const Shape& sizes);
Tensor contiguous(const Tensor& x);
Tensor to_dtype(const Tensor& x, DType dtype);  // the gradient flows back in the source dtype
Tensor cat(const std::vector<Tensor>& xs, int64_t dim = 0);
Tensor stack(const std::vector<Tensor>& xs, int64_t dim = 0);
// Pieces of `size` along dim (the last may be smaller) / `chunks` nearly equal pieces.
std::vector<Tensor> split(const Tensor& x, int64_t size, int64_t dim = 0);
std::vector<Tensor> chunk(const Tensor& x, int64_t chunks, int64_t dim = 0);

}  // namespace hg
