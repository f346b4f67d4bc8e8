// Indexing kernels: gather (also index_select), scatter_add (also index_add), the range check and
// one_hot. See ops/cuda/index_kernels.h for the contracts.
#include "ops/cuda/check.h"
#include "ops/cuda/context.h"
#include "ops/cuda/index_kernels.h"
#include "ops/cuda/launch.cuh"

namespace hg::cuda {
namespace {

template <class T>
__global__ void gather_kernel(IndexSpace sp, DimStrides out, DimStrides x, DimStrides index) {
  T* o = static_cast<T*>(out.data);
  const T* px = static_cast<const T*>(x.data);
  const int64_t* pi = static_cast<const int64_t*>(index.data);
  HG_GRID_STRIDE_LOOP(i, sp.numel) {
    int64_t r = i, off_out = 0, off_x = 0, off_index = 0;
    for (int d = sp.ndim - 1; d >= 0; --d) {
      const int64_t c = r % sp.sizes[d];
      r /= sp.sizes[d];
      off_out += c * out.strides[d];
      off_index += c * index.strides[d];
      if (d != sp.dim) off_x += c * x.strides[d];
    }
    o[off_out] = px[off_x + pi[off_index] * x.strides[sp.dim]];
  }
}

template <class T>
__global__ void scatter_add_kernel(IndexSpace sp, int64_t lines, DimStrides out, DimStrides src, DimStrides index) {
  T* o = static_cast<T*>(out.data);
  const T* ps = static_cast<const T*>(src.data);
  const int64_t* pi = static_cast<const int64_t*>(index.data);
  const int64_t len = sp.sizes[sp.dim];
  HG_GRID_STRIDE_LOOP(line, lines) {
    int64_t r = line, off_out = 0, off_src = 0, off_index = 0;
    for (int d = sp.ndim - 1; d >= 0; --d) {
      if (d == sp.dim) continue;
      const int64_t c = r % sp.sizes[d];
      r /= sp.sizes[d];
      off_out += c * out.strides[d];
      off_src += c * src.strides[d];
      off_index += c * index.strides[d];
    }
    for (int64_t k = 0; k < len; ++k) {  // in index order, as the CPU
      T& dst = o[off_out + pi[off_index + k * index.strides[sp.dim]] * out.strides[sp.dim]];
      dst = store_as<T>::from(to_compute(dst) + to_compute(ps[off_src + k * src.strides[sp.dim]]));
    }
  }
}

__global__ void first_outside_kernel(StridedArg index, int64_t lo, int64_t hi, unsigned long long* first) {
  const int64_t* p = static_cast<const int64_t*>(index.data);
  HG_GRID_STRIDE_LOOP(i, index.numel) {
    const int64_t v = p[element_offset(index, i)];
    if (v < lo || v >= hi) atomicMin(first, static_cast<unsigned long long>(i));
  }
}

__global__ void one_hot_kernel(const int64_t* index, int64_t n, int64_t classes, int64_t* out) {
  HG_GRID_STRIDE_LOOP(k, n) { out[k * classes + index[k]] = 1; }
}

}  // namespace

void launch_gather(const IndexSpace& space, DType dtype, const DimStrides& out, const DimStrides& x,
                   const DimStrides& index, int device) {
  if (space.numel == 0) return;
  DeviceGuard guard(device);
  cudaStream_t s = stream(device);
  dispatch_device_all(dtype, "gather", [&](auto tag) {
    using T = decltype(tag);
    gather_kernel<T><<<blocks_for(space.numel), kThreads, 0, s>>>(space, out, x, index);
  });
  HG_CUDA_CHECK_LAUNCH();
}

void launch_scatter_add(const IndexSpace& space, DType dtype, const DimStrides& out, const DimStrides& src,
                        const DimStrides& index, int device) {
  if (space.numel == 0) return;
  const int64_t lines = space.numel / space.sizes[space.dim];
  DeviceGuard guard(device);
  cudaStream_t s = stream(device);
  dispatch_device_all(dtype, "scatter_add", [&](auto tag) {
    using T = decltype(tag);
    scatter_add_kernel<T><<<blocks_for(lines), kThreads, 0, s>>>(space, lines, out, src, index);
  });
  HG_CUDA_CHECK_LAUNCH();
}

void launch_first_outside(const StridedArg& index, int64_t lo, int64_t hi, unsigned long long* first, int device) {
  if (index.numel == 0) return;
  DeviceGuard guard(device);
  first_outside_kernel<<<blocks_for(index.numel), kThreads, 0, stream(device)>>>(index, lo, hi, first);
  HG_CUDA_CHECK_LAUNCH();
}

void launch_one_hot(const int64_t* index, int64_t n, int64_t classes, int64_t* out, int device) {
  if (n == 0 || classes == 0) return;
  DeviceGuard guard(device);
  one_hot_kernel<<<blocks_for(n), kThreads, 0, stream(device)>>>(index, n, classes, out);
  HG_CUDA_CHECK_LAUNCH();
}

}  // namespace hg::cuda
