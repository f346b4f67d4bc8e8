// Rotations (no graph): the Rodrigues formula, axis-angle r -> rotation matrix R, and its derivative.
//
// With θ = |r|, s = θ² and K = [r]× (K v = r × v):
//   R = I + (sinθ/θ) K + ((1 − cosθ)/θ²) K²  =  c I + a K + b r rᵀ        (K² = r rᵀ − s I)
// where a(s) = sinθ/θ, b(s) = (1 − cosθ)/θ², c(s) = cosθ = 1 − s b.
// Written through s, every coefficient is an entire function of s, so R is smooth at r = 0; for
// s < 1 they are evaluated from their Taylor series (exact to rounding, no division by θ), above
// it from the closed forms. The derivative w.r.t. r, for an upstream gradient G = dL/dR:
//   dL/dr = 2 r (c' tr G + a' (r · w) + b' rᵀ G r) + a w + b (G + Gᵀ) r,
//   w = (G₂₁ − G₁₂, G₀₂ − G₂₀, G₁₀ − G₀₁)   (so that <G, K> = r · w),
//   c' = −a/2, a' = (θ cosθ − sinθ)/(2θ³), b' = (θ sinθ − 2(1 − cosθ))/(2θ⁴)   (' = d/ds).
// The per-vector formulas are the HG_HOST_DEVICE functors of ops/rotation_functors.h (fn::Rodrigues,
// fn::RodriguesGrad), which the CUDA kernels include without the Tensor.
#pragma once
#include "ops/rotation_functors.h"
#include "tensor/tensor.h"

namespace hg::ops {

// axis_angle [..., 3] (any floating dtype, any strides) -> R [..., 3, 3], contiguous, same dtype.
Tensor rodrigues(const Tensor& axis_angle);
// dL/dr [..., 3] from grad = dL/dR [..., 3, 3] and the forward's input.
Tensor rodrigues_backward(const Tensor& grad, const Tensor& axis_angle);

}  // namespace hg::ops
