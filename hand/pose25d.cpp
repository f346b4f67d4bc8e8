#include "hand/pose25d.h"

#include <limits>
#include <stdexcept>
#include <string>

#include "autograd/pointwise.h"
#include "autograd/reduce.h"
#include "autograd/shape.h"
#include "hand/camera.h"
#include "hand/skeleton.h"

namespace hg::hand {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kFloor = 1e-6;  // REFERENCE.md §3 clamps

std::string shape_of(const Tensor& t) { return t.defined() ? t.shape_string() : "undefined"; }

void check_keypoints(const Tensor& x, int64_t c, const char* what, const char* name) {
  const bool ok = x.defined() && (c == 0 ? x.dim() >= 1 && x.size(-1) == kNumKeypoints
                                         : x.dim() >= 2 && x.size(-2) == kNumKeypoints && x.size(-1) == c);
  if (!ok)
    throw std::invalid_argument(std::string(what) + ": " + name + " must be [..., 21" +
                                (c == 0 ? std::string("]") : ", " + std::to_string(c) + "]") + ", got " +
                                shape_of(x));
}

void check_pair(const Tensor& uv, const Tensor& z, const char* what) {
  check_keypoints(uv, 2, what, "uv");
  check_keypoints(z, 0, what, "z_rel_norm");
  if (z.dim() != uv.dim() - 1)
    throw std::invalid_argument(std::string(what) + ": uv " + uv.shape_string() + " and z_rel_norm " +
                                z.shape_string() + " disagree on the batch dims");
}

Tensor joint(const Tensor& x, int64_t k, int64_t dim) { return select(x, dim, k); }

}  // namespace

Tensor reference_bone_length(const Tensor& xyz) {
  check_keypoints(xyz, 3, "reference_bone_length", "xyz");
  return norm(sub(joint(xyz, kIndexMcp, -2), joint(xyz, kWrist, -2)), 2.0, {-1});
}

Pose25d to_pose25d(const Tensor& xyz, const Tensor& K) {
  check_keypoints(xyz, 3, "to_pose25d", "xyz");
  Tensor s = reference_bone_length(xyz);                      // [...]
  Tensor z = select(xyz, -1, 2);                              // [..., 21]
  Tensor z_root = narrow(z, -1, kWrist, 1);                   // [..., 1]
  Tensor z_rel = div(sub(z, z_root), unsqueeze(s, -1));       // (Z - Z_root) / s
  return {project(xyz, K), z_rel};
}

Tensor root_depth(const Tensor& uv, const Tensor& z_rel_norm, const Tensor& K) {
  check_pair(uv, z_rel_norm, "root_depth");
  Tensor ray = unproject_rays(uv, K);  // (x, y, ·) = K⁻¹(u, v, 1), [..., 21, 3]
  Tensor xn = joint(select(ray, -1, 0), kWrist, -1), yn = joint(select(ray, -1, 1), kWrist, -1);
  Tensor xm = joint(select(ray, -1, 0), kIndexMcp, -1), ym = joint(select(ray, -1, 1), kIndexMcp, -1);
  Tensor zn = joint(z_rel_norm, kWrist, -1), zm = joint(z_rel_norm, kIndexMcp, -1);

  Tensor a = square(xn - xm) + square(yn - ym);
  Tensor cross_term = xn * xm + yn * ym;
  Tensor b = 2.0 * (zn * (square(xn) + square(yn) - cross_term) + zm * (square(xm) + square(ym) - cross_term));
  Tensor c = square(xn * zn - xm * zm) + square(yn * zn - ym * zm) + square(zn - zm) - 1.0;  // C = 1
  Tensor disc = clamp(square(b) - 4.0 * a * c, kFloor, kInf);
  return div(sqrt(disc) - b, 2.0 * clamp(a, kFloor, kInf));
}

Tensor from_pose25d(const Tensor& uv, const Tensor& z_rel_norm, const Tensor& K, const Tensor& s) {
  check_pair(uv, z_rel_norm, "from_pose25d");
  if (!s.defined() || s.dim() != z_rel_norm.dim() - 1)
    throw std::invalid_argument("from_pose25d: s must have the batch dims of z_rel_norm " +
                                z_rel_norm.shape_string() + ", got " + shape_of(s));
  Tensor z_root = root_depth(uv, z_rel_norm, K);                                   // [...]
  Tensor z = mul(add(z_rel_norm, unsqueeze(z_root, -1)), unsqueeze(s, -1));        // (Ẑ + Ẑ_root)·s
  return backproject(uv, z, K);                                                    // Z·K⁻¹(u, v, 1)
}

}  // namespace hg::hand
