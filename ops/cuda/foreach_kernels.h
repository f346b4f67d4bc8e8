// The fused optimiser update on CUDA: one kernel per update functor of ops/optim_functors.h runs
// f(e_0, ..., e_{N−1}) on every element of N same-shape tensors of one floating dtype (compute
// precision: float for f16/bf16/f32, double for f64) and stores the first kWritten operands back.
// nn/optim_foreach.h calls it for CUDA tensors; ops/cuda/foreach.cu instantiates it for every
// functor the optimisers use (a new functor needs a line there). No CUDA types here.
#pragma once
#include <cstddef>

#include "ops/cuda/kernel_args.h"
#include "ops/optim_functors.h"

namespace hg::cuda {

// args: N operands (any strides, same shape and dtype), the first kWritten updated in place.
template <size_t kWritten, size_t N, class F>
void launch_foreach_update(const F& f, const StridedArg* args, int device);

}  // namespace hg::cuda
