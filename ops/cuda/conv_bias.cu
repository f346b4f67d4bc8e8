// conv2d bias: adding it to the output, and its gradient (a per-channel sum, deterministic).
#include "ops/cuda/batch_norm_reduce.cuh"
#include "ops/cuda/check.h"
#include "ops/cuda/context.h"
#include "ops/cuda/conv_bias_kernels.h"
#include "ops/cuda/launch.cuh"

namespace hg::cuda {

template <class T>
__global__ void add_channel_bias_kernel(T* y, const T* bias, int64_t total, int64_t c, int64_t p) {
  HG_GRID_STRIDE_LOOP(i, total) {
    y[i] = store_as<T>::from(to_compute(y[i]) + to_compute(bias[(i / p) % c]));
  }
}

template <class T>
__global__ void channel_sums_kernel(T* out, const T* g, int64_t n, int64_t c, int64_t p) {
  const int64_t ch = blockIdx.x, per_channel = n * p;
  double s = 0;
  for (int64_t i = threadIdx.x; i < per_channel; i += kReduceThreads)
    s += static_cast<double>(to_compute(g[((i / p) * c + ch) * p + i % p]));
  s = block_sum(s);
  if (threadIdx.x == 0) out[ch] = store_as<T>::from(s);
}

void launch_add_channel_bias(const StridedArg& y, const StridedArg& bias, int64_t n, int64_t c, int64_t p,
                             int device) {
  const int64_t total = n * c * p;
  if (total == 0) return;
  DeviceGuard guard(device);
  cudaStream_t s = stream(device);
  dispatch_device_float(y.dtype, "conv2d bias", [&](auto tag) {
    using T = decltype(tag);
    add_channel_bias_kernel<T><<<blocks_for(total), kThreads, 0, s>>>(static_cast<T*>(y.data),
                                                                      static_cast<const T*>(bias.data), total, c, p);
  });
  HG_CUDA_CHECK_LAUNCH();
}

void launch_channel_sums(const StridedArg& out, const StridedArg& g, int64_t n, int64_t c, int64_t p, int device) {
  if (c == 0) return;
  DeviceGuard guard(device);
  cudaStream_t s = stream(device);
  dispatch_device_float(g.dtype, "conv2d bias gradient", [&](auto tag) {
    using T = decltype(tag);
    channel_sums_kernel<T><<<static_cast<unsigned>(c), kReduceThreads, 0, s>>>(
        static_cast<T*>(out.data), static_cast<const T*>(g.data), n, c, p);
  });
  HG_CUDA_CHECK_LAUNCH();
}

}  // namespace hg::cuda
