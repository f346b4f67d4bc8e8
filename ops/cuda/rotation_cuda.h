// CUDA path of the fused Rodrigues kernels (ops/rotation.h), called by ops/cpu/rotation.cpp after
// its checks. No CUDA headers.
#pragma once
#include "tensor/tensor.h"

namespace hg::cuda {

// out [count, 3, 3] = fn::Rodrigues per vector of r [count, 3]; both contiguous, one floating dtype.
Tensor rodrigues_into(const Tensor& out, const Tensor& r);
// out [count, 3] = fn::RodriguesGrad(r, g) with g [count, 3, 3]; all contiguous, one floating dtype.
Tensor rodrigues_backward_into(const Tensor& out, const Tensor& r, const Tensor& g);

}  // namespace hg::cuda
