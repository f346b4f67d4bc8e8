// Batch-norm kernels. The formulas are fn::bn_* (ops/batch_norm_functors.h), shared with the
// CPU; statistics accumulate in double, per channel, in a fixed order (deterministic).
#include "ops/batch_norm_functors.h"
#include "ops/cuda/batch_norm_kernels.h"
#include "ops/cuda/batch_norm_reduce.cuh"
#include "ops/cuda/check.h"
#include "ops/cuda/context.h"
#include "ops/cuda/launch.cuh"

namespace hg::cuda {
namespace {

// Offset of the i-th of the n·s values of channel ch in a contiguous [n, c, s] tensor.
__device__ __forceinline__ int64_t channel_offset(const ChannelLayout& l, int64_t ch, int64_t i) {
  return ((i / l.s) * l.c + ch) * l.s + i % l.s;
}

template <class T>
__global__ void stats_kernel(const T* x, ChannelLayout l, double* mean, double* var) {
  const int64_t ch = blockIdx.x, m = l.n * l.s;
  double s = 0;
  for (int64_t i = threadIdx.x; i < m; i += kReduceThreads) s += static_cast<double>(to_compute(x[channel_offset(l, ch, i)]));
  const double mu = block_sum(s) / static_cast<double>(m);
  double ss = 0;
  for (int64_t i = threadIdx.x; i < m; i += kReduceThreads) {
    const double d = static_cast<double>(to_compute(x[channel_offset(l, ch, i)])) - mu;
    ss += d * d;
  }
  ss = block_sum(ss);
  if (threadIdx.x == 0) {
    mean[ch] = mu;
    var[ch] = ss / static_cast<double>(m);
  }
}

__global__ void coefficients_kernel(const double* var, const double* w, const double* b, double eps, int64_t c,
                                    double* invstd, double* scale, double* shift) {
  HG_GRID_STRIDE_LOOP(ch, c) {
    const double is = fn::bn_invstd(var[ch], eps);
    invstd[ch] = is;
    scale[ch] = (w ? w[ch] : 1.0) * is;
    shift[ch] = b ? b[ch] : 0.0;
  }
}

template <class T>
__global__ void running_update_kernel(StridedArg running, const double* batch, double momentum, double unbias_count) {
  T* r = static_cast<T*>(running.data);
  HG_GRID_STRIDE_LOOP(ch, running.numel) {
    const double b = unbias_count > 0 ? fn::bn_unbiased_var(batch[ch], unbias_count) : batch[ch];
    const int64_t at = element_offset(running, ch);
    r[at] = store_as<T>::from(fn::bn_running_update(static_cast<double>(to_compute(r[at])), b, momentum));
  }
}

template <class T>
__global__ void normalize_kernel(const T* x, T* y, ChannelLayout l, const double* mean, const double* scale,
                                 const double* shift) {
  using A = compute_of_t<T>;
  HG_GRID_STRIDE_LOOP(i, l.n * l.c * l.s) {
    const int64_t ch = (i / l.s) % l.c;
    y[i] = store_as<T>::from(fn::bn_normalize<A>(to_compute(x[i]), static_cast<A>(mean[ch]),
                                                 static_cast<A>(scale[ch]), static_cast<A>(shift[ch])));
  }
}

template <class T>
__global__ void grad_sums_kernel(const T* g, const T* x, ChannelLayout l, const double* mean, double* sum_g,
                                 double* sum_gx) {
  const int64_t ch = blockIdx.x, m = l.n * l.s;
  const double mu = mean[ch];
  double sg = 0, sgx = 0;
  for (int64_t i = threadIdx.x; i < m; i += kReduceThreads) {
    const int64_t at = channel_offset(l, ch, i);
    const double gv = static_cast<double>(to_compute(g[at]));
    sg += gv;
    sgx += gv * (static_cast<double>(to_compute(x[at])) - mu);
  }
  sg = block_sum(sg);
  sgx = block_sum(sgx);
  if (threadIdx.x == 0) {
    sum_g[ch] = sg;
    sum_gx[ch] = sgx;
  }
}

__global__ void backward_coefficients_kernel(const double* w, const double* invstd, const double* sum_g,
                                             const double* sum_gx, double m, bool training, int64_t c, double* k,
                                             double* kx, double* k0, double* dw) {
  HG_GRID_STRIDE_LOOP(ch, c) {
    const fn::BnInputGradCoefficients co =
        fn::bn_input_grad_coefficients(w ? w[ch] : 1.0, invstd[ch], sum_g[ch], sum_gx[ch], m, training);
    if (k) k[ch] = co.k;
    if (kx) kx[ch] = co.kx;
    if (k0) k0[ch] = co.k0;
    if (dw) dw[ch] = sum_gx[ch] * invstd[ch];
  }
}

template <class T>
__global__ void input_grad_kernel(const T* g, const T* x, T* dx, ChannelLayout l, const double* mean,
                                  const double* k, const double* kx, const double* k0) {
  using A = compute_of_t<T>;
  HG_GRID_STRIDE_LOOP(i, l.n * l.c * l.s) {
    const int64_t ch = (i / l.s) % l.c;
    dx[i] = store_as<T>::from(fn::bn_input_grad<A>(to_compute(g[i]), to_compute(x[i]), static_cast<A>(mean[ch]),
                                                   static_cast<A>(k[ch]), static_cast<A>(kx[ch]),
                                                   static_cast<A>(k0[ch])));
  }
}

}  // namespace

void launch_bn_stats(const StridedArg& x, const ChannelLayout& l, double* mean, double* var, int device) {
  if (l.c == 0) return;
  DeviceGuard guard(device);
  cudaStream_t s = stream(device);
  dispatch_device_float(x.dtype, "batch_norm", [&](auto tag) {
    using T = decltype(tag);
    stats_kernel<T><<<static_cast<unsigned>(l.c), kReduceThreads, 0, s>>>(static_cast<const T*>(x.data), l, mean, var);
  });
  HG_CUDA_CHECK_LAUNCH();
}

void launch_bn_coefficients(const double* var, const double* w, const double* b, double eps, int64_t c,
                            double* invstd, double* scale, double* shift, int device) {
  if (c == 0) return;
  DeviceGuard guard(device);
  coefficients_kernel<<<blocks_for(c), kThreads, 0, stream(device)>>>(var, w, b, eps, c, invstd, scale, shift);
  HG_CUDA_CHECK_LAUNCH();
}

void launch_bn_running_update(const StridedArg& running, const double* batch, double momentum, double unbias_count,
                              int device) {
  if (running.numel == 0) return;
  DeviceGuard guard(device);
  cudaStream_t s = stream(device);
  dispatch_device_float(running.dtype, "batch_norm running statistics", [&](auto tag) {
    using T = decltype(tag);
    running_update_kernel<T><<<blocks_for(running.numel), kThreads, 0, s>>>(running, batch, momentum, unbias_count);
  });
  HG_CUDA_CHECK_LAUNCH();
}

void launch_bn_normalize(const StridedArg& x, const StridedArg& y, const ChannelLayout& l, const double* mean,
                         const double* scale, const double* shift, int device) {
  const int64_t total = l.n * l.c * l.s;
  if (total == 0) return;
  DeviceGuard guard(device);
  cudaStream_t s = stream(device);
  dispatch_device_float(x.dtype, "batch_norm", [&](auto tag) {
    using T = decltype(tag);
    normalize_kernel<T><<<blocks_for(total), kThreads, 0, s>>>(static_cast<const T*>(x.data), static_cast<T*>(y.data),
                                                               l, mean, scale, shift);
  });
  HG_CUDA_CHECK_LAUNCH();
}

void launch_bn_grad_sums(const StridedArg& g, const StridedArg& x, const ChannelLayout& l, const double* mean,
                         double* sum_g, double* sum_gx, int device) {
  if (l.c == 0) return;
  DeviceGuard guard(device);
  cudaStream_t s = stream(device);
  dispatch_device_float(x.dtype, "batch_norm_backward", [&](auto tag) {
    using T = decltype(tag);
    grad_sums_kernel<T><<<static_cast<unsigned>(l.c), kReduceThreads, 0, s>>>(
        static_cast<const T*>(g.data), static_cast<const T*>(x.data), l, mean, sum_g, sum_gx);
  });
  HG_CUDA_CHECK_LAUNCH();
}

void launch_bn_backward_coefficients(const double* w, const double* invstd, const double* sum_g,
                                     const double* sum_gx, double m, bool training, int64_t c, double* k,
                                     double* kx, double* k0, double* dw, int device) {
  if (c == 0) return;
  DeviceGuard guard(device);
  backward_coefficients_kernel<<<blocks_for(c), kThreads, 0, stream(device)>>>(w, invstd, sum_g, sum_gx, m, training,
                                                                               c, k, kx, k0, dw);
  HG_CUDA_CHECK_LAUNCH();
}

void launch_bn_input_grad(const StridedArg& g, const StridedArg& x, const StridedArg& dx, const ChannelLayout& l,
                          const double* mean, const double* k, const double* kx, const double* k0, int device) {
  const int64_t total = l.n * l.c * l.s;
  if (total == 0) return;
  DeviceGuard guard(device);
  cudaStream_t s = stream(device);
  dispatch_device_float(x.dtype, "batch_norm_backward", [&](auto tag) {
    using T = decltype(tag);
    input_grad_kernel<T><<<blocks_for(total), kThreads, 0, s>>>(static_cast<const T*>(g.data),
                                                                static_cast<const T*>(x.data), static_cast<T*>(dx.data),
                                                                l, mean, k, kx, k0);
  });
  HG_CUDA_CHECK_LAUNCH();
}

}  // namespace hg::cuda
