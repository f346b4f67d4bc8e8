// Pooling kernels. Index arithmetic: fn::pool_* / fn::avg_pool_cell / fn::adaptive_* (shared with
// the CPU through ops/pool_functors.h). Sums run in the compute type (float for f16/bf16, as
// the CPU's f32 path), in the CPU's order.
#include <limits>

#include "ops/cuda/check.h"
#include "ops/cuda/context.h"
#include "ops/cuda/launch.cuh"
#include "ops/cuda/pool_kernels.h"
#include "ops/pool_functors.h"

namespace hg::cuda {
namespace {

template <class T>
__global__ void max_pool_kernel(const T* x, T* y, int64_t* indices, PoolGeometry g) {
  using A = compute_of_t<T>;
  HG_GRID_STRIDE_LOOP(o, g.planes * g.Ho * g.Wo) {
    const int64_t j = o % g.Wo, i = (o / g.Wo) % g.Ho, plane = o / (g.Ho * g.Wo);
    const T* in = x + plane * g.H * g.W;
    const int64_t row0 = i * g.sh - g.ph, col0 = j * g.sw - g.pw;
    const fn::PoolTaps rows = fn::pool_inside_taps(row0, g.dh, g.kh, g.H);
    const fn::PoolTaps cols = fn::pool_inside_taps(col0, g.dw, g.kw, g.W);
    A best = -std::numeric_limits<A>::infinity();
    // An all -inf window still points at its first inside tap; a window of padding only gets -1.
    int64_t arg = rows.lo < rows.hi && cols.lo < cols.hi ? (row0 + rows.lo * g.dh) * g.W + col0 + cols.lo * g.dw : -1;
    for (int64_t a = rows.lo; a < rows.hi; ++a) {
      const int64_t row = (row0 + a * g.dh) * g.W;
      for (int64_t b = cols.lo; b < cols.hi; ++b) {
        const int64_t at = row + col0 + b * g.dw;
        const A v = to_compute(in[at]);
        if (fn::max_pool_takes(v, best)) {
          best = v;
          arg = at;
        }
      }
    }
    y[o] = store_as<T>::from(best);
    indices[o] = arg;
  }
}

template <class T>
__global__ void max_pool_backward_kernel(const T* gy, const int64_t* indices, T* gx, PoolGeometry g, int32_t* bad) {
  const int64_t hw = g.H * g.W, per_plane = g.Ho * g.Wo;
  HG_GRID_STRIDE_LOOP(plane, g.planes) {
    T* out = gx + plane * hw;
    for (int64_t k = 0; k < hw; ++k) out[k] = store_as<T>::from(0.0f);
    for (int64_t k = 0; k < per_plane; ++k) {
      const int64_t at = indices[plane * per_plane + k];
      if (at < 0) continue;  // a window entirely in the padding: no gradient
      if (at >= hw) {
        *bad = 1;
        continue;
      }
      out[at] = store_as<T>::from(to_compute(out[at]) + to_compute(gy[plane * per_plane + k]));
    }
  }
}

template <class T>
__global__ void avg_pool_kernel(const T* x, T* y, PoolGeometry g, bool count_include_pad) {
  using A = compute_of_t<T>;
  HG_GRID_STRIDE_LOOP(o, g.planes * g.Ho * g.Wo) {
    const int64_t j = o % g.Wo, i = (o / g.Wo) % g.Ho, plane = o / (g.Ho * g.Wo);
    const T* in = x + plane * g.H * g.W;
    const fn::AvgPoolCell c = fn::avg_pool_cell(i, j, g.H, g.W, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, count_include_pad);
    A s = 0;
    for (int64_t ih = c.h0; ih < c.h1; ++ih)
      for (int64_t iw = c.w0; iw < c.w1; ++iw) s += to_compute(in[ih * g.W + iw]);
    y[o] = store_as<T>::from(s / static_cast<A>(c.divisor > 0 ? c.divisor : 1));
  }
}

template <class T>
__global__ void avg_pool_backward_kernel(const T* gy, T* gx, PoolGeometry g, bool count_include_pad) {
  using A = compute_of_t<T>;
  HG_GRID_STRIDE_LOOP(e, g.planes * g.H * g.W) {
    const int64_t iw = e % g.W, ih = (e / g.W) % g.H, plane = e / (g.H * g.W);
    const T* grad = gy + plane * g.Ho * g.Wo;
    int64_t i0, i1, j0, j1;
    fn::pool_windows_covering(ih, g.kh, g.sh, g.ph, g.Ho, &i0, &i1);
    fn::pool_windows_covering(iw, g.kw, g.sw, g.pw, g.Wo, &j0, &j1);
    A s = 0;
    for (int64_t i = i0; i <= i1; ++i)
      for (int64_t j = j0; j <= j1; ++j) {
        const fn::AvgPoolCell c =
            fn::avg_pool_cell(i, j, g.H, g.W, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, count_include_pad);
        if (c.divisor <= 0 || ih < c.h0 || ih >= c.h1 || iw < c.w0 || iw >= c.w1) continue;
        s += static_cast<A>(static_cast<double>(to_compute(grad[i * g.Wo + j])) / static_cast<double>(c.divisor));
      }
    gx[e] = store_as<T>::from(s);
  }
}

template <class T>
__global__ void adaptive_avg_pool_kernel(const T* x, T* y, PoolGeometry g) {
  using A = compute_of_t<T>;
  HG_GRID_STRIDE_LOOP(o, g.planes * g.Ho * g.Wo) {
    const int64_t j = o % g.Wo, i = (o / g.Wo) % g.Ho, plane = o / (g.Ho * g.Wo);
    const T* in = x + plane * g.H * g.W;
    const int64_t h0 = fn::adaptive_begin(i, g.H, g.Ho), h1 = fn::adaptive_end(i, g.H, g.Ho);
    const int64_t w0 = fn::adaptive_begin(j, g.W, g.Wo), w1 = fn::adaptive_end(j, g.W, g.Wo);
    A s = 0;
    for (int64_t ih = h0; ih < h1; ++ih)
      for (int64_t iw = w0; iw < w1; ++iw) s += to_compute(in[ih * g.W + iw]);
    y[o] = store_as<T>::from(s / static_cast<A>((h1 - h0) * (w1 - w0)));
  }
}

template <class T>
__global__ void adaptive_avg_pool_backward_kernel(const T* gy, T* gx, PoolGeometry g) {
  using A = compute_of_t<T>;
  HG_GRID_STRIDE_LOOP(e, g.planes * g.H * g.W) {
    const int64_t iw = e % g.W, ih = (e / g.W) % g.H, plane = e / (g.H * g.W);
    const T* grad = gy + plane * g.Ho * g.Wo;
    const int64_t i0 = fn::adaptive_first_cell(ih, g.H, g.Ho), i1 = fn::adaptive_last_cell(ih, g.H, g.Ho);
    const int64_t j0 = fn::adaptive_first_cell(iw, g.W, g.Wo), j1 = fn::adaptive_last_cell(iw, g.W, g.Wo);
    A s = 0;
    for (int64_t i = i0; i <= i1; ++i) {
      const int64_t rows = fn::adaptive_end(i, g.H, g.Ho) - fn::adaptive_begin(i, g.H, g.Ho);
      for (int64_t j = j0; j <= j1; ++j) {
        const int64_t cols = fn::adaptive_end(j, g.W, g.Wo) - fn::adaptive_begin(j, g.W, g.Wo);
        s += to_compute(grad[i * g.Wo + j]) / static_cast<A>(rows * cols);
      }
    }
    gx[e] = store_as<T>::from(s);
  }
}

}  // namespace

void launch_max_pool(const StridedArg& x, const StridedArg& y, const StridedArg& indices, const PoolGeometry& g,
                     int device) {
  const int64_t n = g.planes * g.Ho * g.Wo;
  if (n == 0) return;
  DeviceGuard guard(device);
  cudaStream_t s = stream(device);
  dispatch_device_float(x.dtype, "max_pool2d", [&](auto tag) {
    using T = decltype(tag);
    max_pool_kernel<T><<<blocks_for(n), kThreads, 0, s>>>(static_cast<const T*>(x.data), static_cast<T*>(y.data),
                                                          static_cast<int64_t*>(indices.data), g);
  });
  HG_CUDA_CHECK_LAUNCH();
}

void launch_max_pool_backward(const StridedArg& gy, const StridedArg& indices, const StridedArg& gx,
                              const PoolGeometry& g, int32_t* bad_index, int device) {
  if (g.planes * g.H * g.W == 0) return;
  DeviceGuard guard(device);
  cudaStream_t s = stream(device);
  dispatch_device_float(gx.dtype, "max_pool2d_backward", [&](auto tag) {
    using T = decltype(tag);
    max_pool_backward_kernel<T><<<blocks_for(g.planes), kThreads, 0, s>>>(
        static_cast<const T*>(gy.data), static_cast<const int64_t*>(indices.data), static_cast<T*>(gx.data), g,
        bad_index);
  });
  HG_CUDA_CHECK_LAUNCH();
}

void launch_avg_pool(const StridedArg& x, const StridedArg& y, const PoolGeometry& g, bool count_include_pad,
                     int device) {
  const int64_t n = g.planes * g.Ho * g.Wo;
  if (n == 0) return;
  DeviceGuard guard(device);
  cudaStream_t s = stream(device);
  dispatch_device_float(x.dtype, "avg_pool2d", [&](auto tag) {
    using T = decltype(tag);
    avg_pool_kernel<T><<<blocks_for(n), kThreads, 0, s>>>(static_cast<const T*>(x.data), static_cast<T*>(y.data), g,
                                                          count_include_pad);
  });
  HG_CUDA_CHECK_LAUNCH();
}

void launch_avg_pool_backward(const StridedArg& gy, const StridedArg& gx, const PoolGeometry& g,
                              bool count_include_pad, int device) {
  const int64_t n = g.planes * g.H * g.W;
  if (n == 0) return;
  DeviceGuard guard(device);
  cudaStream_t s = stream(device);
  dispatch_device_float(gx.dtype, "avg_pool2d_backward", [&](auto tag) {
    using T = decltype(tag);
    avg_pool_backward_kernel<T><<<blocks_for(n), kThreads, 0, s>>>(static_cast<const T*>(gy.data),
                                                                   static_cast<T*>(gx.data), g, count_include_pad);
  });
  HG_CUDA_CHECK_LAUNCH();
}

void launch_adaptive_avg_pool(const StridedArg& x, const StridedArg& y, const PoolGeometry& g, int device) {
  const int64_t n = g.planes * g.Ho * g.Wo;
  if (n == 0) return;
  DeviceGuard guard(device);
  cudaStream_t s = stream(device);
  dispatch_device_float(x.dtype, "adaptive_avg_pool2d", [&](auto tag) {
    using T = decltype(tag);
    adaptive_avg_pool_kernel<T><<<blocks_for(n), kThreads, 0, s>>>(static_cast<const T*>(x.data),
                                                                   static_cast<T*>(y.data), g);
  });
  HG_CUDA_CHECK_LAUNCH();
}

void launch_adaptive_avg_pool_backward(const StridedArg& gy, const StridedArg& gx, const PoolGeometry& g, int device) {
  const int64_t n = g.planes * g.H * g.W;
  if (n == 0) return;
  DeviceGuard guard(device);
  cudaStream_t s = stream(device);
  dispatch_device_float(gx.dtype, "adaptive_avg_pool2d_backward", [&](auto tag) {
    using T = decltype(tag);
    adaptive_avg_pool_backward_kernel<T><<<blocks_for(n), kThreads, 0, s>>>(static_cast<const T*>(gy.data),
                                                                            static_cast<T*>(gx.data), g);
  });
  HG_CUDA_CHECK_LAUNCH();
}

}  // namespace hg::cuda
