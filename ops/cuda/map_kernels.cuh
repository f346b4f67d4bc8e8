// Definitions of the launch_map templates (ops/cuda/map_cuda.h): one grid-stride kernel per arity,
// element_offset per operand (so any strides and broadcasts work), the functor of ops/functors.h on
// the compute type, the result stored with store_as. Included only by ops/cuda/map_*.cu, which
// instantiate it for the functor lists of ops/functors.h. nvcc only.
#pragma once
#include <stdexcept>
#include <string>
#include <type_traits>

#include "ops/cuda/check.h"
#include "ops/cuda/context.h"
#include "ops/cuda/launch.cuh"
#include "ops/cuda/map_cuda.h"
#include "ops/functors.h"

namespace hg::cuda {

template <class Out, class T, class F>
__global__ void map1_kernel(F f, StridedArg out, StridedArg a) {
  Out* o = static_cast<Out*>(out.data);
  const T* pa = static_cast<const T*>(a.data);
  HG_GRID_STRIDE_LOOP(i, out.numel) {
    o[element_offset(out, i)] = store_as<Out>::from(f(to_compute(pa[element_offset(a, i)])));
  }
}

template <class Out, class T, class F>
__global__ void map2_kernel(F f, StridedArg out, StridedArg a, StridedArg b) {
  Out* o = static_cast<Out*>(out.data);
  const T* pa = static_cast<const T*>(a.data);
  const T* pb = static_cast<const T*>(b.data);
  HG_GRID_STRIDE_LOOP(i, out.numel) {
    o[element_offset(out, i)] =
        store_as<Out>::from(f(to_compute(pa[element_offset(a, i)]), to_compute(pb[element_offset(b, i)])));
  }
}

template <class Out, class T, class F>
__global__ void map3_kernel(F f, StridedArg out, StridedArg a, StridedArg b, StridedArg c) {
  Out* o = static_cast<Out*>(out.data);
  const T* pa = static_cast<const T*>(a.data);
  const T* pb = static_cast<const T*>(b.data);
  const T* pc = static_cast<const T*>(c.data);
  HG_GRID_STRIDE_LOOP(i, out.numel) {
    o[element_offset(out, i)] = store_as<Out>::from(f(to_compute(pa[element_offset(a, i)]),
                                                      to_compute(pb[element_offset(b, i)]),
                                                      to_compute(pc[element_offset(c, i)])));
  }
}

// Calls body(tag) with a value of the CUDA element type of dt, restricted to F's listed domain:
// f32 f64 f16 bf16, plus i32 i64 u8 for numeric functors (ops::map has already rejected the rest).
template <class F, class Body>
void dispatch_map_dtype(DType dt, Body&& body) {
  switch (dt) {
    case DType::f32: return body(float{});
    case DType::f64: return body(double{});
    case DType::f16: return body(__half{});
    case DType::bf16: return body(__nv_bfloat16{});
    default: break;
  }
  if constexpr (!fn::functor_traits<F>::floating_only) {
    switch (dt) {
      case DType::i32: return body(int32_t{});
      case DType::i64: return body(int64_t{});
      case DType::u8: return body(uint8_t{});
      default: break;
    }
  }
  throw std::invalid_argument(std::string("map (CUDA): no kernel for dtype code ") +
                              std::to_string(static_cast<int>(dt)) + " and this functor");
}

template <class F, class T>
using map_out_t = typename std::conditional<fn::functor_traits<F>::predicate, bool, T>::type;

template <class F>
void launch_map(const F& f, const StridedArg& out, const StridedArg& a, int device) {
  if (out.numel == 0) return;
  DeviceGuard guard(device);
  cudaStream_t s = stream(device);
  dispatch_map_dtype<F>(a.dtype, [&](auto tag) {
    using T = decltype(tag);
    map1_kernel<map_out_t<F, T>, T><<<blocks_for(out.numel), kThreads, 0, s>>>(f, out, a);
  });
  HG_CUDA_CHECK_LAUNCH();
}

template <class F>
void launch_map(const F& f, const StridedArg& out, const StridedArg& a, const StridedArg& b, int device) {
  if (out.numel == 0) return;
  DeviceGuard guard(device);
  cudaStream_t s = stream(device);
  dispatch_map_dtype<F>(a.dtype, [&](auto tag) {
    using T = decltype(tag);
    map2_kernel<map_out_t<F, T>, T><<<blocks_for(out.numel), kThreads, 0, s>>>(f, out, a, b);
  });
  HG_CUDA_CHECK_LAUNCH();
}

template <class F>
void launch_map(const F& f, const StridedArg& out, const StridedArg& a, const StridedArg& b, const StridedArg& c,
                int device) {
  if (out.numel == 0) return;
  DeviceGuard guard(device);
  cudaStream_t s = stream(device);
  dispatch_map_dtype<F>(a.dtype, [&](auto tag) {
    using T = decltype(tag);
    map3_kernel<map_out_t<F, T>, T><<<blocks_for(out.numel), kThreads, 0, s>>>(f, out, a, b, c);
  });
  HG_CUDA_CHECK_LAUNCH();
}

// Explicit instantiations, one macro per arity (used by ops/cuda/map_*.cu with the lists).
#define HG_MAP_INSTANTIATE_1(name) \
  template void launch_map<fn::name>(const fn::name&, const StridedArg&, const StridedArg&, int);
#define HG_MAP_INSTANTIATE_2(name)                                                                    \
  template void launch_map<fn::name>(const fn::name&, const StridedArg&, const StridedArg&, const StridedArg&, \
                                     int);
#define HG_MAP_INSTANTIATE_3(name)                                                                    \
  template void launch_map<fn::name>(const fn::name&, const StridedArg&, const StridedArg&, const StridedArg&, \
                                     const StridedArg&, int);

}  // namespace hg::cuda
