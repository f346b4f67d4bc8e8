// Differentiable rotations (the kernels and formulas are in ops/rotation.h).
#pragma once
#include "tensor/tensor.h"

namespace hg {

// Rodrigues' formula: axis-angle vectors [..., 3] (angle = the norm, in radians) -> rotation
// matrices [..., 3, 3]. Exact and smooth at the zero vector, gradient included.
Tensor rodrigues(const Tensor& axis_angle);

}  // namespace hg
