// Batched 3x3 det / cofactors / inverse: the per-matrix functions of ops/small3x3_functors.h, one
// thread per matrix, in double like the CPU.
#include "ops/cuda/check.h"
#include "ops/cuda/context.h"
#include "ops/cuda/launch.cuh"
#include "ops/cuda/small3x3_kernels.h"

namespace hg::cuda {
namespace {

__global__ void small3x3_kernel(fn::Small3x3 op, const double* in, double* out, int64_t batches,
                                unsigned long long* first_singular) {
  const int per = fn::small3x3_outputs(op);
  HG_GRID_STRIDE_LOOP(i, batches) {
    if (!fn::apply_small3x3(op, in + 9 * i, out + per * i)) atomicMin(first_singular, static_cast<unsigned long long>(i));
  }
}

}  // namespace

void launch_small3x3(fn::Small3x3 op, const double* in, double* out, int64_t batches,
                     unsigned long long* first_singular, int device) {
  if (batches == 0) return;
  DeviceGuard guard(device);
  small3x3_kernel<<<blocks_for(batches), kThreads, 0, stream(device)>>>(op, in, out, batches, first_singular);
  HG_CUDA_CHECK_LAUNCH();
}

}  // namespace hg::cuda
