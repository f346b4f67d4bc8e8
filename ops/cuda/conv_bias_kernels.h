// Launchers of the conv2d bias kernels (ops/cuda/conv_bias.cu). Tensors are contiguous [N, C, P]
// (P = spatial size) and [C]; work is queued on the device's stream.
#pragma once
#include <cstdint>

#include "ops/cuda/kernel_args.h"

namespace hg::cuda {

// y[n, c, p] += bias[c]   (y and bias share y's floating dtype)
void launch_add_channel_bias(const StridedArg& y, const StridedArg& bias, int64_t n, int64_t c, int64_t p,
                             int device);
// out[c] = Σ_{n, p} g[n, c, p]: one block per channel, accumulated in double in a fixed tree.
void launch_channel_sums(const StridedArg& out, const StridedArg& g, int64_t n, int64_t c, int64_t p, int device);

}  // namespace hg::cuda
