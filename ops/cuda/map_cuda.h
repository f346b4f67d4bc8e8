// Launchers of the CUDA element-wise kernels behind ops::map (ops/map.h): out[i] = f(inputs[i]...)
// for a functor F of ops/functors.h. Declared without CUDA headers so map.h (g++) can call them;
// defined in ops/cuda/map_kernels.cuh and explicitly instantiated for every listed functor by
// ops/cuda/map_*.cu, so a call with an unlisted functor fails to link.
//
// The inputs are already promoted to one dtype and broadcast to out's shape (any strides); the
// functor runs on the compute type (float for f16/bf16) and the result is stored as out's dtype
// (bool for predicates). Queued on the device's stream; returns without waiting.
#pragma once
#include "ops/cuda/kernel_args.h"

namespace hg::cuda {

template <class F>
void launch_map(const F& f, const StridedArg& out, const StridedArg& a, int device);
template <class F>
void launch_map(const F& f, const StridedArg& out, const StridedArg& a, const StridedArg& b, int device);
template <class F>
void launch_map(const F& f, const StridedArg& out, const StridedArg& a, const StridedArg& b, const StridedArg& c,
                int device);

}  // namespace hg::cuda
