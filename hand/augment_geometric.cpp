// Geometric augmentation: pixel warps, resampling a whole HandSample under one warp, and mirroring.
// The camera math is explained in hand/augment.h (PixelWarp).
#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "hand/augment.h"
#include "hand/camera.h"
#include "ops/sample.h"
#include "tensor/factory.h"
#include "tensor/view.h"

namespace hg::hand {
namespace {

using Mat3 = std::array<double, 9>;  // row-major

Mat3 mul(const Mat3& a, const Mat3& b) {
  Mat3 c{};
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 3; ++k) c[3 * i + j] += a[3 * i + k] * b[3 * k + j];
  return c;
}

Mat3 transpose(const Mat3& a) { return {a[0], a[3], a[6], a[1], a[4], a[7], a[2], a[5], a[8]}; }

// R_z(angle): rotation about the optical axis, the 3D counterpart of rotate_affine's 2×2 block.
Mat3 rotation_z(double angle) {
  const double c = std::cos(angle), s = std::sin(angle);
  return {c, -s, 0, s, c, 0, 0, 0, 1};
}

// Axis-angle (Rodrigues) ↔ matrix on the host, for the MANO global rotation.
Mat3 axis_angle_to_matrix(double x, double y, double z) {
  const double theta = std::sqrt(x * x + y * y + z * z);
  if (theta < 1e-12) return {1, -z, y, z, 1, -x, -y, x, 1};  // I + [w]x to first order
  const double kx = x / theta, ky = y / theta, kz = z / theta;
  const double c = std::cos(theta), s = std::sin(theta), t = 1 - c;
  // R = c I + s [k]x + (1 - c) k kᵀ
  return {c + t * kx * kx,      t * kx * ky - s * kz, t * kx * kz + s * ky,
          t * kx * ky + s * kz, c + t * ky * ky,      t * ky * kz - s * kx,
          t * kx * kz - s * ky, t * ky * kz + s * kx, c + t * kz * kz};
}

std::array<double, 3> matrix_to_axis_angle(const Mat3& R) {
  const double cos_theta = std::clamp((R[0] + R[4] + R[8] - 1) / 2, -1.0, 1.0);
  const double theta = std::acos(cos_theta);
  // vee(R - Rᵀ) = 2 sin(θ) k
  const std::array<double, 3> v{R[7] - R[5], R[2] - R[6], R[3] - R[1]};
  if (theta < 1e-6) return {v[0] / 2, v[1] / 2, v[2] / 2};
  if (theta < M_PI - 1e-3) {
    const double f = theta / (2 * std::sin(theta));
    return {f * v[0], f * v[1], f * v[2]};
  }
  // Near π, sin θ vanishes: (R + I)/2 ≈ k kᵀ; read k from its largest diagonal entry, sign from v.
  int m = 0;
  for (int i = 1; i < 3; ++i)
    if (R[4 * i] > R[4 * m]) m = i;
  std::array<double, 3> k{};
  const double kk = std::sqrt(std::max((R[4 * m] + 1) / 2, 0.0));
  for (int i = 0; i < 3; ++i) k[i] = i == m ? kk : (R[3 * i + m] + R[3 * m + i]) / (4 * kk);
  if (k[0] * v[0] + k[1] * v[1] + k[2] * v[2] < 0) k = {-k[0], -k[1], -k[2]};
  return {theta * k[0], theta * k[1], theta * k[2]};
}

std::string where(const HandSample& s, const char* what) {
  return std::string(what) + " (" + (s.source.empty() ? std::string("sample") : s.source) + ")";
}

// The values of a tensor that must be [rows, cols] (rows = -1: any), as doubles.
std::vector<double> rows_of(const Tensor& t, int64_t rows, int64_t cols, const std::string& ctx, const char* name) {
  if (t.dim() != 2 || (rows >= 0 && t.size(0) != rows) || t.size(1) != cols)
    throw std::invalid_argument(ctx + ": " + name + " must be [" + (rows >= 0 ? std::to_string(rows) : "N") + ", " +
                                std::to_string(cols) + "], got " + t.shape_string());
  return t.to_vector<double>();
}

Tensor like(const std::vector<double>& v, const Tensor& ref) { return from_vector(v, ref.sizes(), ref.dtype()); }

// Points [N, 3] (rows) → R · point.
Tensor rotate_points(const Tensor& p, const Mat3& R, const std::string& ctx, const char* name) {
  std::vector<double> v = rows_of(p, -1, 3, ctx, name);
  for (size_t i = 0; i + 2 < v.size(); i += 3) {
    const double x = v[i], y = v[i + 1], z = v[i + 2];
    v[i] = R[0] * x + R[1] * y + R[2] * z;
    v[i + 1] = R[3] * x + R[4] * y + R[5] * z;
    v[i + 2] = R[6] * x + R[7] * y + R[8] * z;
  }
  return like(v, p);
}

// An image-like map [C, H, W] as f32 [1, C, H, W] after checking its shape.
Tensor as_batch(const Tensor& x, int64_t channels, int64_t h, int64_t w, const std::string& ctx, const char* name) {
  if (x.dim() != 3 || x.size(0) != channels || (h >= 0 && (x.size(1) != h || x.size(2) != w)))
    throw std::invalid_argument(ctx + ": " + name + " must be [" + std::to_string(channels) + ", " +
                                (h >= 0 ? std::to_string(h) + ", " + std::to_string(w) : std::string("H, W")) +
                                "], got " + x.shape_string());
  if (x.size(1) < 1 || x.size(2) < 1) throw std::invalid_argument(ctx + ": " + name + " is empty");
  return ops::unsqueeze(ops::contiguous(ops::to_dtype(x, DType::f32)), 0);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// PixelWarp
// ---------------------------------------------------------------------------------------------

PixelWarp PixelWarp::then(const PixelWarp& next) const { return {mul(next.A, A), next.roll + roll}; }

Tensor PixelWarp::matrix() const { return from_vector(std::vector<double>(A.begin(), A.end()), {3, 3}, DType::f64); }

std::array<double, 2> PixelWarp::apply(double u, double v) const {
  return {A[0] * u + A[1] * v + A[2], A[3] * u + A[4] * v + A[5]};
}

PixelWarp PixelWarp::from_affine(const Tensor& A, double roll) {
  if (A.dim() != 2 || A.size(0) != 3 || A.size(1) != 3)
    throw std::invalid_argument("PixelWarp::from_affine: A must be [3, 3], got " + A.shape_string());
  const std::vector<double> a = A.to_vector<double>();
  if (a[6] != 0 || a[7] != 0 || a[8] != 1)
    throw std::invalid_argument("PixelWarp::from_affine: the bottom row must be (0, 0, 1)");
  PixelWarp w;
  std::copy(a.begin(), a.end(), w.A.begin());
  w.roll = roll;
  return w;
}

PixelWarp translation_warp(double du, double dv) { return {{1, 0, du, 0, 1, dv, 0, 0, 1}, 0}; }

PixelWarp scale_warp(double s, double pu, double pv) {
  if (!(s > 0) || !std::isfinite(s)) throw std::invalid_argument("scale_warp: factor must be positive, got " + std::to_string(s));
  return {{s, 0, pu * (1 - s), 0, s, pv * (1 - s), 0, 0, 1}, 0};
}

PixelWarp rotation_warp(double angle, double pu, double pv) {
  return PixelWarp::from_affine(rotate_affine(angle, pu, pv), angle);
}

PixelWarp augmentation_warp(const TransformRecord& r, int64_t out_h, int64_t out_w) {
  const double pu = 0.5 * static_cast<double>(out_w - 1), pv = 0.5 * static_cast<double>(out_h - 1);
  PixelWarp w;
  if (r.scale) w = w.then(scale_warp(*r.scale, pu, pv));
  if (r.rotation) w = w.then(rotation_warp(*r.rotation, pu, pv));
  if (r.translation) w = w.then(translation_warp((*r.translation)[0], (*r.translation)[1]));
  return w;
}

// ---------------------------------------------------------------------------------------------
// Resampling a sample
// ---------------------------------------------------------------------------------------------

HandSample warp_sample(const HandSample& s, const PixelWarp& warp, int64_t out_h, int64_t out_w, GridPadding padding) {
  const std::string ctx = where(s, "warp_sample");
  if (!s.image.defined()) throw std::invalid_argument(ctx + ": the sample has no image");
  if (out_h < 1 || out_w < 1)
    throw std::invalid_argument(ctx + ": output size must be positive, got " + std::to_string(out_h) + "x" +
                                std::to_string(out_w));
  const Tensor image = as_batch(s.image, 3, -1, -1, ctx, "image");
  const int64_t h = image.size(2), w = image.size(3);
  const Mat3& A = warp.A;
  const double det = A[0] * A[4] - A[1] * A[3];
  if (!(std::abs(det) > 1e-12) || !std::isfinite(det))
    throw std::invalid_argument(ctx + ": the pixel warp is singular (det " + std::to_string(det) + ")");

  // Output pixel centre (j, i) reads the source at A⁻¹ (j, i, 1), normalised for grid_sample with
  // align_corners = false: g = (2u + 1)/W − 1 (so −1 and 1 are the outer pixel edges).
  const double i00 = A[4] / det, i01 = -A[1] / det, i10 = -A[3] / det, i11 = A[0] / det;
  Tensor grid = Tensor::empty({1, out_h, out_w, 2}, DType::f32);
  float* g = grid.data<float>();
  for (int64_t i = 0; i < out_h; ++i)
    for (int64_t j = 0; j < out_w; ++j) {
      const double du = static_cast<double>(j) - A[2], dv = static_cast<double>(i) - A[5];
      const double u = i00 * du + i01 * dv, v = i10 * du + i11 * dv;
      *g++ = static_cast<float>((2 * u + 1) / static_cast<double>(w) - 1);
      *g++ = static_cast<float>((2 * v + 1) / static_cast<double>(h) - 1);
    }

  HandSample out;
  out.image = ops::select(ops::grid_sample(image, grid, InterpolateMode::bilinear, padding, false), 0, 0);
  if (s.mask.defined())
    out.mask = ops::select(ops::grid_sample(as_batch(s.mask, 1, h, w, ctx, "mask"), grid, InterpolateMode::nearest,
                                            GridPadding::zeros, false), 0, 0);
  if (s.depth.defined())
    out.depth = ops::select(ops::grid_sample(as_batch(s.depth, 1, h, w, ctx, "depth"), grid, InterpolateMode::nearest,
                                             GridPadding::zeros, false), 0, 0);

  const Mat3 R = rotation_z(warp.roll);
  if (s.uv.defined()) {
    std::vector<double> uv = rows_of(s.uv, -1, 2, ctx, "uv");
    for (size_t k = 0; k + 1 < uv.size(); k += 2) {
      const auto p = warp.apply(uv[k], uv[k + 1]);
      uv[k] = p[0];
      uv[k + 1] = p[1];
    }
    out.uv = like(uv, s.uv);
  }
  if (s.K.defined()) {
    const std::vector<double> k = rows_of(s.K, 3, 3, ctx, "K");
    const Mat3 K2 = mul(mul(A, Mat3{k[0], k[1], k[2], k[3], k[4], k[5], k[6], k[7], k[8]}), transpose(R));
    out.K = like(std::vector<double>(K2.begin(), K2.end()), s.K);
  }
  if (s.xyz.defined()) out.xyz = rotate_points(s.xyz, R, ctx, "xyz");
  if (s.verts.defined()) out.verts = rotate_points(s.verts, R, ctx, "verts");
  if (s.mano.defined()) {
    if (s.mano.dim() != 1 || s.mano.size(0) != 61)
      throw std::invalid_argument(ctx + ": mano must be [61], got " + s.mano.shape_string());
    std::vector<double> m = s.mano.to_vector<double>();
    const auto aa = matrix_to_axis_angle(mul(R, axis_angle_to_matrix(m[0], m[1], m[2])));
    std::copy(aa.begin(), aa.end(), m.begin());
    const auto root = warp.apply(m[58], m[59]);  // uv_root
    m[58] = root[0];
    m[59] = root[1];
    out.mano = like(m, s.mano);
  }
  out.valid = s.valid;
  out.scale = s.scale;
  out.mirrored = s.mirrored;
  out.source = s.source;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Mirroring
// ---------------------------------------------------------------------------------------------

namespace {

// x [C, H, W] with its columns reversed (a new f32 tensor).
Tensor flip_columns(const Tensor& x) {
  const Tensor c = ops::contiguous(ops::to_dtype(x, DType::f32));
  Tensor out = Tensor::empty(c.sizes(), DType::f32);
  const int64_t w = c.size(-1), rows = c.numel() / std::max<int64_t>(w, 1);
  const float* src = c.data<float>();
  float* dst = out.data<float>();
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t j = 0; j < w; ++j) dst[r * w + j] = src[r * w + (w - 1 - j)];
  return out;
}

}  // namespace

HandSample mirror_horizontally(const HandSample& s) {
  const std::string ctx = where(s, "mirror_horizontally");
  if (!s.image.defined()) throw std::invalid_argument(ctx + ": the sample has no image");
  const Tensor image = as_batch(s.image, 3, -1, -1, ctx, "image");
  const int64_t h = image.size(2), w = image.size(3);
  HandSample out = s;
  out.image = flip_columns(s.image);
  if (s.mask.defined()) out.mask = flip_columns(ops::select(as_batch(s.mask, 1, h, w, ctx, "mask"), 0, 0));
  if (s.depth.defined()) out.depth = flip_columns(ops::select(as_batch(s.depth, 1, h, w, ctx, "depth"), 0, 0));
  const double last = static_cast<double>(w - 1);  // u' = (W − 1) − u
  if (s.uv.defined()) {
    std::vector<double> uv = rows_of(s.uv, -1, 2, ctx, "uv");
    for (size_t k = 0; k < uv.size(); k += 2) uv[k] = last - uv[k];
    out.uv = like(uv, s.uv);
  }
  const Mat3 D{-1, 0, 0, 0, 1, 0, 0, 0, 1};
  if (s.xyz.defined()) out.xyz = rotate_points(s.xyz, D, ctx, "xyz");
  if (s.verts.defined()) out.verts = rotate_points(s.verts, D, ctx, "verts");
  if (s.K.defined()) {  // K' = M K D, M the flip u' = (W − 1) − u: fx stays positive
    const std::vector<double> k = rows_of(s.K, 3, 3, ctx, "K");
    const Mat3 M{-1, 0, last, 0, 1, 0, 0, 0, 1};
    const Mat3 K2 = mul(mul(M, Mat3{k[0], k[1], k[2], k[3], k[4], k[5], k[6], k[7], k[8]}), D);
    out.K = like(std::vector<double>(K2.begin(), K2.end()), s.K);
  }
  out.mano = Tensor();
  out.mirrored = !s.mirrored;
  return out;
}

}  // namespace hg::hand
