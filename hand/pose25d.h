// The 2.5D hand pose of Iqbal et al. 2018 as used by PeCLR (REFERENCE.md §3).
//
// Per keypoint k (FreiHAND order, root = wrist 0): (u_k, v_k, Ẑ_k) with (u, v) the projection and
//   Ẑ_k = (Z_k - Z_root) / s,   s = ‖J_5 - J_0‖ (wrist to index MCP, the reference bone).
// Inverse: with (x, y) = K⁻¹(u, v, 1), the normalised root depth Ẑ_root solves ‖J_n - J_m‖ = C = 1
// for n = wrist, m = index MCP (root_depth), then Z = (Ẑ + Ẑ_root)·s and X = Z·K⁻¹(u, v, 1).
// All functions compose differentiable autograd functions. Shapes: any batch dims [...] in place
// of [B]; K [..., 3, 3] broadcasts against them.
#pragma once
#include "tensor/tensor.h"

namespace hg::hand {

struct Pose25d {
  Tensor uv;          // [..., 21, 2] pixels
  Tensor z_rel_norm;  // [..., 21]   (Z - Z_root) / s
};

// s = ‖J_5 - J_0‖ for xyz [..., 21, 3] -> [...].
Tensor reference_bone_length(const Tensor& xyz);

// xyz [..., 21, 3] (metres, camera frame), K [..., 3, 3].
Pose25d to_pose25d(const Tensor& xyz, const Tensor& K);

// The normalised root depth Ẑ_root = Z_root / s -> [...] (REFERENCE.md §3 closed form, C = 1):
//   a = (x_n-x_m)² + (y_n-y_m)²
//   b = 2[Ẑ_n(x_n² + y_n² - x_n x_m - y_n y_m) + Ẑ_m(x_m² + y_m² - x_n x_m - y_n y_m)]
//   c = (x_n Ẑ_n - x_m Ẑ_m)² + (y_n Ẑ_n - y_m Ẑ_m)² + (Ẑ_n - Ẑ_m)² - 1
//   Ẑ_root = (-b + sqrt(max(b² - 4ac, 1e-6))) / (2 max(a, 1e-6))
// (the larger root of the quadratic; it is the only positive one whenever c < 0).
Tensor root_depth(const Tensor& uv, const Tensor& z_rel_norm, const Tensor& K);

// uv [..., 21, 2], z_rel_norm [..., 21], K [..., 3, 3], s [...] (the true or a mean bone length)
// -> xyz [..., 21, 3]:  Z = (Ẑ + Ẑ_root)·s,  X = Z·K⁻¹(u, v, 1).
Tensor from_pose25d(const Tensor& uv, const Tensor& z_rel_norm, const Tensor& K, const Tensor& s);

}  // namespace hg::hand
