#include "hand/camera.h"

#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "autograd/linalg.h"
#include "autograd/pointwise.h"
#include "autograd/shape.h"
#include "tensor/factory.h"
#include "tensor/view.h"

namespace hg::hand {
namespace {

void check_points(const Tensor& p, int64_t c, const char* what, const char* name) {
  if (!p.defined() || p.dim() < 2 || p.size(-1) != c)
    throw std::invalid_argument(std::string(what) + ": " + name + " must be [..., N, " + std::to_string(c) +
                                "], got " + (p.defined() ? p.shape_string() : "undefined"));
}

void check_matrix(const Tensor& K, const char* what, const char* name = "K") {
  if (!K.defined() || K.dim() < 2 || K.size(-1) != 3 || K.size(-2) != 3)
    throw std::invalid_argument(std::string(what) + ": " + name + " must be [..., 3, 3], got " +
                                (K.defined() ? K.shape_string() : "undefined"));
}

Tensor affine(double a00, double a01, double a02, double a10, double a11, double a12) {
  return from_vector(std::vector<double>{a00, a01, a02, a10, a11, a12, 0.0, 0.0, 1.0}, {3, 3}, DType::f64);
}

// Row vectors: p @ Mᵀ applies M to every point; matmul broadcasts the batch dims.
Tensor apply_rows(const Tensor& p, const Tensor& M) { return matmul(p, transpose(M, -1, -2)); }

// [..., N, 2] -> [..., N, 3] with a trailing 1.
Tensor homogeneous(const Tensor& uv) {
  Shape s = uv.sizes();
  s.back() = 1;
  return cat({uv, ones(s, uv.options())}, -1);
}

// A in ref's dtype and on its device (a host A, e.g. from *_affine, is a constant: copied
// without a graph; otherwise the differentiable cast keeps A's gradient).
Tensor like(const Tensor& A, const Tensor& ref) {
  if (A.device() == ref.device()) return to_dtype(A, ref.dtype());
  return ops::to_device(ops::to_dtype(A, ref.dtype()), ref.device());
}

}  // namespace

Tensor project(const Tensor& xyz, const Tensor& K) {
  check_points(xyz, 3, "project", "xyz");
  check_matrix(K, "project");
  Tensor p = apply_rows(xyz, K);  // [..., N, 3] = K (X, Y, Z)
  return div(narrow(p, -1, 0, 2), narrow(p, -1, 2, 1));
}

Tensor unproject_rays(const Tensor& uv, const Tensor& K) {
  check_points(uv, 2, "unproject_rays", "uv");
  check_matrix(K, "unproject_rays");
  return apply_rows(homogeneous(uv), inverse3(K));
}

Tensor backproject(const Tensor& uv, const Tensor& z, const Tensor& K) {
  check_points(uv, 2, "backproject", "uv");
  check_matrix(K, "backproject");
  if (!z.defined() || z.dim() != uv.dim() - 1 || z.size(-1) != uv.size(-2))
    throw std::invalid_argument("backproject: z must be [..., N] matching uv [..., N, 2], got z " +
                                (z.defined() ? z.shape_string() : std::string("undefined")) + " and uv " +
                                uv.shape_string());
  return mul(unproject_rays(uv, K), unsqueeze(z, -1));
}

Tensor crop_affine(double x0, double y0) { return affine(1, 0, -x0, 0, 1, -y0); }

Tensor resize_affine(double sx, double sy) {
  if (!(sx > 0) || !(sy > 0))
    throw std::invalid_argument("resize_affine: scale factors must be positive, got " + std::to_string(sx) +
                                ", " + std::to_string(sy));
  return affine(sx, 0, 0.5 * (sx - 1.0), 0, sy, 0.5 * (sy - 1.0));
}

Tensor rotate_affine(double angle, double pu, double pv) {
  const double c = std::cos(angle), s = std::sin(angle);
  // R (q - p) + p = R q + (p - R p)
  return affine(c, -s, pu - (c * pu - s * pv), s, c, pv - (s * pu + c * pv));
}

Tensor transform_intrinsics(const Tensor& K, const Tensor& A) {
  check_matrix(K, "transform_intrinsics");
  check_matrix(A, "transform_intrinsics", "A");
  return matmul(like(A, K), K);
}

Tensor crop_intrinsics(const Tensor& K, double x0, double y0) { return transform_intrinsics(K, crop_affine(x0, y0)); }
Tensor resize_intrinsics(const Tensor& K, double sx, double sy) {
  return transform_intrinsics(K, resize_affine(sx, sy));
}
Tensor rotate_intrinsics(const Tensor& K, double angle, double pu, double pv) {
  return transform_intrinsics(K, rotate_affine(angle, pu, pv));
}

Tensor transform_uv(const Tensor& uv, const Tensor& A) {
  check_points(uv, 2, "transform_uv", "uv");
  check_matrix(A, "transform_uv", "A");
  return narrow(apply_rows(homogeneous(uv), like(A, uv)), -1, 0, 2);
}

}  // namespace hg::hand
