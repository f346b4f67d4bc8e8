// Launchers of the layer-norm kernels (ops/cuda/layer_norm.cu). x, g, y, dx are contiguous
// [rows, m]; w, b are device doubles [m] or null (1 and 0); mean/rstd/dw/db are device doubles.
#pragma once
#include <cstdint>

#include "ops/cuda/kernel_args.h"

namespace hg::cuda {

// One block per row: mean, rstd (two passes in double, fixed tree) and y.
void launch_ln_forward(const StridedArg& x, const StridedArg& y, int64_t rows, int64_t m, const double* w,
                       const double* b, double eps, double* mean, double* rstd, int device);
// One block per row: dx = rstd·(g·w − mean(ĝ) − x̂·mean(ĝ·x̂)).
void launch_ln_input_grad(const StridedArg& g, const StridedArg& x, const StridedArg& dx, int64_t rows, int64_t m,
                          const double* w, const double* mean, const double* rstd, int device);
// One thread per column, rows summed in order: dw = Σ g·x̂, db = Σ g (either may be null).
void launch_ln_param_grads(const StridedArg& g, const StridedArg& x, int64_t rows, int64_t m, const double* mean,
                           const double* rstd, double* dw, double* db, int device);

}  // namespace hg::cuda
