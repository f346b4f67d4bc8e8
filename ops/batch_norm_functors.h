// The per-channel and per-element formulas of batch norm (ops/norm.h), written once for the CPU
// and CUDA kernels (HG_HOST_DEVICE; no CUDA headers). Statistics are doubles; the element-wise
// formulas run in the compute type A (float for f32/f16/bf16, double for f64).
#pragma once
#include <cmath>

#include "tensor/host_device.h"

namespace hg::fn {

// 1 / sqrt(var + eps)
HG_HOST_DEVICE double bn_invstd(double var, double eps) {
  using std::sqrt;
  return 1.0 / sqrt(var + eps);
}
// The unbiased variance from the biased one over m values: var · m / (m − 1).
HG_HOST_DEVICE double bn_unbiased_var(double var, double m) { return var * m / (m - 1.0); }
// running ← (1 − momentum) · running + momentum · batch
HG_HOST_DEVICE double bn_running_update(double running, double batch, double momentum) {
  return running * (1.0 - momentum) + batch * momentum;
}

// y = (x − mean) · scale + shift, with scale = w · invstd and shift = b (centred first: no
// cancellation in f32).
template <class A>
HG_HOST_DEVICE A bn_normalize(A x, A mean, A scale, A shift) {
  return (x - mean) * scale + shift;
}

// dx = g · k + (x − mean) · kx + k0 per channel, from the sums Σg and Σg(x − mean) over the m values:
//   training:  k = w·invstd, kx = −k·invstd²·Σg(x − mean)/m, k0 = −k·Σg/m
//   inference: k = w·invstd, kx = k0 = 0 (the statistics are constants)
struct BnInputGradCoefficients {
  double k, kx, k0;
};
HG_HOST_DEVICE BnInputGradCoefficients bn_input_grad_coefficients(double w, double invstd, double sum_g,
                                                                   double sum_gx, double m, bool training) {
  BnInputGradCoefficients c{w * invstd, 0.0, 0.0};
  if (training) {
    c.kx = -c.k * invstd * invstd * sum_gx / m;
    c.k0 = -c.k * sum_g / m;
  }
  return c;
}
template <class A>
HG_HOST_DEVICE A bn_input_grad(A g, A x, A mean, A k, A kx, A k0) {
  return g * k + (x - mean) * kx + k0;
}

}  // namespace hg::fn
