// Differentiable resampling: interpolate, affine_grid, grid_sample (kernels and the coordinate
// rules, PyTorch 1.13's, in ops/sample.h).
#pragma once
#include "ops/sample.h"
#include "tensor/tensor.h"

namespace hg {

// x [N, C, H, W] resized to [N, C, out_h, out_w]. align_corners must be false for nearest.
Tensor interpolate(const Tensor& x, int64_t out_h, int64_t out_w, InterpolateMode mode = InterpolateMode::nearest,
                   bool align_corners = false);
// Resized by scale factors: output size floor(in * scale), and (as torch) the kernel uses 1/scale
// as the source step, not in/out.
struct ScaleFactor {
  double h, w;
};
Tensor interpolate(const Tensor& x, ScaleFactor scale, InterpolateMode mode = InterpolateMode::nearest,
                   bool align_corners = false);

// theta [N, 2, 3], size {N, C, H, W} -> grid [N, H, W, 2]; differentiable w.r.t. theta.
Tensor affine_grid(const Tensor& theta, const Shape& size, bool align_corners = false);

// x [N, C, H, W] sampled at grid [N, Ho, Wo, 2] -> [N, C, Ho, Wo]; differentiable w.r.t. x and
// (bilinear) the grid. Nearest gives the grid a zero gradient.
Tensor grid_sample(const Tensor& x, const Tensor& grid, InterpolateMode mode = InterpolateMode::bilinear,
                   GridPadding padding = GridPadding::zeros, bool align_corners = false);

}  // namespace hg
