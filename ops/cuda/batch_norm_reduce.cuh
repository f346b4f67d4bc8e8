// Deterministic block reductions for the normalisation, softmax and conv-bias kernels (nvcc only).
// Every thread of a block contributes one partial; the partials are combined in a fixed binary
// tree in shared memory, so the result depends only on the data and the block size, never on
// scheduling (no atomics). The block size must be kReduceThreads.
#pragma once
#include <cuda_runtime.h>

namespace hg::cuda {

constexpr int kReduceThreads = 256;  // a power of two

struct SumOp {
  template <class T> __device__ __forceinline__ T operator()(T a, T b) const { return a + b; }
};
struct MaxOp {  // NaN-propagating
  template <class T> __device__ __forceinline__ T operator()(T a, T b) const { return (a != a || a > b) ? a : b; }
};

// All threads of the block call this with their partial; all receive the combined value.
template <class T, class Op>
__device__ __forceinline__ T block_reduce(T v, Op op) {
  __shared__ T partial[kReduceThreads];
  partial[threadIdx.x] = v;
  __syncthreads();
  for (int step = kReduceThreads / 2; step > 0; step >>= 1) {
    if (static_cast<int>(threadIdx.x) < step) partial[threadIdx.x] = op(partial[threadIdx.x], partial[threadIdx.x + step]);
    __syncthreads();
  }
  const T r = partial[0];
  __syncthreads();  // the buffer may be reused by the next call
  return r;
}

template <class T> __device__ __forceinline__ T block_sum(T v) { return block_reduce(v, SumOp{}); }
template <class T> __device__ __forceinline__ T block_max(T v) { return block_reduce(v, MaxOp{}); }

}  // namespace hg::cuda
