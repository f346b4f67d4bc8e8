// Launchers of the Rodrigues kernels (ops/cuda/rotation_kernels.cu). No CUDA types.
#pragma once
#include <cstdint>

#include "tensor/dtype_code.h"

namespace hg::cuda {

// R[9i..] = fn::Rodrigues(r[3i..]) for i < count, in the compute type of `dtype` (floating).
void launch_rodrigues(const void* r, void* R, int64_t count, DType dtype, int device);
// dr[3i..] = fn::RodriguesGrad(r[3i..], G[9i..]).
void launch_rodrigues_backward(const void* r, const void* G, void* dr, int64_t count, DType dtype, int device);

}  // namespace hg::cuda
