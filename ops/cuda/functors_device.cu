// Compiles the shared element-wise formulas (ops/functors.h) for the GPU: the same structs the CPU
// kernels run. The CUDA backend's element-wise kernels are built from this template.
#include "ops/functors.h"

namespace hg::cuda {

template <class F, class T>
__global__ void map_unary_kernel(F f, const T* x, T* y, long long n) {
  const long long i = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x;
  if (i < n) y[i] = f(x[i]);
}

template <class F, class T>
__global__ void map_binary_kernel(F f, const T* a, const T* b, T* y, long long n) {
  const long long i = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x;
  if (i < n) y[i] = f(a[i], b[i]);
}

// Instantiations that prove every kind of functor (plain, parameterised, derivative) builds for the device.
template __global__ void map_unary_kernel<fn::Sigmoid, float>(fn::Sigmoid, const float*, float*, long long);
template __global__ void map_unary_kernel<fn::Softplus, float>(fn::Softplus, const float*, float*, long long);
template __global__ void map_unary_kernel<fn::PowScalar, double>(fn::PowScalar, const double*, double*, long long);
template __global__ void map_binary_kernel<fn::SigmoidGrad, float>(fn::SigmoidGrad, const float*, const float*, float*, long long);
template __global__ void map_binary_kernel<fn::Atan2, double>(fn::Atan2, const double*, const double*, double*, long long);

}  // namespace hg::cuda
