// OpenCV pinhole camera (DESIGN.md "Conventions (hand/)"): x right, y down, z forward,
//   (u, v) = (fx X/Z + s Y/Z + cx, fy Y/Z + cy), i.e. (u, v, 1) ~ K (X, Y, Z).
// Pixel convention: the centre of pixel (i, j) (row i, column j) is at (u, v) = (j, i), so the
// image [H, W] covers u in [-0.5, W - 0.5] and v in [-0.5, H - 0.5].
//
// Everything is composed from differentiable autograd functions (gradients w.r.t. points and K).
// Image edits act on pixel coordinates through a 3x3 affine A (homogeneous, bottom row 0 0 1):
// a point moves as (u', v', 1) = A (u, v, 1), hence the intrinsics as K' = A K.
#pragma once
#include "tensor/tensor.h"

namespace hg::hand {

// xyz [..., N, 3], K [..., 3, 3] (batch dims broadcast) -> uv [..., N, 2]; uv = (p_0, p_1) / p_2, p = K xyz.
Tensor project(const Tensor& xyz, const Tensor& K);
// uv [..., N, 2], z [..., N], K [..., 3, 3] -> xyz [..., N, 3] = z · K⁻¹ (u, v, 1).
Tensor backproject(const Tensor& uv, const Tensor& z, const Tensor& K);
// The rays K⁻¹ (u, v, 1) for uv [..., N, 2] -> [..., N, 3] (third component 1 for a pinhole K).
Tensor unproject_rays(const Tensor& uv, const Tensor& K);

// Pixel-coordinate affines (f64 [3, 3], host) for the image edits below.
// Crop whose top-left pixel is (row y0, column x0): u' = u - x0, v' = v - y0.
Tensor crop_affine(double x0, double y0);
// Resize by factors sx = W'/W, sy = H'/H under the pixel-centre convention above (the image
// edges -0.5 and W - 0.5 map to -0.5 and W' - 0.5, as interpolate(align_corners = false) does):
//   u' = sx (u + 0.5) - 0.5,  v' = sy (v + 0.5) - 0.5.
// (So fx' = sx fx, cx' = sx cx + (sx - 1)/2; plain scaling cx' = sx cx would instead be right
// for a corner-at-integer convention.)
Tensor resize_affine(double sx, double sy);
// In-plane rotation by `angle` radians about pixel (pu, pv):
//   (u', v') = R(angle) (u - pu, v - pv) + (pu, pv),  R = [[cos, -sin], [sin, cos]].
// With y down, a positive angle turns the image content clockwise on screen.
Tensor rotate_affine(double angle, double pu, double pv);

// K' = A K (A converted to K's dtype and device; K [..., 3, 3]).
Tensor transform_intrinsics(const Tensor& K, const Tensor& A);
Tensor crop_intrinsics(const Tensor& K, double x0, double y0);
Tensor resize_intrinsics(const Tensor& K, double sx, double sy);
Tensor rotate_intrinsics(const Tensor& K, double angle, double pu, double pv);

// uv [..., N, 2] -> A (u, v, 1) without its homogeneous 1 (A [..., 3, 3], an affine).
Tensor transform_uv(const Tensor& uv, const Tensor& A);

}  // namespace hg::hand
