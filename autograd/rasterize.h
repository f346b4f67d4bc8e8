// The differentiable soft rasteriser (kernels, formulas and settings in ops/rasterize.h): one
// fused forward kernel and one backward kernel, recorded as a single graph node.
#pragma once
#include "ops/rasterize.h"
#include "tensor/tensor.h"

namespace hg {

// screen [B, V, 3] (x, y pixels, z depth), faces [F, 3] i64, attrs [B, V, C] (or [B, F, C] with
// settings.per_face_attributes) -> image [B, C + 2, H, W] = (attributes..., alpha, depth).
// Differentiable w.r.t. screen and attrs.
Tensor rasterize_soft(const Tensor& screen, const Tensor& faces, const Tensor& attrs,
                      const SoftRasterSettings& settings);

}  // namespace hg
