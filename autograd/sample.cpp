// Resampling functions with their derivatives (the backward kernels are in ops/cpu/).
#include "autograd/sample.h"

#include <cmath>

#include "autograd/node.h"

namespace hg {

static const Differentiable kInterpolate(
    "interpolate",
    "d interpolate(x)[i, j] = sum over outputs reading x[i, j] of g * weight (bilinear: (1-wy or wy)(1-wx or wx); "
    "nearest: 1)");
namespace {
Tensor interpolate_impl(const Tensor& x, int64_t out_h, int64_t out_w, InterpolateMode mode, bool align_corners,
                        double scale_h, double scale_w) {
  const Shape in = x.sizes();
  return record(kInterpolate, {x}, ops::interpolate(x, out_h, out_w, mode, align_corners, scale_h, scale_w),
                [=](const Tensor& g) {
                  return Grads{ops::interpolate_backward(g, in, mode, align_corners, scale_h, scale_w)};
                });
}
}  // namespace

Tensor interpolate(const Tensor& x, int64_t out_h, int64_t out_w, InterpolateMode mode, bool align_corners) {
  return interpolate_impl(x, out_h, out_w, mode, align_corners, 0.0, 0.0);
}

Tensor interpolate(const Tensor& x, ScaleFactor scale, InterpolateMode mode, bool align_corners) {
  if (x.dim() != 4)
    throw std::invalid_argument("interpolate: expected an NCHW input, got shape " + x.shape_string());
  if (!(scale.h > 0) || !(scale.w > 0))
    throw std::invalid_argument("interpolate: scale factors must be positive, got " + std::to_string(scale.h) +
                                " and " + std::to_string(scale.w) + " for input " + x.shape_string());
  // torch: out = floor(in * scale), in double
  const auto out_h = static_cast<int64_t>(std::floor(static_cast<double>(x.size(2)) * scale.h));
  const auto out_w = static_cast<int64_t>(std::floor(static_cast<double>(x.size(3)) * scale.w));
  return interpolate_impl(x, out_h, out_w, mode, align_corners, scale.h, scale.w);
}

static const Differentiable kAffineGrid("affine_grid",
                                        "d affine_grid(theta)[n, i, :] = sum_{h,w} g[n, h, w, i] (x_w, y_h, 1)");
Tensor affine_grid(const Tensor& theta, const Shape& size, bool align_corners) {
  return record(kAffineGrid, {theta}, ops::affine_grid(theta, size, align_corners), [size, align_corners](const Tensor& g) {
    return Grads{ops::affine_grid_backward(g, size, align_corners)};
  });
}

static const Differentiable kGridSample(
    "grid_sample",
    "d grid_sample(x, grid): x[corner] += w_corner g; grid_x += sum_c g ((ne-nw) wy0 + (se-sw) wy1) dix/dgx, "
    "grid_y += sum_c g ((sw-nw) wx0 + (se-ne) wx1) diy/dgy (bilinear; zero for nearest)");
Tensor grid_sample(const Tensor& x, const Tensor& grid, InterpolateMode mode, GridPadding padding, bool align_corners) {
  return record(kGridSample, {x, grid}, ops::grid_sample(x, grid, mode, padding, align_corners),
                [=](const Tensor& g, const NeedsGrad& n) {
                  auto r = ops::grid_sample_backward(g, x, grid, mode, padding, align_corners, n[0], n[1]);
                  return Grads{r.input, r.grid};
                });
}

}  // namespace hg
