// Launchers of the batch-norm kernels (ops/cuda/batch_norm.cu). x, g, y, dx are contiguous
// [n, c, s]; the per-channel arrays are device doubles [c] (null where optional and absent).
// Work is queued on the device's stream.
#pragma once
#include <cstdint>

#include "ops/cuda/kernel_args.h"

namespace hg::cuda {

struct ChannelLayout {
  int64_t n = 0, c = 0, s = 0;
};

// mean[c] and the biased var[c]: one block per channel, two passes, double, fixed tree.
void launch_bn_stats(const StridedArg& x, const ChannelLayout& l, double* mean, double* var, int device);
// invstd = 1/sqrt(var + eps), scale = w·invstd (w = 1 when null), shift = b (0 when null).
void launch_bn_coefficients(const double* var, const double* w, const double* b, double eps, int64_t c,
                            double* invstd, double* scale, double* shift, int device);
// running[c] ← (1 − momentum)·running[c] + momentum·batch[c], with batch first made unbiased
// (· m/(m − 1)) when unbias_count > 0. `running` is any floating dtype and layout.
void launch_bn_running_update(const StridedArg& running, const double* batch, double momentum,
                              double unbias_count, int device);
// y = (x − mean)·scale + shift per channel.
void launch_bn_normalize(const StridedArg& x, const StridedArg& y, const ChannelLayout& l, const double* mean,
                         const double* scale, const double* shift, int device);
// sum_g[c] = Σ g, sum_gx[c] = Σ g·(x − mean): one block per channel, double, fixed tree.
void launch_bn_grad_sums(const StridedArg& g, const StridedArg& x, const ChannelLayout& l, const double* mean,
                         double* sum_g, double* sum_gx, int device);
// Per channel: k, kx, k0 of fn::bn_input_grad_coefficients (m values per channel), and
// dw = invstd·Σg(x − mean). Any output pointer may be null.
void launch_bn_backward_coefficients(const double* w, const double* invstd, const double* sum_g,
                                     const double* sum_gx, double m, bool training, int64_t c, double* k,
                                     double* kx, double* k0, double* dw, int device);
// dx = g·k + (x − mean)·kx + k0 per channel.
void launch_bn_input_grad(const StridedArg& g, const StridedArg& x, const StridedArg& dx, const ChannelLayout& l,
                          const double* mean, const double* k, const double* kx, const double* k0, int device);

}  // namespace hg::cuda
