// Launchers of the softmax kernels (ops/cuda/softmax.cu). Tensors are contiguous, viewed as
// [outer, d, inner]; a "row" is the d elements along the softmax dim (spaced inner apart).
#pragma once
#include <cstdint>

#include "ops/cuda/kernel_args.h"

namespace hg::cuda {

struct SoftmaxLayout {
  int64_t outer = 1, d = 1, inner = 1;
};

// Long contiguous rows (inner == 1, d large) get a block each with tree reductions; otherwise a
// thread walks one row in order (as the CPU does). Both are deterministic.
void launch_softmax_forward(const StridedArg& x, const StridedArg& y, const SoftmaxLayout& l, bool log, int device);
void launch_softmax_backward(const StridedArg& g, const StridedArg& y, const StridedArg& dx, const SoftmaxLayout& l,
                             bool log, int device);

}  // namespace hg::cuda
