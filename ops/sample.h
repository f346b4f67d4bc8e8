// Resampling images (torch.nn.functional.interpolate / affine_grid / grid_sample semantics, as in
// PyTorch 1.13), no graph. Images are NCHW; grids are [N, Ho, Wo, 2] holding (x, y) in [-1, 1].
//
// Pixel coordinates. interpolate maps an output index d to a source coordinate s:
//   nearest:                    s = min(floor(d * scale), in - 1)        (computed in float, as torch)
//   bilinear, align_corners:    s = d * (in - 1) / (out - 1)             (0 when out == 1)
//   bilinear, !align_corners:   s = max((d + 0.5) * scale - 0.5, 0)
// with scale = 1 / scale_factor when the caller gave one, else in / out. Bilinear blends x[floor(s)]
// and x[floor(s) + 1] (the last index repeats at the edge) with weights 1 - frac(s), frac(s).
//
// grid_sample unnormalises a grid value g in [-1, 1] to a pixel coordinate
//   align_corners:  (g + 1) / 2 * (size - 1)       (-1, 1 are the centres of the corner pixels)
//   !align_corners: ((g + 1) * size - 1) / 2       (-1, 1 are the outer edges of the corner pixels)
// then reads: zeros padding treats pixels outside the image as 0; border padding clamps the
// coordinate to [0, size - 1] (its derivative is 0 where it clamps). Nearest rounds half to even.
#pragma once
#include <string>

#include "tensor/tensor.h"

// The enums live in hg (not hg::ops) so that argument-dependent lookup of an unqualified call
// such as grid_sample(x, grid, InterpolateMode::bilinear) finds only the differentiable hg version.
namespace hg {
enum class InterpolateMode { nearest, bilinear };
enum class GridPadding { zeros, border };
// "nearest" | "bilinear" and "zeros" | "border"; throw std::invalid_argument naming the allowed values.
InterpolateMode parse_interpolate_mode(const std::string& name);
GridPadding parse_grid_padding(const std::string& name);
const char* interpolate_mode_name(InterpolateMode mode);
const char* grid_padding_name(GridPadding padding);
}  // namespace hg

namespace hg::ops {

// x [N, C, H, W] -> [N, C, out_h, out_w]. scale_h/scale_w: the scale factors the caller asked for
// (torch then uses 1/scale instead of in/out); 0 = none. align_corners must be false for nearest.
Tensor interpolate(const Tensor& x, int64_t out_h, int64_t out_w, InterpolateMode mode, bool align_corners,
                   double scale_h = 0.0, double scale_w = 0.0);
// dL/dx given dL/dy = grad [N, C, out_h, out_w]; input_shape = x's shape.
Tensor interpolate_backward(const Tensor& grad, const Shape& input_shape, InterpolateMode mode, bool align_corners,
                            double scale_h = 0.0, double scale_w = 0.0);

// theta [N, 2, 3], size = {N, C, H, W} -> grid [N, H, W, 2]:
//   grid[n, h, w] = theta[n] @ (x_w, y_h, 1), x_w = -1 + 2w/(W-1) scaled by (W-1)/W unless align_corners
//   (and likewise y_h); a size of 1 gives the coordinate 0.
Tensor affine_grid(const Tensor& theta, const Shape& size, bool align_corners);
// dL/dtheta[n, i, j] = sum_{h,w} grad[n, h, w, i] * base[h, w, j], base = (x_w, y_h, 1).
Tensor affine_grid_backward(const Tensor& grad, const Shape& size, bool align_corners);

// x [N, C, H, W], grid [N, Ho, Wo, 2] -> [N, C, Ho, Wo].
Tensor grid_sample(const Tensor& x, const Tensor& grid, InterpolateMode mode, GridPadding padding,
                   bool align_corners);
struct GridSampleGrads {
  Tensor input;  // [N, C, H, W]
  Tensor grid;   // [N, Ho, Wo, 2]; zeros for nearest (piecewise constant in the grid)
};
GridSampleGrads grid_sample_backward(const Tensor& grad, const Tensor& x, const Tensor& grid, InterpolateMode mode,
                                     GridPadding padding, bool align_corners, bool need_input = true,
                                     bool need_grid = true);

}  // namespace hg::ops
