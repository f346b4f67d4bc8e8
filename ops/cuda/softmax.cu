// Softmax kernels. Formulas: fn::softmax_* (ops/softmax_functors.h), shared with the CPU;
// sums of exponentials and of gradients accumulate in double, the maximum in the compute type.
#include <limits>

#include "ops/cuda/batch_norm_reduce.cuh"
#include "ops/cuda/check.h"
#include "ops/cuda/context.h"
#include "ops/cuda/launch.cuh"
#include "ops/cuda/softmax_kernels.h"
#include "ops/softmax_functors.h"

namespace hg::cuda {
namespace {

constexpr int64_t kBlockRowMin = 256;  // rows at least this long (and contiguous) get a block each

struct SoftmaxMaxOp {
  template <class A> __device__ __forceinline__ A operator()(A a, A b) const { return fn::softmax_max(a, b); }
};

// The row's output from its max m and Σ exp(x − m): softmax rounds exp(x − m) to T before scaling,
// as the CPU kernel does (it keeps the terms in the output buffer).
template <class T, bool Log>
__device__ __forceinline__ T softmax_out(T x, compute_of_t<T> m, double sum) {
  using A = compute_of_t<T>;
  if (Log) return store_as<T>::from(fn::log_softmax_value(to_compute(x), static_cast<A>(m + static_cast<A>(log(sum)))));
  const T e = store_as<T>::from(fn::softmax_exp(to_compute(x), m));
  return store_as<T>::from(to_compute(e) * static_cast<A>(1.0 / sum));
}

template <class T, bool Log>
__device__ __forceinline__ T softmax_grad_out(T g, T y, double acc) {
  using A = compute_of_t<T>;
  const A a = static_cast<A>(acc);
  if (Log) return store_as<T>::from(fn::log_softmax_grad(to_compute(y), to_compute(g), a));
  return store_as<T>::from(fn::softmax_grad(to_compute(y), to_compute(g), a));
}

// ---- one thread per row, in order ----
template <class T, bool Log>
__global__ void forward_rows_kernel(const T* x, T* y, SoftmaxLayout l) {
  using A = compute_of_t<T>;
  HG_GRID_STRIDE_LOOP(r, l.outer * l.inner) {
    const int64_t base = (r / l.inner) * l.d * l.inner + r % l.inner, s = l.inner;
    A m = -std::numeric_limits<A>::infinity();
    for (int64_t k = 0; k < l.d; ++k) m = fn::softmax_max(m, to_compute(x[base + k * s]));
    double sum = 0;
    for (int64_t k = 0; k < l.d; ++k) sum += static_cast<double>(fn::softmax_exp(to_compute(x[base + k * s]), m));
    for (int64_t k = 0; k < l.d; ++k) y[base + k * s] = softmax_out<T, Log>(x[base + k * s], m, sum);
  }
}

template <class T, bool Log>
__global__ void backward_rows_kernel(const T* g, const T* y, T* dx, SoftmaxLayout l) {
  HG_GRID_STRIDE_LOOP(r, l.outer * l.inner) {
    const int64_t base = (r / l.inner) * l.d * l.inner + r % l.inner, s = l.inner;
    double acc = 0;  // softmax: Σ g·y; log_softmax: Σ g
    for (int64_t k = 0; k < l.d; ++k) {
      const double gk = static_cast<double>(to_compute(g[base + k * s]));
      acc += Log ? gk : gk * static_cast<double>(to_compute(y[base + k * s]));
    }
    for (int64_t k = 0; k < l.d; ++k) dx[base + k * s] = softmax_grad_out<T, Log>(g[base + k * s], y[base + k * s], acc);
  }
}

// ---- one block per contiguous row ----
template <class T, bool Log>
__global__ void forward_block_kernel(const T* x, T* y, int64_t d) {
  using A = compute_of_t<T>;
  const T* p = x + blockIdx.x * d;
  T* q = y + blockIdx.x * d;
  A m = -std::numeric_limits<A>::infinity();
  for (int64_t k = threadIdx.x; k < d; k += kReduceThreads) m = fn::softmax_max(m, to_compute(p[k]));
  m = block_reduce(m, SoftmaxMaxOp{});
  double sum = 0;
  for (int64_t k = threadIdx.x; k < d; k += kReduceThreads) sum += static_cast<double>(fn::softmax_exp(to_compute(p[k]), m));
  sum = block_sum(sum);
  for (int64_t k = threadIdx.x; k < d; k += kReduceThreads) q[k] = softmax_out<T, Log>(p[k], m, sum);
}

template <class T, bool Log>
__global__ void backward_block_kernel(const T* g, const T* y, T* dx, int64_t d) {
  const int64_t base = blockIdx.x * d;
  double acc = 0;
  for (int64_t k = threadIdx.x; k < d; k += kReduceThreads) {
    const double gk = static_cast<double>(to_compute(g[base + k]));
    acc += Log ? gk : gk * static_cast<double>(to_compute(y[base + k]));
  }
  acc = block_sum(acc);
  for (int64_t k = threadIdx.x; k < d; k += kReduceThreads)
    dx[base + k] = softmax_grad_out<T, Log>(g[base + k], y[base + k], acc);
}

bool block_rows(const SoftmaxLayout& l) { return l.inner == 1 && l.d >= kBlockRowMin; }

}  // namespace

void launch_softmax_forward(const StridedArg& x, const StridedArg& y, const SoftmaxLayout& l, bool log, int device) {
  const int64_t rows = l.outer * l.inner;
  if (rows == 0 || l.d == 0) return;
  DeviceGuard guard(device);
  cudaStream_t s = stream(device);
  dispatch_device_float(x.dtype, log ? "log_softmax" : "softmax", [&](auto tag) {
    using T = decltype(tag);
    const T* in = static_cast<const T*>(x.data);
    T* out = static_cast<T*>(y.data);
    if (block_rows(l)) {
      if (log) forward_block_kernel<T, true><<<static_cast<unsigned>(rows), kReduceThreads, 0, s>>>(in, out, l.d);
      else forward_block_kernel<T, false><<<static_cast<unsigned>(rows), kReduceThreads, 0, s>>>(in, out, l.d);
    } else {
      if (log) forward_rows_kernel<T, true><<<blocks_for(rows), kThreads, 0, s>>>(in, out, l);
      else forward_rows_kernel<T, false><<<blocks_for(rows), kThreads, 0, s>>>(in, out, l);
    }
  });
  HG_CUDA_CHECK_LAUNCH();
}

void launch_softmax_backward(const StridedArg& g, const StridedArg& y, const StridedArg& dx, const SoftmaxLayout& l,
                             bool log, int device) {
  const int64_t rows = l.outer * l.inner;
  if (rows == 0 || l.d == 0) return;
  DeviceGuard guard(device);
  cudaStream_t s = stream(device);
  dispatch_device_float(y.dtype, log ? "log_softmax_backward" : "softmax_backward", [&](auto tag) {
    using T = decltype(tag);
    const T* gp = static_cast<const T*>(g.data);
    const T* yp = static_cast<const T*>(y.data);
    T* out = static_cast<T*>(dx.data);
    if (block_rows(l)) {
      if (log) backward_block_kernel<T, true><<<static_cast<unsigned>(rows), kReduceThreads, 0, s>>>(gp, yp, out, l.d);
      else backward_block_kernel<T, false><<<static_cast<unsigned>(rows), kReduceThreads, 0, s>>>(gp, yp, out, l.d);
    } else {
      if (log) backward_rows_kernel<T, true><<<blocks_for(rows), kThreads, 0, s>>>(gp, yp, out, l);
      else backward_rows_kernel<T, false><<<blocks_for(rows), kThreads, 0, s>>>(gp, yp, out, l);
    }
  });
  HG_CUDA_CHECK_LAUNCH();
}

}  // namespace hg::cuda
