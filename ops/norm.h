// Normalisation kernels (no graph): batch norm over (N, spatial) per channel and layer norm over
// the trailing dims. The differentiable wrappers are in autograd/norm.h.
//
// Both save the statistics the backward needs as f64 tensors (mean and 1/sqrt(var + eps)), and
// accumulate in double in a fixed order, so results do not depend on the thread count.
#pragma once
#include <array>

#include "tensor/tensor.h"

namespace hg::ops {

struct NormForward {
  Tensor out;     // same shape and dtype as the input
  Tensor mean;    // f64: [C] for batch norm, [rows] for layer norm
  Tensor invstd;  // f64: 1 / sqrt(var + eps), same shape as mean
};

struct NormGrads {
  Tensor input, weight, bias;  // undefined where not requested
};
using NormNeeds = std::array<bool, 3>;  // {input, weight, bias}

// ---- batch norm: x is [N, C] or [N, C, d...]; weight/bias/running stats are [C] or undefined ----
//
// training: normalise with the batch mean and the biased batch variance; when running stats are
//   given, update them IN PLACE:  running_mean = (1 - momentum) running_mean + momentum mean,
//   running_var = (1 - momentum) running_var + momentum var_unbiased  (var · M / (M - 1)).
// inference: normalise with running_mean / running_var (both required).
// y = (x - mean) / sqrt(var + eps) · weight + bias   (weight = 1, bias = 0 when undefined).
NormForward batch_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, const Tensor& running_mean,
                       const Tensor& running_var, bool training, double momentum, double eps);

// Inference batch norm IN PLACE on x (contiguous), with the ReLU fused when relu = true, in one
// pass: x = max(0, (x − running_mean)·weight/√(running_var + eps) + bias). The same arithmetic as
// batch_norm(training = false) followed by relu, so the values are identical. For a caller that
// owns x and records nothing (ResNet blocks in eval mode without gradients).
void batch_norm_inference_(const Tensor& x, const Tensor& weight, const Tensor& bias, const Tensor& running_mean,
                           const Tensor& running_var, double eps, bool relu);

// Backward from the saved mean/invstd. With x̂ = (x - mean)·invstd and M = N·prod(d):
//   training:  dx = w·invstd·(g − mean(g) − x̂·mean(g·x̂))    (the statistics depend on x)
//   inference: dx = w·invstd·g                                (the statistics are constants)
//   dw = Σ g·x̂,  db = Σ g  (sums over N and d...)
NormGrads batch_norm_backward(const Tensor& grad_out, const Tensor& x, const Tensor& weight, const Tensor& mean,
                              const Tensor& invstd, bool training, NormNeeds needs);

// ---- layer norm over the trailing dims `normalized_shape` of x; weight/bias have that shape ----
// y = (x - mean) / sqrt(var + eps) · weight + bias, mean and biased var per row of prod(normalized_shape).
NormForward layer_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight, const Tensor& bias,
                       double eps);

// With x̂ = (x - mean)·rstd and ĝ = g·w, per row of M elements:
//   dx = rstd·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)),  dw = Σ_rows g·x̂,  db = Σ_rows g.
NormGrads layer_norm_backward(const Tensor& grad_out, const Tensor& x, const Shape& normalized_shape,
                              const Tensor& weight, const Tensor& mean, const Tensor& rstd, NormNeeds needs);

}  // namespace hg::ops
