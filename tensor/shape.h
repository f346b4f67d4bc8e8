// Shape helpers: sizes/strides vectors, contiguous strides, broadcasting, dim wrapping.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace hg {

using Shape = std::vector<int64_t>;

std::string shape_str(const Shape& s);                    // "[2, 3, 4]"
int64_t shape_numel(const Shape& s);
Shape contiguous_strides(const Shape& sizes);             // row-major, in elements
// Wraps a possibly negative dim into [0, ndim); throws std::out_of_range naming `what`.
int64_t wrap_dim(int64_t dim, int64_t ndim, const char* what);
// NumPy broadcasting of two shapes; throws std::invalid_argument with both shapes.
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* what);
// Sorted, wrapped, duplicate-free list of dims; empty `dims` means all dims.
std::vector<int64_t> normalize_dims(const std::vector<int64_t>& dims, int64_t ndim, const char* what);

}  // namespace hg
