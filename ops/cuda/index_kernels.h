// Launchers of the CUDA indexing kernels (ops/cuda/index_kernels.cu). No CUDA types.
//
// The kernels walk an index-shaped iteration space of `ndim` dims and address every tensor through
// its own strides (DimStrides, not merged: the indexed dim must stay a dim). index_select and
// index_add are gather and scatter_add with a "virtual" index whose strides are 0 except along dim.
#pragma once
#include <cstdint>

#include "ops/cuda/kernel_args.h"

namespace hg::cuda {

struct IndexSpace {
  int ndim = 0;
  int dim = 0;
  int64_t sizes[kMaxDims] = {};
  int64_t numel = 0;
};
struct DimStrides {
  void* data = nullptr;
  int64_t strides[kMaxDims] = {};
};

// out[p] = x[p with p[dim] replaced by index[p]] for every p of the space; one thread per element.
void launch_gather(const IndexSpace& space, DType dtype, const DimStrides& out, const DimStrides& x,
                   const DimStrides& index, int device);
// out[p with p[dim] replaced by index[p]] += src[p]: one thread per line (all of p but p[dim]),
// adding in index order like the CPU, so no two threads touch one element and results are exact
// repeats of the CPU's arithmetic.
void launch_scatter_add(const IndexSpace& space, DType dtype, const DimStrides& out, const DimStrides& src,
                        const DimStrides& index, int device);
// *first = the smallest row-major position of an i64 value outside [lo, hi), or stays as it was
// (the caller starts it at all ones). Integer atomicMin: the result does not depend on scheduling.
void launch_first_outside(const StridedArg& index, int64_t lo, int64_t hi, unsigned long long* first, int device);
// out[k, index[k]] = 1 for contiguous index[n] (values in [0, classes)); out is pre-zeroed [n, classes].
void launch_one_hot(const int64_t* index, int64_t n, int64_t classes, int64_t* out, int device);

}  // namespace hg::cuda
