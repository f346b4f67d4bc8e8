// Copy-with-conversion and fill kernels: one thread per element in a grid-stride loop.
#include "ops/cuda/check.h"
#include "ops/cuda/context.h"
#include "ops/cuda/copy_kernels.h"
#include "ops/cuda/launch.cuh"

namespace hg::cuda {

template <class D, class S>
__global__ void strided_copy_kernel(StridedArg dst, StridedArg src) {
  D* out = static_cast<D*>(dst.data);
  const S* in = static_cast<const S*>(src.data);
  HG_GRID_STRIDE_LOOP(i, dst.numel) {
    out[element_offset(dst, i)] = store_as<D>::from(to_compute(in[element_offset(src, i)]));
  }
}

template <class D>
__global__ void fill_kernel(StridedArg dst, D value) {
  D* out = static_cast<D*>(dst.data);
  HG_GRID_STRIDE_LOOP(i, dst.numel) { out[element_offset(dst, i)] = value; }
}

void launch_strided_copy(const StridedArg& dst, const StridedArg& src, int device) {
  if (dst.numel == 0) return;
  DeviceGuard guard(device);
  cudaStream_t s = stream(device);
  dispatch_device_all(dst.dtype, "copy", [&](auto d_tag) {
    using D = decltype(d_tag);
    dispatch_device_all(src.dtype, "copy", [&](auto s_tag) {
      using S = decltype(s_tag);
      strided_copy_kernel<D, S><<<blocks_for(dst.numel), kThreads, 0, s>>>(dst, src);
    });
  });
  HG_CUDA_CHECK_LAUNCH();
}

void launch_fill(const StridedArg& dst, double value, int device) {
  if (dst.numel == 0) return;
  DeviceGuard guard(device);
  cudaStream_t s = stream(device);
  dispatch_device_all(dst.dtype, "fill", [&](auto tag) {
    using D = decltype(tag);
    fill_kernel<D><<<blocks_for(dst.numel), kThreads, 0, s>>>(dst, store_as<D>::from(value));
  });
  HG_CUDA_CHECK_LAUNCH();
}

}  // namespace hg::cuda
