// Reductions (no graph). `dims` empty = all dims; negative dims count from the end.
// Floating sums accumulate in double, in a fixed order, so results do not depend on the thread count.
#pragma once
#include <vector>

#include "tensor/tensor.h"

namespace hg::ops {

using Dims = std::vector<int64_t>;

Tensor sum(const Tensor& x, const Dims& dims = {}, bool keepdim = false);
Tensor mean(const Tensor& x, const Dims& dims = {}, bool keepdim = false);
// Variance with `correction` (1 = unbiased, 0 = population).
Tensor var(const Tensor& x, const Dims& dims = {}, int64_t correction = 1, bool keepdim = false);
Tensor std(const Tensor& x, const Dims& dims = {}, int64_t correction = 1, bool keepdim = false);
// p-norm over dims: p = 1, 2 or infinity (std::numeric_limits<double>::infinity()).
Tensor norm(const Tensor& x, double p = 2.0, const Dims& dims = {}, bool keepdim = false);
Tensor logsumexp(const Tensor& x, const Dims& dims, bool keepdim = false);
Tensor amax(const Tensor& x, const Dims& dims = {}, bool keepdim = false);
Tensor amin(const Tensor& x, const Dims& dims = {}, bool keepdim = false);

struct ValuesIndices {
  Tensor values;
  Tensor indices;  // i64; the first index of the extreme value
};
ValuesIndices max(const Tensor& x, int64_t dim, bool keepdim = false);
ValuesIndices min(const Tensor& x, int64_t dim, bool keepdim = false);
Tensor argmax(const Tensor& x, int64_t dim, bool keepdim = false);
Tensor argmin(const Tensor& x, int64_t dim, bool keepdim = false);
Tensor cumsum(const Tensor& x, int64_t dim);
// Reverse cumulative sum (sum from index i to the end), the derivative of cumsum.
Tensor reverse_cumsum(const Tensor& x, int64_t dim);

// Sums x down to `shape` (the inverse of broadcasting `shape` up to x's shape).
Tensor sum_to(const Tensor& x, const Shape& shape);
// Shape after reducing `dims` of `sizes`, with or without kept size-1 dims.
Shape reduced_shape(const Shape& sizes, const std::vector<int64_t>& dims, bool keepdim);

}  // namespace hg::ops
