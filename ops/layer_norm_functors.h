// The per-element formulas of layer norm (ops/norm.h), in double, shared by the CPU kernel
// (ops/cpu/layer_norm.cpp) and the CUDA kernels (ops/cuda/layer_norm.cu). No CUDA headers.
#pragma once
#include "ops/batch_norm_functors.h"
#include "tensor/host_device.h"

namespace hg::fn {

// rstd of a row from its sum of squared deviations over m values: 1 / sqrt(ss/m + eps).
HG_HOST_DEVICE double ln_rstd(double sum_sq_dev, double m, double eps) { return bn_invstd(sum_sq_dev / m, eps); }
// x̂ = (x − mean)·rstd
HG_HOST_DEVICE double ln_xhat(double x, double mean, double rstd) { return (x - mean) * rstd; }
// y = (x − mean)·rstd·w + b
HG_HOST_DEVICE double ln_normalize(double x, double mean, double rstd, double w, double b) {
  return (x - mean) * rstd * w + b;
}
// dx = rstd·(g·w − mean(ĝ) − x̂·mean(ĝ·x̂)),  ĝ = g·w; the two means are over the row.
HG_HOST_DEVICE double ln_input_grad(double g, double w, double xhat, double rstd, double mean_gh, double mean_ghxh) {
  return rstd * (g * w - mean_gh - xhat * mean_ghxh);
}

}  // namespace hg::fn
