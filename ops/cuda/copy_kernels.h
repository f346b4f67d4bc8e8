// Launchers of the copy and fill kernels (ops/cuda/copy.cu). Work is queued on the device's stream
// (ops/cuda/context.h); the calls return without waiting.
#pragma once
#include "ops/cuda/kernel_args.h"

namespace hg::cuda {

// dst[i] = convert(src[i]); same shape (src already broadcast), any strides and dtypes.
void launch_strided_copy(const StridedArg& dst, const StridedArg& src, int device);
// dst[i] = value converted to dst's dtype.
void launch_fill(const StridedArg& dst, double value, int device);

}  // namespace hg::cuda
