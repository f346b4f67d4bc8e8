// Launchers of the pooling kernels (ops/cuda/pool.cu). Inputs and outputs are contiguous
// [planes, H, W] / [planes, Ho, Wo]; work is queued on the device's stream.
#pragma once
#include <cstdint>

#include "ops/cuda/kernel_args.h"

namespace hg::cuda {

struct PoolGeometry {
  int64_t planes, H, W, Ho, Wo;
  int64_t kh, kw, sh, sw, ph, pw, dh, dw;
};

// One thread per output; indices i64 (flat in the input plane, -1 for a window without pixels).
void launch_max_pool(const StridedArg& x, const StridedArg& y, const StridedArg& indices, const PoolGeometry& g,
                     int device);
// One thread per plane scattering in output order (the CPU's order); bad_index (device i32 [1],
// zeroed by the caller) is set to 1 when an index is >= H·W.
void launch_max_pool_backward(const StridedArg& gy, const StridedArg& indices, const StridedArg& gx,
                              const PoolGeometry& g, int32_t* bad_index, int device);
void launch_avg_pool(const StridedArg& x, const StridedArg& y, const PoolGeometry& g, bool count_include_pad,
                     int device);
// One thread per input element, gathering its windows in output order.
void launch_avg_pool_backward(const StridedArg& gy, const StridedArg& gx, const PoolGeometry& g,
                              bool count_include_pad, int device);
void launch_adaptive_avg_pool(const StridedArg& x, const StridedArg& y, const PoolGeometry& g, int device);
void launch_adaptive_avg_pool_backward(const StridedArg& gy, const StridedArg& gx, const PoolGeometry& g, int device);

}  // namespace hg::cuda
