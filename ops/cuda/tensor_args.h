// Host side of ops/cuda/kernel_args.h: StridedArg from a Tensor, and the device's stream as an
// opaque handle for launchers declared without CUDA headers.
#pragma once
#include <stdexcept>
#include <string>
#include <vector>

#include "ops/cuda/kernel_args.h"
#include "tensor/tensor.h"

namespace hg::cuda {

// Throws when t has more than kMaxDims dimensions (after merging dims that are contiguous together).
inline StridedArg strided_arg(const Tensor& t) {
  StridedArg a;
  a.data = t.raw_data();
  a.dtype = t.dtype();
  a.numel = t.numel();
  a.contiguous = t.is_contiguous();
  // Merge neighbouring dims that step as one (stride[i] == size[i+1] * stride[i+1]) and drop size-1
  // dims: fewer divisions per element in the kernels' index arithmetic. The map from a row-major
  // linear index to an element offset is unchanged, so operands merged differently still agree.
  std::vector<int64_t> sizes, strides;
  for (int64_t d = 0; d < t.dim(); ++d) {
    if (t.size(d) == 1) continue;
    if (!sizes.empty() && strides.back() == t.size(d) * t.stride(d)) {
      sizes.back() *= t.size(d);
      strides.back() = t.stride(d);
    } else {
      sizes.push_back(t.size(d));
      strides.push_back(t.stride(d));
    }
  }
  const int n = static_cast<int>(sizes.size());
  if (n > kMaxDims)
    throw std::invalid_argument("cuda: tensor " + t.shape_string() + " has " + std::to_string(n) +
                                " non-mergeable dimensions; the CUDA kernels take at most " +
                                std::to_string(kMaxDims));
  a.ndim = n;
  for (int i = 0; i < n; ++i) a.sizes[i] = sizes[i], a.strides[i] = strides[i];
  return a;
}

}  // namespace hg::cuda
