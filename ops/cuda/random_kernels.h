// Launchers of the counter-based random kernels (ops/cuda/random.cu). No CUDA types.
#pragma once
#include <cstdint>

#include "ops/cuda/kernel_args.h"

namespace hg::cuda {

// Philox (tensor/philox.h) key and the first counter of a draw, as reserved on the host Generator.
struct PhiloxDraw {
  uint64_t seed, stream, base;
};

// out[i] (contiguous, n = out.numel) = lo + (hi − lo)·u_i with the CPU factory's mapping: f64 draws
// use block base + i/2, words 2(i%2), 2(i%2)+1 (uniform_double); every other dtype block base + i/4,
// word i%4 (uniform_float, the value rounded to float first).
void launch_uniform(const StridedArg& out, const PhiloxDraw& d, double lo, double hi, bool double_draw, int device);
// out[i] = (u_i < p_i) with the f64 mapping; p is a scalar (p_tensor null) or a contiguous f64 tensor.
void launch_bernoulli(const StridedArg& out, const PhiloxDraw& d, double p, const double* p_tensor, int device);

}  // namespace hg::cuda
