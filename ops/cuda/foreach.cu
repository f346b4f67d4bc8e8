// Fused element-wise optimiser updates (ops/cuda/foreach_kernels.h): one thread per element
// (grid-stride) loads the N operands in compute precision, calls the same functor the CPU loop
// calls (ops/optim_functors.h) and stores the updated ones. Element-wise: deterministic.
#include <utility>

#include "ops/cuda/check.h"
#include "ops/cuda/context.h"
#include "ops/cuda/foreach_kernels.h"
#include "ops/cuda/launch.cuh"

namespace hg::cuda {

template <size_t N>
struct ArgPack {
  StridedArg a[N];
};

template <class F, class C, size_t... I>
__device__ __forceinline__ void call_with(const F& f, C (&c)[sizeof...(I)], std::index_sequence<I...>) {
  f(c[I]...);
}

template <size_t kWritten, size_t N, class F, class T>
__global__ void foreach_update_kernel(F f, ArgPack<N> args) {
  using C = compute_of_t<T>;
  HG_GRID_STRIDE_LOOP(i, args.a[0].numel) {
    T* p[N];
    C c[N];
#pragma unroll
    for (size_t k = 0; k < N; ++k) {
      p[k] = static_cast<T*>(args.a[k].data) + element_offset(args.a[k], i);
      c[k] = to_compute(*p[k]);
    }
    call_with(f, c, std::make_index_sequence<N>{});
#pragma unroll
    for (size_t k = 0; k < kWritten; ++k) *p[k] = store_as<T>::from(c[k]);
  }
}

template <size_t kWritten, size_t N, class F>
void launch_foreach_update(const F& f, const StridedArg* args, int device) {
  ArgPack<N> pack;
  for (size_t k = 0; k < N; ++k) pack.a[k] = args[k];
  const int64_t n = pack.a[0].numel;
  if (n == 0) return;
  DeviceGuard guard(device);
  dispatch_device_float(pack.a[0].dtype, "optimizer update", [&](auto tag) {
    using T = decltype(tag);
    foreach_update_kernel<kWritten, N, F, T><<<blocks_for(n), kThreads, 0, stream(device)>>>(f, pack);
  });
  HG_CUDA_CHECK_LAUNCH();
}

// Every functor the optimisers, LARS, clipping and the loss scaler use (nn/optim_*.cpp, lars.cpp,
// clip_grad.cpp, grad_scaler.cpp) with its operand counts.
template void launch_foreach_update<1, 2, fn::SgdUpdate>(const fn::SgdUpdate&, const StridedArg*, int);
template void launch_foreach_update<2, 3, fn::SgdMomentumUpdate>(const fn::SgdMomentumUpdate&, const StridedArg*, int);
template void launch_foreach_update<3, 4, fn::AdamUpdate>(const fn::AdamUpdate&, const StridedArg*, int);
template void launch_foreach_update<1, 2, fn::LarsRescale>(const fn::LarsRescale&, const StridedArg*, int);
template void launch_foreach_update<1, 1, fn::ScaleBy>(const fn::ScaleBy&, const StridedArg*, int);

}  // namespace hg::cuda
