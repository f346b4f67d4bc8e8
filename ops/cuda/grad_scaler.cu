// Fused loss-scaler unscale: multiply in compute precision with the shared fn::ScaleBy, store, and
// flag a non-finite stored value (so an f16 overflow on the store counts, as the CPU's check of the
// stored tensor does). The flag is only ever set to 1: the outcome does not depend on which thread
// writes first.
#include "ops/cuda/check.h"
#include "ops/cuda/context.h"
#include "ops/cuda/grad_scaler_kernels.h"
#include "ops/cuda/launch.cuh"
#include "ops/optim_functors.h"

namespace hg::cuda {

template <class T>
__global__ void unscale_check_kernel(StridedArg g, fn::ScaleBy scale, int32_t* found_inf) {
  using C = compute_of_t<T>;
  T* data = static_cast<T*>(g.data);
  HG_GRID_STRIDE_LOOP(i, g.numel) {
    T* p = data + element_offset(g, i);
    C v = to_compute(*p);
    scale(v);
    const T stored = store_as<T>::from(v);
    *p = stored;
    if (!isfinite(to_compute(stored))) *found_inf = 1;
  }
}

void launch_unscale_check(const StridedArg& g, double inv_scale, int32_t* found_inf, int device) {
  if (g.numel == 0) return;
  DeviceGuard guard(device);
  dispatch_device_float(g.dtype, "GradScaler.unscale_", [&](auto tag) {
    using T = decltype(tag);
    unscale_check_kernel<T><<<blocks_for(g.numel), kThreads, 0, stream(device)>>>(g, fn::ScaleBy{inv_scale},
                                                                                   found_inf);
  });
  HG_CUDA_CHECK_LAUNCH();
}

}  // namespace hg::cuda
