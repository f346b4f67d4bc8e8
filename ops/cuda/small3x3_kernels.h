// Launcher of the batched 3x3 kernel (ops/cuda/small3x3_kernels.cu). No CUDA types.
#pragma once
#include <cstdint>

#include "ops/small3x3_functors.h"

namespace hg::cuda {

// One thread per matrix runs fn::apply_small3x3; a singular matrix (inverse) lowers *first_singular
// to its batch index (integer atomicMin; the caller starts it at all ones).
void launch_small3x3(fn::Small3x3 op, const double* in, double* out, int64_t batches,
                     unsigned long long* first_singular, int device);

}  // namespace hg::cuda
