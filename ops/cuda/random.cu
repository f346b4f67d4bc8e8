// Random tensors on the device with exactly the CPU's values (tensor/factory.cpp): element i is a
// pure function of (seed, stream, counter) through the same HG_HOST_DEVICE Philox4x32 and the same
// bits-to-float conversions, so the draw needs no host buffer and no copy.
#include "ops/cuda/check.h"
#include "ops/cuda/context.h"
#include "ops/cuda/launch.cuh"
#include "ops/cuda/random_kernels.h"
#include "tensor/philox.h"

namespace hg::cuda {
namespace {

// U[0, 1) of element i in f64 (2 per block) or f32 (4 per block) layout.
__device__ __forceinline__ double uniform_f64(const PhiloxDraw& d, int64_t i) {
  const auto b = Philox4x32::at(d.seed, d.stream, d.base + static_cast<uint64_t>(i / 2));
  const int w = 2 * static_cast<int>(i % 2);
  return uniform_double(b[w], b[w + 1]);
}
__device__ __forceinline__ float uniform_f32(const PhiloxDraw& d, int64_t i) {
  return uniform_float(Philox4x32::at(d.seed, d.stream, d.base + static_cast<uint64_t>(i / 4))[i % 4]);
}

}  // namespace

template <class T>
__global__ void uniform_kernel(StridedArg out, PhiloxDraw d, double lo, double hi, bool double_draw) {
  T* o = static_cast<T*>(out.data);
  HG_GRID_STRIDE_LOOP(i, out.numel) {
    // as the CPU: f64 draws in double; others as the float lo + (hi − lo)·u, then converted to T
    T& dst = o[element_offset(out, i)];
    if (double_draw) dst = store_as<T>::from(lo + (hi - lo) * uniform_f64(d, i));
    else dst = store_as<T>::from(static_cast<float>(lo + (hi - lo) * static_cast<double>(uniform_f32(d, i))));
  }
}

template <class T>
__global__ void bernoulli_kernel(StridedArg out, PhiloxDraw d, double p, const double* p_tensor) {
  T* o = static_cast<T*>(out.data);
  HG_GRID_STRIDE_LOOP(i, out.numel) {
    const double pi = p_tensor ? p_tensor[i] : p;
    o[element_offset(out, i)] = store_as<T>::from(uniform_f64(d, i) < pi ? 1.0 : 0.0);
  }
}

void launch_uniform(const StridedArg& out, const PhiloxDraw& d, double lo, double hi, bool double_draw, int device) {
  if (out.numel == 0) return;
  DeviceGuard guard(device);
  dispatch_device_all(out.dtype, "uniform", [&](auto tag) {
    using T = decltype(tag);
    uniform_kernel<T><<<blocks_for(out.numel), kThreads, 0, stream(device)>>>(out, d, lo, hi, double_draw);
  });
  HG_CUDA_CHECK_LAUNCH();
}

void launch_bernoulli(const StridedArg& out, const PhiloxDraw& d, double p, const double* p_tensor, int device) {
  if (out.numel == 0) return;
  DeviceGuard guard(device);
  dispatch_device_all(out.dtype, "bernoulli", [&](auto tag) {
    using T = decltype(tag);
    bernoulli_kernel<T><<<blocks_for(out.numel), kThreads, 0, stream(device)>>>(out, d, p, p_tensor);
  });
  HG_CUDA_CHECK_LAUNCH();
}

}  // namespace hg::cuda
