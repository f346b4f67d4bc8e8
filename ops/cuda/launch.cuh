// Device-side helpers shared by the .cu files: launch shapes, strided indexing, the CUDA element
// type of each DType and the conversions to/from the compute type (float for f16/bf16, as in
// tensor/dtype.h's compute_t, so the shared functors of ops/functors.h see the same types on both
// backends). nvcc only.
#pragma once
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "ops/cuda/kernel_args.h"

namespace hg::cuda {

constexpr int kThreads = 256;

// Blocks for a grid-stride loop over n elements (capped: large n loops inside the kernel).
inline unsigned blocks_for(int64_t n) {
  const int64_t b = (n + kThreads - 1) / kThreads;
  return static_cast<unsigned>(std::max<int64_t>(1, std::min<int64_t>(b, int64_t{1} << 20)));
}

#define HG_GRID_STRIDE_LOOP(i, n)                                                                        \
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < (n);                  \
       i += static_cast<int64_t>(blockDim.x) * gridDim.x)

// Offset (in elements) of the i-th element in row-major order of a strided tensor.
__device__ __forceinline__ int64_t element_offset(const StridedArg& a, int64_t i) {
  if (a.contiguous) return i;
  int64_t offset = 0;
  for (int d = a.ndim - 1; d >= 0; --d) {
    const int64_t size = a.sizes[d];
    offset += (i % size) * a.strides[d];
    i /= size;
  }
  return offset;
}

// ---- element types ----
template <class T> struct compute_of { using type = T; };
template <> struct compute_of<__half> { using type = float; };
template <> struct compute_of<__nv_bfloat16> { using type = float; };
template <class T> using compute_of_t = typename compute_of<T>::type;

template <class T> __device__ __forceinline__ compute_of_t<T> to_compute(T x) { return x; }
template <> __device__ __forceinline__ float to_compute<__half>(__half x) { return __half2float(x); }
template <> __device__ __forceinline__ float to_compute<__nv_bfloat16>(__nv_bfloat16 x) { return __bfloat162float(x); }

// A compute value (any arithmetic type) stored as T, with the rules of ops::copy_: to bool is
// "!= 0", to f16/bf16 rounds through float, otherwise a C++ conversion.
template <class T> struct store_as {
  template <class C> __host__ __device__ __forceinline__ static T from(C c) { return static_cast<T>(c); }
};
template <> struct store_as<bool> {
  template <class C> __host__ __device__ __forceinline__ static bool from(C c) { return c != C(0); }
};
template <> struct store_as<__half> {
  template <class C> __host__ __device__ __forceinline__ static __half from(C c) { return __float2half(static_cast<float>(c)); }
};
template <> struct store_as<__nv_bfloat16> {
  template <class C> __host__ __device__ __forceinline__ static __nv_bfloat16 from(C c) {
    return __float2bfloat16(static_cast<float>(c));
  }
};

// ---- host-side dispatch from a DType to the CUDA element type (a tag value of that type) ----
template <class F>
void dispatch_device_all(DType dt, const char* what, F&& f) {
  switch (dt) {
    case DType::f32: return f(float{});
    case DType::f64: return f(double{});
    case DType::f16: return f(__half{});
    case DType::bf16: return f(__nv_bfloat16{});
    case DType::i32: return f(int32_t{});
    case DType::i64: return f(int64_t{});
    case DType::u8: return f(uint8_t{});
    case DType::boolean: return f(bool{});
  }
  throw std::invalid_argument(std::string(what) + ": unknown dtype");
}
template <class F>
void dispatch_device_float(DType dt, const char* what, F&& f) {
  switch (dt) {
    case DType::f32: return f(float{});
    case DType::f64: return f(double{});
    case DType::f16: return f(__half{});
    case DType::bf16: return f(__nv_bfloat16{});
    default: throw std::invalid_argument(std::string(what) + ": expected a floating dtype on the GPU");
  }
}

}  // namespace hg::cuda
