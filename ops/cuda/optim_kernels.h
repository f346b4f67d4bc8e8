// Launcher of the device-side LARS rescale (ops/cuda/optim_lars.cu). No CUDA types.
#pragma once
#include "ops/cuda/kernel_args.h"

namespace hg::cuda {

struct LarsArgs {
  double weight_decay, lr, trust_coefficient, eps;
  bool clip;
};

// f = fn::lars_factor(‖w‖, ‖g‖, ...) from the one-element norm tensors (dtype norm_dtype, device
// memory); g <- f·(g + wd·w) element-wise (g, w same shape, one floating dtype); *factor_out = f.
void launch_lars_rescale(const StridedArg& g, const StridedArg& w, const void* w_norm, const void* g_norm,
                         DType norm_dtype, const LarsArgs& a, double* factor_out, int device);

}  // namespace hg::cuda
