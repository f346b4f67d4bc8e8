// CUDA kernels of interpolate, affine_grid and grid_sample and the separable gather shared by the
// interpolate and pad backwards. The per-element arithmetic is ops/sample_functors.h, the same
// functions the CPU kernels call. No float atomics anywhere: every output element is written by
// one thread, and reductions run in a fixed order.
#include <cub/device/device_radix_sort.cuh>

#include "ops/cuda/check.h"
#include "ops/cuda/context.h"
#include "ops/cuda/launch.cuh"
#include "ops/cuda/sample_kernels.h"
#include "ops/sample_functors.h"

namespace hg::cuda {

// ---- interpolate ----

// One thread per output element: y = (1 − wy)((1 − wx) x00 + wx x01) + wy((1 − wx) x10 + wx x11).
template <class T>
__global__ void interpolate_kernel(T* out, const T* in, InterpolateShape s) {
  using C = compute_of_t<T>;
  HG_GRID_STRIDE_LOOP(i, s.planes * s.out_h * s.out_w) {
    const int64_t ox = i % s.out_w, oy = (i / s.out_w) % s.out_h, plane = i / (s.out_w * s.out_h);
    const sampling::Tap<C> a = sampling::axis_tap<C>(oy, s.h, s.out_h, s.nearest, s.align_corners, s.scale_h);
    const sampling::Tap<C> b = sampling::axis_tap<C>(ox, s.w, s.out_w, s.nearest, s.align_corners, s.scale_w);
    const T* r0 = in + plane * s.h * s.w + a.i0 * s.w;
    const T* r1 = in + plane * s.h * s.w + a.i1 * s.w;
    if (s.nearest) {
      out[i] = r0[b.i0];
      continue;
    }
    const C top = (C(1) - b.w1) * to_compute(r0[b.i0]) + b.w1 * to_compute(r0[b.i1]);
    const C bottom = (C(1) - b.w1) * to_compute(r1[b.i0]) + b.w1 * to_compute(r1[b.i1]);
    out[i] = store_as<T>::from((C(1) - a.w1) * top + a.w1 * bottom);
  }
}

void launch_interpolate(void* out, const void* x, DType dtype, const InterpolateShape& s, int device) {
  const int64_t n = s.planes * s.out_h * s.out_w;
  if (n == 0) return;
  DeviceGuard guard(device);
  dispatch_device_float(dtype, "interpolate", [&](auto tag) {
    using T = decltype(tag);
    interpolate_kernel<T><<<blocks_for(n), kThreads, 0, stream(device)>>>(static_cast<T*>(out),
                                                                           static_cast<const T*>(x), s);
  });
  HG_CUDA_CHECK_LAUNCH();
}

// ---- separable gather ----

template <class T>
__global__ void separable_gather_kernel(T* grad_in, const T* grad_out, SeparableGather g) {
  using C = compute_of_t<T>;
  const C* row_w = static_cast<const C*>(g.row_w);
  const C* col_w = static_cast<const C*>(g.col_w);
  HG_GRID_STRIDE_LOOP(i, g.planes * g.h * g.w) {
    const int64_t j = i % g.w, r = (i / g.w) % g.h, plane = i / (g.w * g.h);
    const T* go = grad_out + plane * g.oh * g.ow;
    C acc = C(0);
    for (int64_t a = g.row_begin[r]; a < g.row_begin[r + 1]; ++a) {
      const C wy = row_w ? row_w[a] : C(1);
      const T* grow = go + g.row_src[a] * g.ow;
      for (int64_t b = g.col_begin[j]; b < g.col_begin[j + 1]; ++b) {
        const C wx = col_w ? col_w[b] : C(1);
        acc += (wy * wx) * to_compute(grow[g.col_src[b]]);
      }
    }
    grad_in[i] = store_as<T>::from(acc);
  }
}

void launch_separable_gather(void* grad_in, const void* grad_out, DType dtype, const SeparableGather& g,
                             const char* what, int device) {
  const int64_t n = g.planes * g.h * g.w;
  if (n == 0) return;
  DeviceGuard guard(device);
  dispatch_device_float(dtype, what, [&](auto tag) {
    using T = decltype(tag);
    separable_gather_kernel<T><<<blocks_for(n), kThreads, 0, stream(device)>>>(
        static_cast<T*>(grad_in), static_cast<const T*>(grad_out), g);
  });
  HG_CUDA_CHECK_LAUNCH();
}

// ---- affine_grid ----

// grid[b, y, x, i] = θ[b, i, 0] x_w + θ[b, i, 1] y_h + θ[b, i, 2], one thread per grid point.
template <class T>
__global__ void affine_grid_kernel(T* grid, const T* theta, int64_t n, int64_t h, int64_t w, bool align_corners) {
  using C = compute_of_t<T>;
  HG_GRID_STRIDE_LOOP(k, n * h * w) {
    const int64_t x = k % w, y = (k / w) % h, b = k / (w * h);
    const C xv = static_cast<C>(sampling::base_coord(x, w, align_corners));
    const C yv = static_cast<C>(sampling::base_coord(y, h, align_corners));
    const T* t = theta + b * 6;
    for (int i = 0; i < 2; ++i)
      grid[2 * k + i] =
          store_as<T>::from(to_compute(t[3 * i]) * xv + to_compute(t[3 * i + 1]) * yv + to_compute(t[3 * i + 2]));
  }
}

void launch_affine_grid(void* grid, const void* theta, DType dtype, int64_t n, int64_t h, int64_t w,
                        bool align_corners, int device) {
  if (n * h * w == 0) return;
  DeviceGuard guard(device);
  dispatch_device_float(dtype, "affine_grid", [&](auto tag) {
    using T = decltype(tag);
    affine_grid_kernel<T><<<blocks_for(n * h * w), kThreads, 0, stream(device)>>>(
        static_cast<T*>(grid), static_cast<const T*>(theta), n, h, w, align_corners);
  });
  HG_CUDA_CHECK_LAUNCH();
}

// One block per image: thread t sums pixels t, t + kThreads, ... in double, then a fixed binary tree
// in shared memory combines the threads' six partial sums.
template <class T>
__global__ void affine_grid_backward_kernel(T* dtheta, const T* grad, int64_t h, int64_t w, bool align_corners) {
  __shared__ double part[6][kThreads];
  const int64_t b = blockIdx.x;
  const T* g = grad + b * h * w * 2;
  double acc[6] = {0, 0, 0, 0, 0, 0};
  for (int64_t k = threadIdx.x; k < h * w; k += kThreads) {
    const double xv = sampling::base_coord(k % w, w, align_corners);
    const double yv = sampling::base_coord(k / w, h, align_corners);
    for (int i = 0; i < 2; ++i) {
      const double gv = static_cast<double>(to_compute(g[2 * k + i]));
      acc[3 * i] += gv * xv;
      acc[3 * i + 1] += gv * yv;
      acc[3 * i + 2] += gv;
    }
  }
  for (int j = 0; j < 6; ++j) part[j][threadIdx.x] = acc[j];
  __syncthreads();
  for (int half = kThreads / 2; half > 0; half /= 2) {
    if (threadIdx.x < half)
      for (int j = 0; j < 6; ++j) part[j][threadIdx.x] += part[j][threadIdx.x + half];
    __syncthreads();
  }
  if (threadIdx.x < 6) dtheta[b * 6 + threadIdx.x] = store_as<T>::from(part[threadIdx.x][0]);
}

void launch_affine_grid_backward(void* dtheta, const void* grad, DType dtype, int64_t n, int64_t h, int64_t w,
                                 bool align_corners, int device) {
  if (n == 0) return;
  DeviceGuard guard(device);
  dispatch_device_float(dtype, "affine_grid_backward", [&](auto tag) {
    using T = decltype(tag);
    affine_grid_backward_kernel<T><<<static_cast<unsigned>(n), kThreads, 0, stream(device)>>>(
        static_cast<T*>(dtheta), static_cast<const T*>(grad), h, w, align_corners);
  });
  HG_CUDA_CHECK_LAUNCH();
}

// ---- grid_sample ----

// The point sampled by grid point k (in [n][ho][wo] order).
template <class T>
__device__ __forceinline__ sampling::SamplePoint<compute_of_t<T>> point_at(const T* grid, int64_t k,
                                                                         const GridSampleShape& s) {
  using C = compute_of_t<T>;
  return sampling::resolve_point<C>(to_compute(grid[2 * k]), to_compute(grid[2 * k + 1]), s.h, s.w, s.nearest,
                                    s.border, s.align_corners);
}

// One thread per output element (b, ch, p).
template <class T>
__global__ void grid_sample_kernel(T* out, const T* x, const T* grid, GridSampleShape s) {
  using C = compute_of_t<T>;
  const int64_t per_image = s.ho * s.wo;
  HG_GRID_STRIDE_LOOP(i, s.n * s.c * per_image) {
    const int64_t p = i % per_image, plane = i / per_image, b = plane / s.c;
    const auto pt = point_at(grid, b * per_image + p, s);
    out[i] = store_as<T>::from(sampling::sample_plane<C>(x + plane * s.h * s.w, s.h, s.w, pt, s.nearest));
  }
}

void launch_grid_sample(void* out, const void* x, const void* grid, DType dtype, const GridSampleShape& s,
                        int device) {
  const int64_t n = s.n * s.c * s.ho * s.wo;
  if (n == 0) return;
  DeviceGuard guard(device);
  dispatch_device_float(dtype, "grid_sample", [&](auto tag) {
    using T = decltype(tag);
    grid_sample_kernel<T><<<blocks_for(n), kThreads, 0, stream(device)>>>(
        static_cast<T*>(out), static_cast<const T*>(x), static_cast<const T*>(grid), s);
  });
  HG_CUDA_CHECK_LAUNCH();
}

// One thread per grid point, channels in order:
//   dL/dgrid_x = dix/dgx · Σ_c g_c dy_c/dix,   dL/dgrid_y = diy/dgy · Σ_c g_c dy_c/diy
template <class T>
__global__ void grid_sample_grid_grad_kernel(T* d_grid, const T* x, const T* grid, const T* grad, GridSampleShape s) {
  using C = compute_of_t<T>;
  const int64_t per_image = s.ho * s.wo;
  HG_GRID_STRIDE_LOOP(k, s.n * per_image) {
    const auto pt = point_at(grid, k, s);
    C gix = C(0), giy = C(0);
    if (!pt.outside) {
      const int64_t b = k / per_image, p = k % per_image;
      for (int64_t ch = 0; ch < s.c; ++ch) {
        C d_ix, d_iy;
        sampling::sample_plane_slope<C>(x + (b * s.c + ch) * s.h * s.w, s.h, s.w, pt, &d_ix, &d_iy);
        const C gv = to_compute(grad[(b * s.c + ch) * per_image + p]);
        gix += gv * d_ix;
        giy += gv * d_iy;
      }
    }
    d_grid[2 * k] = store_as<T>::from(gix * pt.dix);
    d_grid[2 * k + 1] = store_as<T>::from(giy * pt.diy);
  }
}

void launch_grid_sample_grid_grad(void* d_grid, const void* x, const void* grid, const void* grad, DType dtype,
                                  const GridSampleShape& s, int device) {
  const int64_t n = s.n * s.ho * s.wo;
  if (n == 0) return;
  DeviceGuard guard(device);
  dispatch_device_float(dtype, "grid_sample_backward", [&](auto tag) {
    using T = decltype(tag);
    grid_sample_grid_grad_kernel<T><<<blocks_for(n), kThreads, 0, stream(device)>>>(
        static_cast<T*>(d_grid), static_cast<const T*>(x), static_cast<const T*>(grid),
        static_cast<const T*>(grad), s);
  });
  HG_CUDA_CHECK_LAUNCH();
}

namespace {

constexpr size_t kAlign = 256;
size_t aligned(size_t n) { return (n + kAlign - 1) / kAlign * kAlign; }

int64_t pixel_count(const GridSampleShape& s) { return s.n * s.h * s.w; }
int64_t pair_count(const GridSampleShape& s) { return s.n * s.ho * s.wo * 4; }
// Bits of the largest key (the sentinel pixel_count, for pairs that touch no pixel).
int key_bits(const GridSampleShape& s) {
  int bits = 1;
  while ((int64_t{1} << bits) <= pixel_count(s)) ++bits;
  return bits;
}

size_t cub_sort_bytes(const GridSampleShape& s, int device) {
  size_t bytes = 0;
  HG_CUDA_CHECK(cub::DeviceRadixSort::SortPairs(nullptr, bytes, static_cast<const int64_t*>(nullptr),
                                                static_cast<int64_t*>(nullptr), static_cast<const int64_t*>(nullptr),
                                                static_cast<int64_t*>(nullptr), pair_count(s), 0, key_bits(s),
                                                stream(device)));
  return bytes;
}

}  // namespace

// Pair e = 4k + j is corner j of point k: key = the pixel index b·H·W + y·W + x it touches, or
// the sentinel H·W·N when it touches none (outside, off-image corner, or j > 0 for nearest).
template <class T>
__global__ void grid_sample_pair_keys_kernel(int64_t* keys, int64_t* values, const T* grid, GridSampleShape s) {
  const int64_t per_image = s.ho * s.wo, sentinel = s.n * s.h * s.w;
  HG_GRID_STRIDE_LOOP(e, s.n * per_image * 4) {
    const int64_t k = e / 4;
    const int j = static_cast<int>(e % 4);
    const auto pt = point_at(grid, k, s);
    int64_t key = sentinel;
    if (!pt.outside && (j == 0 || !s.nearest)) {
      int64_t y, x;
      sampling::corner(pt, s.nearest, j, &y, &x);
      if (sampling::inside_image(y, x, s.h, s.w)) key = (k / per_image) * s.h * s.w + y * s.w + x;
    }
    keys[e] = key;
    values[e] = e;
  }
}

__device__ __forceinline__ int64_t lower_bound(const int64_t* keys, int64_t n, int64_t key) {
  int64_t lo = 0, hi = n;
  while (lo < hi) {
    const int64_t mid = lo + (hi - lo) / 2;
    if (keys[mid] < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

// One thread per input element (b, ch, y, x): Σ over its pixel's pairs (increasing point order)
// of corner weight · dL/dy of that point in channel ch.
template <class T>
__global__ void grid_sample_input_grad_kernel(T* d_x, const T* grid, const T* grad, const int64_t* keys,
                                              const int64_t* values, GridSampleShape s) {
  using C = compute_of_t<T>;
  const int64_t per_image = s.ho * s.wo, pairs = s.n * per_image * 4;
  HG_GRID_STRIDE_LOOP(i, s.n * s.c * s.h * s.w) {
    const int64_t pix_in_plane = i % (s.h * s.w), plane = i / (s.h * s.w), b = plane / s.c;
    const int64_t key = b * s.h * s.w + pix_in_plane;
    C acc = C(0);
    for (int64_t e = lower_bound(keys, pairs, key); e < pairs && keys[e] == key; ++e) {
      const int64_t k = values[e] / 4;
      const int j = static_cast<int>(values[e] % 4);
      int64_t y, x;
      const C wk = sampling::corner(point_at(grid, k, s), s.nearest, j, &y, &x);
      acc += wk * to_compute(grad[plane * per_image + k % per_image]);
    }
    d_x[i] = store_as<T>::from(acc);
  }
}

size_t grid_sample_input_grad_scratch(const GridSampleShape& s, int device) {
  DeviceGuard guard(device);
  return 4 * aligned(sizeof(int64_t) * pair_count(s)) + aligned(cub_sort_bytes(s, device));
}

void launch_grid_sample_input_grad(void* d_x, const void* grid, const void* grad, DType dtype,
                                   const GridSampleShape& s, void* scratch, size_t scratch_bytes, int device) {
  const int64_t pairs = pair_count(s), n = s.n * s.c * s.h * s.w;
  if (n == 0) return;
  DeviceGuard guard(device);
  cudaStream_t st = stream(device);
  const size_t block = aligned(sizeof(int64_t) * pairs);
  char* base = static_cast<char*>(scratch);
  int64_t* keys_in = reinterpret_cast<int64_t*>(base);
  int64_t* keys = reinterpret_cast<int64_t*>(base + block);
  int64_t* values_in = reinterpret_cast<int64_t*>(base + 2 * block);
  int64_t* values = reinterpret_cast<int64_t*>(base + 3 * block);
  size_t sort_bytes = scratch_bytes - 4 * block;
  dispatch_device_float(dtype, "grid_sample_backward", [&](auto tag) {
    using T = decltype(tag);
    const T* g = static_cast<const T*>(grid);
    if (pairs > 0) {
      grid_sample_pair_keys_kernel<T><<<blocks_for(pairs), kThreads, 0, st>>>(keys_in, values_in, g, s);
      HG_CUDA_CHECK_LAUNCH();
      // stable: equal keys keep the increasing pair order
      HG_CUDA_CHECK(cub::DeviceRadixSort::SortPairs(base + 4 * block, sort_bytes, keys_in, keys, values_in, values,
                                                    pairs, 0, key_bits(s), st));
    }
    grid_sample_input_grad_kernel<T><<<blocks_for(n), kThreads, 0, st>>>(static_cast<T*>(d_x), g,
                                                                         static_cast<const T*>(grad), keys, values, s);
  });
  HG_CUDA_CHECK_LAUNCH();
}

}  // namespace hg::cuda
