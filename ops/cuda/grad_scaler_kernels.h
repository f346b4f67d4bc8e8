// Launcher of the fused unscale-and-check kernel (ops/cuda/grad_scaler.cu). No CUDA types.
#pragma once
#include <cstdint>

#include "ops/cuda/kernel_args.h"

namespace hg::cuda {

// g <- g · inv_scale (fn::ScaleBy, ops/optim_functors.h); *found_inf (device memory) <- 1 when a
// stored value is not finite. Never writes 0, so one flag can collect many launches.
void launch_unscale_check(const StridedArg& g, double inv_scale, int32_t* found_inf, int device);

}  // namespace hg::cuda
