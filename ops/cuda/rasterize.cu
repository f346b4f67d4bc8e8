// CUDA rasteriser kernels (ops/cuda/rasterize_kernels.h): the per-pixel code is the CPU's
// (ops/rasterize_functors.h for each (pixel, face) pair, ops/cpu/rasterize_pixel.h around it);
// only the loops differ. Forward and hard z-buffer: one thread per pixel over its tile's faces in
// increasing id (the CPU's visiting order). Backward: one block per (tile, face) entry with a
// fixed-tree reduction into the entry's record, then per-row gathers of the records. No float
// atomics; the pair counters are integer sums.
#include <algorithm>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "ops/cuda/check.h"
#include "ops/cuda/context.h"
#include "ops/cuda/launch.cuh"
#include "ops/cuda/rasterize_kernels.h"

namespace hg::cuda {
namespace {

__device__ __forceinline__ bool box_contains(int64_t x0, int64_t x1, int64_t y0, int64_t y1, int64_t col,
                                             int64_t row) {
  return col >= x0 && col <= x1 && row >= y0 && row <= y1;
}

__device__ __forceinline__ int64_t imax(int64_t a, int64_t b) { return a > b ? a : b; }
__device__ __forceinline__ int64_t imin(int64_t a, int64_t b) { return a < b ? a : b; }

__device__ __forceinline__ int64_t tile_of(const RasterBins& b, int64_t row, int64_t col) {
  return (row / b.tile) * b.tiles_x + col / b.tile;
}

}  // namespace

// ---- soft forward ----

template <class C, class T>
__global__ void soft_forward_kernel(RasterBins bins, raster::SoftConstants<C> k, const C* attrs,
                                    const double* background, int64_t channels, T* out, double* state, C* acc,
                                    unsigned long long* counters) {
  const int64_t plane = bins.height * bins.width;
  const auto* faces = static_cast<const DeviceFace<C>*>(bins.faces);
  HG_GRID_STRIDE_LOOP(p, plane) {
    const int64_t row = p / bins.width, col = p % bins.width, t = tile_of(bins, row, col);
    raster::SoftBlend<C> blend(k.eps);
    C* a = acc + p;  // channel c at a[c · plane]
    for (int64_t c = 0; c <= channels; ++c) a[c * plane] = C(0);
    unsigned long long tested = 0, evaluated = 0;
    for (int64_t e = bins.tile_begin[t]; e < bins.tile_begin[t + 1]; ++e) {
      const DeviceFace<C>& f = faces[bins.entry_box[e]];
      if (!box_contains(f.x0, f.x1, f.y0, f.y1, col, row)) continue;
      ++tested;
      raster::SoftFragment<C> s;
      if (!raster::soft_fragment(f.tri, static_cast<C>(col), static_cast<C>(row), k.inv_sigma, k.radius2, &s))
        continue;
      ++evaluated;
      raster::soft_pixel_add(&blend, a, plane, s, k, attrs, f.face, f.v, channels);
    }
    C total;
    raster::soft_pixel_finish(blend, a, plane, background, k, channels, out + p, plane, &total);
    state[3 * p] = static_cast<double>(blend.m);
    state[3 * p + 1] = static_cast<double>(total);
    state[3 * p + 2] = static_cast<double>(blend.keep);  // Π (1 − D_f)
    if (tested) atomicAdd(&counters[0], tested);  // integer sums: order-independent
    if (evaluated) atomicAdd(&counters[1], evaluated);
  }
}

template <class C>
void launch_soft_forward(const RasterBins& bins, const raster::SoftConstants<C>& k, const C* attrs,
                         const double* background, int64_t channels, void* out, DType dtype, double* state, C* acc,
                         unsigned long long* counters, int device) {
  const int64_t plane = bins.height * bins.width;
  DeviceGuard guard(device);
  dispatch_device_float(dtype, "rasterize_soft", [&](auto tag) {
    using T = decltype(tag);
    if constexpr (!std::is_same_v<compute_of_t<T>, C>) throw std::logic_error("rasterize_soft: compute type mismatch");
    else soft_forward_kernel<C, T><<<blocks_for(plane), kThreads, 0, stream(device)>>>(
        bins, k, attrs, background, channels, static_cast<T*>(out), state, acc, counters);
  });
  HG_CUDA_CHECK_LAUNCH();
}

// ---- soft backward: one block per entry ----

// Thread t keeps its running record at part[t · stride] (shared memory): dL/d(x, y, z) of the 3
// vertices (interleaved, as the CPU record) then the attribute gradients. The block then adds the
// records of threads t and t + half for half = n/2, n/4, ..., 1: a fixed tree.
template <class C, class T>
__global__ void soft_backward_kernel(RasterBins bins, raster::SoftConstants<C> k, const C* attrs, int64_t channels,
                                     const T* grad, const T* image, const double* state, const int64_t* entry_tile,
                                     const int64_t* entry_slot, bool need_screen, int64_t stride, double* records) {
  extern __shared__ unsigned char shared_bytes[];
  C* part = reinterpret_cast<C*>(shared_bytes);
  const int64_t e = blockIdx.x;
  const int64_t plane = bins.height * bins.width;
  const auto* faces = static_cast<const DeviceFace<C>*>(bins.faces);
  const DeviceFace<C>& f = faces[bins.entry_box[e]];
  const int64_t t = entry_tile[e];
  const int64_t tr0 = (t / bins.tiles_x) * bins.tile, tc0 = (t % bins.tiles_x) * bins.tile;
  const int64_t r0 = imax(f.y0, tr0), r1 = imin(f.y1 + 1, imin(tr0 + bins.tile, bins.height));
  const int64_t c0 = imax(f.x0, tc0), c1 = imin(f.x1 + 1, imin(tc0 + bins.tile, bins.width));
  C* mine = part + threadIdx.x * stride;
  for (int64_t j = 0; j < stride; ++j) mine[j] = C(0);
  C gx[3] = {C(0), C(0), C(0)}, gy[3] = {C(0), C(0), C(0)}, gz[3] = {C(0), C(0), C(0)};
  const int64_t cols = imax(0, c1 - c0), n = imax(0, r1 - r0) * cols;
  for (int64_t q = threadIdx.x; q < n; q += blockDim.x) {
    const int64_t row = r0 + q / cols, col = c0 + q % cols, p = row * bins.width + col;
    bool active = false;  // pixels whose gradient is all zero contribute nothing
    for (int64_t c = 0; c < channels + 2 && !active; ++c) active = to_compute(grad[c * plane + p]) != 0;
    if (!active) continue;
    raster::SoftFragment<C> s;
    if (!raster::soft_fragment(f.tri, static_cast<C>(col), static_cast<C>(row), k.inv_sigma, k.radius2, &s)) continue;
    const C depth = static_cast<C>(to_compute(image[(channels + 1) * plane + p]));
    raster::soft_pair_backward(f.tri, s, static_cast<C>(col), static_cast<C>(row), grad + p, plane, image + p, plane,
                               depth, static_cast<C>(state[3 * p]), static_cast<C>(1.0 / state[3 * p + 1]),
                               static_cast<C>(state[3 * p + 2]), k, attrs, f.face, f.v, channels, need_screen,
                               mine + 9, gx, gy, gz);
  }
  for (int j = 0; j < 3; ++j) mine[3 * j] = gx[j], mine[3 * j + 1] = gy[j], mine[3 * j + 2] = gz[j];
  __syncthreads();
  for (unsigned half = blockDim.x / 2; half > 0; half /= 2) {
    if (threadIdx.x < half)
      for (int64_t j = 0; j < stride; ++j) mine[j] += part[(threadIdx.x + half) * stride + j];
    __syncthreads();
  }
  double* rec = records + entry_slot[e] * stride;
  for (int64_t j = threadIdx.x; j < stride; j += blockDim.x) rec[j] = static_cast<double>(part[j]);
}

template <class C>
void launch_soft_backward_records(const RasterBins& bins, const raster::SoftConstants<C>& k, const C* attrs,
                                  int64_t channels, const void* grad, const void* image, DType dtype,
                                  const double* state, const int64_t* entry_tile, const int64_t* entry_slot,
                                  int64_t entries, bool need_screen, double* records, int device) {
  if (entries == 0) return;
  const int64_t stride = 9 + (k.per_face ? channels : 3 * channels);
  // the largest power-of-two block (<= 64 threads) whose records fit the default 48 KiB of shared memory
  constexpr size_t kShared = 48 * 1024;
  unsigned threads = 64;
  while (threads > 1 && threads * stride * sizeof(C) > kShared) threads /= 2;
  if (threads * stride * sizeof(C) > kShared)
    throw std::invalid_argument("rasterize_soft_backward: " + std::to_string(channels) +
                                " attribute channels are too many for the CUDA kernel's shared memory");
  DeviceGuard guard(device);
  dispatch_device_float(dtype, "rasterize_soft_backward", [&](auto tag) {
    using T = decltype(tag);
    if constexpr (!std::is_same_v<compute_of_t<T>, C>) throw std::logic_error("rasterize_soft: compute type mismatch");
    else soft_backward_kernel<C, T><<<static_cast<unsigned>(entries), threads, threads * stride * sizeof(C),
                                 stream(device)>>>(bins, k, attrs, channels, static_cast<const T*>(grad),
                                                   static_cast<const T*>(image), state, entry_tile, entry_slot,
                                                   need_screen, stride, records);
  });
  HG_CUDA_CHECK_LAUNCH();
}

// ---- record gather ----

template <class T>
__global__ void record_gather_kernel(const double* records, int64_t stride, const int64_t* box_slot_begin,
                                     const int64_t* list_begin, const int64_t* list, int64_t rows, int64_t width,
                                     int64_t base, int64_t corner_step, T* out) {
  HG_GRID_STRIDE_LOOP(i, rows * width) {
    const int64_t row = i / width, j = i % width;
    double acc = 0;
    for (int64_t a = list_begin[row]; a < list_begin[row + 1]; ++a) {
      const int64_t box = list[a] / 3, corner = list[a] % 3;
      for (int64_t slot = box_slot_begin[box]; slot < box_slot_begin[box + 1]; ++slot)
        acc += records[slot * stride + base + corner * corner_step + j];
    }
    out[i] = store_as<T>::from(acc);
  }
}

void launch_record_gather(const double* records, int64_t stride, const int64_t* box_slot_begin,
                          const int64_t* list_begin, const int64_t* list, int64_t rows, int64_t width, int64_t base,
                          int64_t corner_step, void* out, DType dtype, int device) {
  if (rows * width == 0) return;
  DeviceGuard guard(device);
  dispatch_device_float(dtype, "rasterize_soft_backward", [&](auto tag) {
    using T = decltype(tag);
    record_gather_kernel<T><<<blocks_for(rows * width), kThreads, 0, stream(device)>>>(
        records, stride, box_slot_begin, list_begin, list, rows, width, base, corner_step, static_cast<T*>(out));
  });
  HG_CUDA_CHECK_LAUNCH();
}

// ---- hard z-buffer ----

// Each pixel keeps the nearest covering face, visiting faces in increasing id and replacing only
// on a strictly smaller depth (ties: the smaller id), as the CPU.
template <class C, class T>
__global__ void hard_kernel(RasterBins bins, const C* attrs, bool per_face, const double* background,
                            int64_t channels, T* attrs_out, T* depth, int64_t* face_id) {
  const int64_t plane = bins.height * bins.width;
  const auto* faces = static_cast<const DeviceFace<C>*>(bins.faces);
  HG_GRID_STRIDE_LOOP(p, plane) {
    const int64_t row = p / bins.width, col = p % bins.width, t = tile_of(bins, row, col);
    const DeviceFace<C>* best = nullptr;
    C best_z = C(0), best_mu[3] = {C(0), C(0), C(0)};
    for (int64_t e = bins.tile_begin[t]; e < bins.tile_begin[t + 1]; ++e) {
      const DeviceFace<C>& f = faces[bins.entry_box[e]];
      if (!box_contains(f.x0, f.x1, f.y0, f.y1, col, row)) continue;
      C bary[3], mu[3];
      if (!raster::covers_pixel(f.tri, static_cast<C>(col), static_cast<C>(row), bary)) continue;
      const C z = raster::perspective_weights(f.tri, bary, mu);
      if (!best || z < best_z) {
        best = &f, best_z = z;
        for (int j = 0; j < 3; ++j) best_mu[j] = mu[j];
      }
    }
    face_id[p] = best ? best->face : -1;
    depth[p] = store_as<T>::from(best ? best_z : C(0));
    for (int64_t c = 0; c < channels; ++c) {
      C v = static_cast<C>(background[c]);
      if (best && per_face) {
        v = attrs[best->face * channels + c];
      } else if (best) {
        v = C(0);
        for (int j = 0; j < 3; ++j) v += best_mu[j] * attrs[best->v[j] * channels + c];
      }
      attrs_out[c * plane + p] = store_as<T>::from(v);
    }
  }
}

template <class C>
void launch_hard(const RasterBins& bins, const C* attrs, bool per_face, const double* background, int64_t channels,
                 void* attrs_out, void* depth, DType dtype, int64_t* face_id, int device) {
  const int64_t plane = bins.height * bins.width;
  DeviceGuard guard(device);
  dispatch_device_float(dtype, "rasterize_hard", [&](auto tag) {
    using T = decltype(tag);
    if constexpr (!std::is_same_v<compute_of_t<T>, C>) throw std::logic_error("rasterize_hard: compute type mismatch");
    else hard_kernel<C, T><<<blocks_for(plane), kThreads, 0, stream(device)>>>(
        bins, attrs, per_face, background, channels, static_cast<T*>(attrs_out), static_cast<T*>(depth), face_id);
  });
  HG_CUDA_CHECK_LAUNCH();
}

// The compute types: float (f32, f16, bf16) and double (f64).
#define HG_RASTER_INSTANTIATE(C)                                                                                    \
  template void launch_soft_forward<C>(const RasterBins&, const raster::SoftConstants<C>&, const C*, const double*,  \
                                       int64_t, void*, DType, double*, C*, unsigned long long*, int);               \
  template void launch_soft_backward_records<C>(const RasterBins&, const raster::SoftConstants<C>&, const C*,       \
                                                int64_t, const void*, const void*, DType, const double*,            \
                                                const int64_t*, const int64_t*, int64_t, bool, double*, int);        \
  template void launch_hard<C>(const RasterBins&, const C*, bool, const double*, int64_t, void*, void*, DType,      \
                               int64_t*, int);
HG_RASTER_INSTANTIATE(float)
HG_RASTER_INSTANTIATE(double)
#undef HG_RASTER_INSTANTIATE

}  // namespace hg::cuda
