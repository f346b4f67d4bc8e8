// Rodrigues forward/backward: one thread per axis-angle vector running the shared functors
// fn::Rodrigues / fn::RodriguesGrad (ops/rotation.h) in the compute type, as the CPU loop does.
#include "ops/cuda/check.h"
#include "ops/cuda/context.h"
#include "ops/cuda/launch.cuh"
#include "ops/cuda/rotation_kernels.h"
#include "ops/rotation_functors.h"

namespace hg::cuda {
namespace {

template <class T>
__global__ void rodrigues_kernel(const T* r, T* R, int64_t count) {
  using C = compute_of_t<T>;
  HG_GRID_STRIDE_LOOP(i, count) {
    const C v[3] = {to_compute(r[3 * i]), to_compute(r[3 * i + 1]), to_compute(r[3 * i + 2])};
    C m[9];
    fn::Rodrigues{}(v, m);
    for (int e = 0; e < 9; ++e) R[9 * i + e] = store_as<T>::from(m[e]);
  }
}

template <class T>
__global__ void rodrigues_backward_kernel(const T* r, const T* G, T* dr, int64_t count) {
  using C = compute_of_t<T>;
  HG_GRID_STRIDE_LOOP(i, count) {
    const C v[3] = {to_compute(r[3 * i]), to_compute(r[3 * i + 1]), to_compute(r[3 * i + 2])};
    C g[9], d[3];
    for (int e = 0; e < 9; ++e) g[e] = to_compute(G[9 * i + e]);
    fn::RodriguesGrad{}(v, g, d);
    for (int e = 0; e < 3; ++e) dr[3 * i + e] = store_as<T>::from(d[e]);
  }
}

}  // namespace

void launch_rodrigues(const void* r, void* R, int64_t count, DType dtype, int device) {
  if (count == 0) return;
  DeviceGuard guard(device);
  cudaStream_t s = stream(device);
  dispatch_device_float(dtype, "rodrigues", [&](auto tag) {
    using T = decltype(tag);
    rodrigues_kernel<T><<<blocks_for(count), kThreads, 0, s>>>(static_cast<const T*>(r), static_cast<T*>(R), count);
  });
  HG_CUDA_CHECK_LAUNCH();
}

void launch_rodrigues_backward(const void* r, const void* G, void* dr, int64_t count, DType dtype, int device) {
  if (count == 0) return;
  DeviceGuard guard(device);
  cudaStream_t s = stream(device);
  dispatch_device_float(dtype, "rodrigues_backward", [&](auto tag) {
    using T = decltype(tag);
    rodrigues_backward_kernel<T><<<blocks_for(count), kThreads, 0, s>>>(static_cast<const T*>(r), static_cast<const T*>(G),
                                                                         static_cast<T*>(dr), count);
  });
  HG_CUDA_CHECK_LAUNCH();
}

}  // namespace hg::cuda
