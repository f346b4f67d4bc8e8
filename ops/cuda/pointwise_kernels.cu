// The select kernel of ops::where: the shared fn::Where on the stored element type (no arithmetic,
// so no compute-type round trip), one thread per element in a grid-stride loop.
#include "ops/cuda/check.h"
#include "ops/cuda/context.h"
#include "ops/cuda/launch.cuh"
#include "ops/cuda/pointwise_kernels.h"
#include "ops/functors.h"

namespace hg::cuda {

template <class T>
__global__ void where_kernel(StridedArg out, StridedArg cond, StridedArg a, StridedArg b) {
  T* o = static_cast<T*>(out.data);
  const bool* pc = static_cast<const bool*>(cond.data);
  const T* pa = static_cast<const T*>(a.data);
  const T* pb = static_cast<const T*>(b.data);
  HG_GRID_STRIDE_LOOP(i, out.numel) {
    o[element_offset(out, i)] = fn::Where{}(pc[element_offset(cond, i)], pa[element_offset(a, i)], pb[element_offset(b, i)]);
  }
}

void launch_where(const StridedArg& out, const StridedArg& cond, const StridedArg& a, const StridedArg& b, int device) {
  if (out.numel == 0) return;
  DeviceGuard guard(device);
  cudaStream_t s = stream(device);
  dispatch_device_all(out.dtype, "where", [&](auto tag) {
    using T = decltype(tag);
    where_kernel<T><<<blocks_for(out.numel), kThreads, 0, s>>>(out, cond, a, b);
  });
  HG_CUDA_CHECK_LAUNCH();
}

}  // namespace hg::cuda
