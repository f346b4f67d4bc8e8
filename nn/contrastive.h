// NT-Xent, the normalised-temperature cross-entropy of SimCLR / PeCLR (PeCLR supp. eq. 1).
//
// z holds 2N projections: rows i and i + N are two views of the same image (the positives). With
// ẑ = z / ‖z‖ and s(i, k) = ẑ_i · ẑ_k / τ,
//   loss_i = −s(i, p(i)) + log Σ_{k ≠ i} exp s(i, k),        p(i) = (i + N) mod 2N,
// averaged over all 2N anchors. The positive is part of the denominator; only the anchor itself is
// left out. τ = 0.5 in the public PeCLR code, 0.1 in SimCLR.
#pragma once
#include "tensor/tensor.h"

namespace hg::nn {

// z [2N, d] (N ≥ 1) -> scalar. Differentiable w.r.t. z (a composition of autograd functions).
Tensor nt_xent(const Tensor& z, double temperature);

}  // namespace hg::nn
