// Device-side LARS: every thread derives the factor from the two device norms with the shared
// fn::lars_factor (cheap, and no host round trip), applies fn::LarsRescale to its elements, and
// thread 0 of block 0 records the factor. Element-wise: deterministic.
#include "ops/cuda/check.h"
#include "ops/cuda/context.h"
#include "ops/cuda/launch.cuh"
#include "ops/cuda/optim_kernels.h"
#include "ops/optim_functors.h"

namespace hg::cuda {

template <class T, class N>
__global__ void lars_rescale_kernel(StridedArg g, StridedArg w, const N* w_norm, const N* g_norm, LarsArgs a,
                                    double* factor_out) {
  using C = compute_of_t<T>;
  const double f = fn::lars_factor(static_cast<double>(to_compute(*w_norm)), static_cast<double>(to_compute(*g_norm)),
                                   a.weight_decay, a.lr, a.trust_coefficient, a.eps, a.clip);
  if (blockIdx.x == 0 && threadIdx.x == 0) *factor_out = f;
  const fn::LarsRescale rescale{f, a.weight_decay};
  T* gd = static_cast<T*>(g.data);
  const T* wd = static_cast<const T*>(w.data);
  HG_GRID_STRIDE_LOOP(i, g.numel) {
    T* p = gd + element_offset(g, i);
    C gv = to_compute(*p);
    rescale(gv, to_compute(wd[element_offset(w, i)]));
    *p = store_as<T>::from(gv);
  }
}

void launch_lars_rescale(const StridedArg& g, const StridedArg& w, const void* w_norm, const void* g_norm,
                         DType norm_dtype, const LarsArgs& a, double* factor_out, int device) {
  DeviceGuard guard(device);
  dispatch_device_float(g.dtype, "LARS", [&](auto tag) {
    using T = decltype(tag);
    dispatch_device_float(norm_dtype, "LARS", [&](auto norm_tag) {
      using N = decltype(norm_tag);
      lars_rescale_kernel<T, N><<<blocks_for(g.numel), kThreads, 0, stream(device)>>>(
          g, w, static_cast<const N*>(w_norm), static_cast<const N*>(g_norm), a, factor_out);
    });
  });
  HG_CUDA_CHECK_LAUNCH();
}

}  // namespace hg::cuda
