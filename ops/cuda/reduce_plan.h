// How a [rows, len] reduction is split on the GPU; shared by the host glue (scratch size) and the
// kernels. Depends only on the shape, so a reduction's combining order never changes between runs.
#pragma once
#include <cstdint>

namespace hg::cuda {

struct ReducePlan {
  bool per_thread = false;  // rows of <= kPerThreadLen: one thread folds a row in order
  int64_t chunk = 0;        // elements per block
  int64_t chunks = 1;       // blocks per row (> 1: a second pass combines their partials)
};

constexpr int64_t kPerThreadLen = 32;
constexpr int64_t kReduceChunk = 8192;
constexpr int64_t kMaxAccBytes = 16;  // the largest accumulator: (value, index)

inline ReducePlan plan_reduce(int64_t len) {
  ReducePlan p;
  if (len <= kPerThreadLen) {
    p.per_thread = true;
    p.chunk = len;
    return p;
  }
  p.chunk = kReduceChunk;
  p.chunks = (len + kReduceChunk - 1) / kReduceChunk;
  return p;
}

// Bytes of scratch for the chunk partials (0 when one pass suffices).
inline int64_t reduce_scratch_bytes(int64_t rows, int64_t len) {
  const ReducePlan p = plan_reduce(len);
  return p.chunks > 1 ? rows * p.chunks * kMaxAccBytes : 0;
}

}  // namespace hg::cuda
