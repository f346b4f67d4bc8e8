// What a CUDA kernel is told about a tensor: a plain struct passed by value (no Tensor, no Eigen),
// so the .cu files compile as C++17 with nvcc and the host side fills it from a Tensor
// (ops/cuda/tensor_args.h). Up to kMaxDims dimensions; element strides.
#pragma once
#include <cstdint>

#include "tensor/dtype_code.h"

namespace hg::cuda {

constexpr int kMaxDims = 8;

struct StridedArg {
  void* data = nullptr;  // first element (offset applied)
  DType dtype = DType::f32;
  int ndim = 0;
  int64_t sizes[kMaxDims] = {};
  int64_t strides[kMaxDims] = {};
  int64_t numel = 1;
  bool contiguous = true;  // row-major dense: offset(i) = i
};

}  // namespace hg::cuda
