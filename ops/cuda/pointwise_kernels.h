// Launcher of the CUDA select kernel behind ops::where (ops/cuda/pointwise_kernels.cu). No CUDA types.
#pragma once
#include "ops/cuda/kernel_args.h"

namespace hg::cuda {

// out[i] = fn::Where{}(cond[i], a[i], b[i]): cond bool; a, b and out of out's dtype (any, bool
// included); all of out's shape (broadcast already), any strides.
void launch_where(const StridedArg& out, const StridedArg& cond, const StridedArg& a, const StridedArg& b, int device);

}  // namespace hg::cuda
