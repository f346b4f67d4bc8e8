// Cross-entropy kernels: one thread per position (forward) or per logit (backward), all in double
// as on the CPU (ops/cpu/cross_entropy.cpp); the mean/sum is one block summing a fixed stride
// pattern, then a fixed binary tree. Deterministic.
#include <math.h>

#include "ops/cuda/check.h"
#include "ops/cuda/context.h"
#include "ops/cuda/cross_entropy_kernels.h"
#include "ops/cuda/launch.cuh"

namespace hg::cuda {

template <class T>
__global__ void cross_entropy_forward_kernel(const T* logits, const int64_t* target, double* loss, double* lse,
                                             CrossEntropyShape s) {
  HG_GRID_STRIDE_LOOP(p, s.n * s.s) {
    const T* x = logits + (p / s.s) * s.c * s.s + p % s.s;  // x[c · S] is class c
    double m = -INFINITY, total = 0;
    for (int64_t c = 0; c < s.c; ++c) {
      const double v = static_cast<double>(to_compute(x[c * s.s]));
      m = m < v ? v : m;
      total += v;
    }
    double se = 0;
    for (int64_t c = 0; c < s.c; ++c) se += exp(static_cast<double>(to_compute(x[c * s.s])) - m);
    const double l = m + log(se);
    lse[p] = l;
    const int64_t t = target[p];
    loss[p] = t == s.ignore_index
                  ? 0.0
                  : (1.0 - s.eps) * (l - static_cast<double>(to_compute(x[t * s.s]))) +
                        s.eps * (l - total / static_cast<double>(s.c));
  }
}

void launch_cross_entropy_forward(const void* logits, DType dtype, const int64_t* target, double* loss, double* lse,
                                  const CrossEntropyShape& s, int device) {
  const int64_t n = s.n * s.s;
  if (n == 0) return;
  DeviceGuard guard(device);
  dispatch_device_float(dtype, "cross_entropy", [&](auto tag) {
    using T = decltype(tag);
    cross_entropy_forward_kernel<T><<<blocks_for(n), kThreads, 0, stream(device)>>>(static_cast<const T*>(logits),
                                                                                     target, loss, lse, s);
  });
  HG_CUDA_CHECK_LAUNCH();
}

template <class T>
__global__ void cross_entropy_reduce_kernel(const double* loss, int64_t n, bool mean, int64_t count, T* out) {
  __shared__ double part[kThreads];
  double acc = 0;
  for (int64_t i = threadIdx.x; i < n; i += kThreads) acc += loss[i];
  part[threadIdx.x] = acc;
  __syncthreads();
  for (int half = kThreads / 2; half > 0; half /= 2) {
    if (threadIdx.x < half) part[threadIdx.x] += part[threadIdx.x + half];
    __syncthreads();
  }
  if (threadIdx.x == 0) {
    double total = part[0];
    if (mean) total /= static_cast<double>(count);  // 0 / 0 = NaN, as torch
    out[0] = store_as<T>::from(total);
  }
}

void launch_cross_entropy_reduce(const double* loss, int64_t n, bool mean, int64_t count, void* out, DType dtype,
                                 int device) {
  DeviceGuard guard(device);
  dispatch_device_float(dtype, "cross_entropy", [&](auto tag) {
    using T = decltype(tag);
    cross_entropy_reduce_kernel<T><<<1, kThreads, 0, stream(device)>>>(loss, n, mean, count, static_cast<T*>(out));
  });
  HG_CUDA_CHECK_LAUNCH();
}

template <class T>
__global__ void cross_entropy_backward_kernel(T* dx, const T* logits, const int64_t* target, const double* lse,
                                              const double* grad, bool per_position, bool mean, int64_t count,
                                              CrossEntropyShape s) {
  const double smooth = s.eps / static_cast<double>(s.c);
  HG_GRID_STRIDE_LOOP(i, s.n * s.c * s.s) {
    const int64_t si = i % s.s, c = (i / s.s) % s.c, p = (i / (s.s * s.c)) * s.s + si;
    const int64_t t = target[p];
    if (t == s.ignore_index) {
      dx[i] = store_as<T>::from(0.0);
      continue;
    }
    const double w = per_position ? grad[p] : (mean ? grad[0] / static_cast<double>(count) : grad[0]);
    const double sm = exp(static_cast<double>(to_compute(logits[i])) - lse[p]);
    const double hit = c == t ? 1.0 - s.eps : 0.0;
    dx[i] = store_as<T>::from(w * (sm - hit - smooth));
  }
}

void launch_cross_entropy_backward(void* dx, const void* logits, DType dtype, const int64_t* target,
                                   const double* lse, const double* grad, bool per_position, bool mean,
                                   int64_t count, const CrossEntropyShape& s, int device) {
  const int64_t n = s.n * s.c * s.s;
  if (n == 0) return;
  DeviceGuard guard(device);
  dispatch_device_float(dtype, "cross_entropy_backward", [&](auto tag) {
    using T = decltype(tag);
    cross_entropy_backward_kernel<T><<<blocks_for(n), kThreads, 0, stream(device)>>>(
        static_cast<T*>(dx), static_cast<const T*>(logits), target, lse, grad, per_position, mean, count, s);
  });
  HG_CUDA_CHECK_LAUNCH();
}

}  // namespace hg::cuda
