// CUDA pad and pad_backward, called by ops/cpu/pad.cpp through HG_ON_CUDA with the geometry it
// computed (ops/pad_geometry.h), so the checks and index rule are the CPU op's. The backward is a
// gather (one thread per input element over the output positions that read it): deterministic.
#pragma once
#include "ops/pad_geometry.h"

namespace hg::cuda {

Tensor pad(const Tensor& x, const ops::PadGeometry& g, double value);
Tensor pad_backward(const Tensor& grad, const Shape& input_shape, const ops::PadGeometry& g);

}  // namespace hg::cuda
