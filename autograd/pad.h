// Differentiable padding (kernels and the mode rules in ops/pad.h).
#pragma once
#include <vector>

#include "ops/pad.h"
#include "tensor/tensor.h"

namespace hg {

// pads in torch order, last dim first: {left, right[, top, bottom]}; x 2-D to 4-D.
Tensor pad(const Tensor& x, const std::vector<int64_t>& pads, PadMode mode = PadMode::constant, double value = 0.0);

}  // namespace hg
