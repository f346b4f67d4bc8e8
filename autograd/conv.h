// Differentiable 2-D convolution (see ops/conv.h for the definition, shapes and errors).
#pragma once
#include "ops/conv.h"  // Conv2dParams
#include "tensor/tensor.h"

namespace hg {

// x [N, C, H, W], w [O, C/groups, kh, kw], bias [O] or undefined -> [N, O, Ho, Wo];
// differentiable w.r.t. x, w and bias.
Tensor conv2d(const Tensor& x, const Tensor& w, const Tensor& bias = Tensor(), const Conv2dParams& p = {});

}  // namespace hg
