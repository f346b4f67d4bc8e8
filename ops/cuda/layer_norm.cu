// Layer-norm kernels: the formulas are fn::ln_* (ops/layer_norm_functors.h), shared with the
// CPU kernel; every sum is in double with a fixed order (block tree per row, sequential over rows
// per column), so results are run-to-run identical.
#include "ops/cuda/batch_norm_reduce.cuh"
#include "ops/cuda/check.h"
#include "ops/cuda/context.h"
#include "ops/cuda/launch.cuh"
#include "ops/cuda/layer_norm_kernels.h"
#include "ops/layer_norm_functors.h"

namespace hg::cuda {
namespace {

template <class T>
__device__ __forceinline__ double at(const T* p, int64_t i) {
  return static_cast<double>(to_compute(p[i]));
}

template <class T>
__global__ void forward_kernel(const T* x, T* y, int64_t m, const double* w, const double* b, double eps,
                               double* mean, double* rstd) {
  const int64_t row = blockIdx.x;
  const T* p = x + row * m;
  T* q = y + row * m;
  double s = 0;
  for (int64_t j = threadIdx.x; j < m; j += kReduceThreads) s += at(p, j);
  const double mu = block_sum(s) / static_cast<double>(m);
  double ss = 0;
  for (int64_t j = threadIdx.x; j < m; j += kReduceThreads) {
    const double d = at(p, j) - mu;
    ss += d * d;
  }
  const double rs = fn::ln_rstd(block_sum(ss), static_cast<double>(m), eps);
  if (threadIdx.x == 0) {
    mean[row] = mu;
    rstd[row] = rs;
  }
  for (int64_t j = threadIdx.x; j < m; j += kReduceThreads)
    q[j] = store_as<T>::from(fn::ln_normalize(at(p, j), mu, rs, w ? w[j] : 1.0, b ? b[j] : 0.0));
}

template <class T>
__global__ void input_grad_kernel(const T* g, const T* x, T* dx, int64_t m, const double* w, const double* mean,
                                  const double* rstd) {
  const int64_t row = blockIdx.x;
  const T* gr = g + row * m;
  const T* p = x + row * m;
  const double mu = mean[row], rs = rstd[row];
  double a = 0, bsum = 0;
  for (int64_t j = threadIdx.x; j < m; j += kReduceThreads) {
    const double gh = at(gr, j) * (w ? w[j] : 1.0);
    a += gh;
    bsum += gh * fn::ln_xhat(at(p, j), mu, rs);
  }
  a = block_sum(a) / static_cast<double>(m);
  bsum = block_sum(bsum) / static_cast<double>(m);
  for (int64_t j = threadIdx.x; j < m; j += kReduceThreads)
    dx[row * m + j] =
        store_as<T>::from(fn::ln_input_grad(at(gr, j), w ? w[j] : 1.0, fn::ln_xhat(at(p, j), mu, rs), rs, a, bsum));
}

template <class T>
__global__ void param_grads_kernel(const T* g, const T* x, int64_t rows, int64_t m, const double* mean,
                                   const double* rstd, double* dw, double* db) {
  HG_GRID_STRIDE_LOOP(j, m) {
    double sw = 0, sb = 0;
    for (int64_t i = 0; i < rows; ++i) {
      const double gv = at(g, i * m + j);
      sw += gv * fn::ln_xhat(at(x, i * m + j), mean[i], rstd[i]);
      sb += gv;
    }
    if (dw) dw[j] = sw;
    if (db) db[j] = sb;
  }
}

}  // namespace

void launch_ln_forward(const StridedArg& x, const StridedArg& y, int64_t rows, int64_t m, const double* w,
                       const double* b, double eps, double* mean, double* rstd, int device) {
  if (rows == 0 || m == 0) return;
  DeviceGuard guard(device);
  cudaStream_t s = stream(device);
  dispatch_device_float(x.dtype, "layer_norm", [&](auto tag) {
    using T = decltype(tag);
    forward_kernel<T><<<static_cast<unsigned>(rows), kReduceThreads, 0, s>>>(
        static_cast<const T*>(x.data), static_cast<T*>(y.data), m, w, b, eps, mean, rstd);
  });
  HG_CUDA_CHECK_LAUNCH();
}

void launch_ln_input_grad(const StridedArg& g, const StridedArg& x, const StridedArg& dx, int64_t rows, int64_t m,
                          const double* w, const double* mean, const double* rstd, int device) {
  if (rows == 0 || m == 0) return;
  DeviceGuard guard(device);
  cudaStream_t s = stream(device);
  dispatch_device_float(x.dtype, "layer_norm_backward", [&](auto tag) {
    using T = decltype(tag);
    input_grad_kernel<T><<<static_cast<unsigned>(rows), kReduceThreads, 0, s>>>(
        static_cast<const T*>(g.data), static_cast<const T*>(x.data), static_cast<T*>(dx.data), m, w, mean, rstd);
  });
  HG_CUDA_CHECK_LAUNCH();
}

void launch_ln_param_grads(const StridedArg& g, const StridedArg& x, int64_t rows, int64_t m, const double* mean,
                           const double* rstd, double* dw, double* db, int device) {
  if (m == 0) return;
  DeviceGuard guard(device);
  cudaStream_t s = stream(device);
  dispatch_device_float(x.dtype, "layer_norm_backward", [&](auto tag) {
    using T = decltype(tag);
    param_grads_kernel<T><<<blocks_for(m), kThreads, 0, s>>>(static_cast<const T*>(g.data),
                                                             static_cast<const T*>(x.data), rows, m, mean, rstd, dw, db);
  });
  HG_CUDA_CHECK_LAUNCH();
}

}  // namespace hg::cuda
