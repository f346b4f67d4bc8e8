// Geometric augmentation: a dot drawn at a keypoint must be found (intensity-weighted centroid) at
// the transformed keypoint after crop / resize / scale / rotation / translation and compositions,
// and the camera (K', xyz') must keep projecting onto the transformed keypoints.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <string>
#include <vector>

#include "hand/augment.h"
#include "hand/camera.h"
#include "hand/crop.h"
#include "tensor/factory.h"
#include "tensor/view.h"
#include "tests/common/expect_throw.h"

namespace hg::hand {
namespace {

constexpr int64_t kH = 200, kW = 240, kOut = 128;

// 21 points around (1 cm, −2 cm, 50 cm), ±4 cm, seen by K (f64 throughout, so consistency checks
// can be tight); image black, mask and depth set.
HandSample make_sample(double fx = 520, double fy = 520, uint64_t seed = 3) {
  Generator g(seed);
  std::vector<double> p;
  for (int k = 0; k < 21; ++k) {
    p.push_back(0.01 + g.uniform(-0.04, 0.04));
    p.push_back(-0.02 + g.uniform(-0.04, 0.04));
    p.push_back(0.5 + g.uniform(-0.03, 0.03));
  }
  HandSample s;
  s.xyz = from_vector(p, {21, 3}, DType::f64);
  s.K = from_vector(std::vector<double>{fx, 0, 118.5, 0, fy, 97.25, 0, 0, 1}, {3, 3}, DType::f64);
  s.uv = project(s.xyz, s.K);
  s.valid = ones({21});
  s.image = zeros({3, kH, kW});
  s.source = "test:geometric";
  return s;
}

// A Gaussian dot (σ in pixels) centred at (u, v) in every channel.
Tensor dot_image(double u, double v, double sigma = 2.5, int64_t h = kH, int64_t w = kW) {
  Tensor img = Tensor::empty({3, h, w}, DType::f32);
  float* d = img.data<float>();
  for (int64_t c = 0; c < 3; ++c)
    for (int64_t i = 0; i < h; ++i)
      for (int64_t j = 0; j < w; ++j) {
        const double r2 = (j - u) * (j - u) + (i - v) * (i - v);
        d[(c * h + i) * w + j] = static_cast<float>(std::exp(-0.5 * r2 / (sigma * sigma)));
      }
  return img;
}

// Intensity-weighted centroid (u, v) of channel 0.
std::array<double, 2> centroid(const Tensor& image) {
  const Tensor x = ops::contiguous(ops::to_dtype(image, DType::f64));
  const int64_t h = x.size(-2), w = x.size(-1);
  const double* d = x.data<double>();
  double s = 0, su = 0, sv = 0;
  for (int64_t i = 0; i < h; ++i)
    for (int64_t j = 0; j < w; ++j) {
      s += d[i * w + j];
      su += d[i * w + j] * static_cast<double>(j);
      sv += d[i * w + j] * static_cast<double>(i);
    }
  return {su / s, sv / s};
}

double max_abs_diff(const Tensor& a, const Tensor& b) {
  const auto x = a.to_vector<double>(), y = b.to_vector<double>();
  EXPECT_EQ(x.size(), y.size());
  double m = 0;
  for (size_t k = 0; k < x.size(); ++k) m = std::max(m, std::abs(x[k] - y[k]));
  return m;
}

// For several keypoints: draw a dot there, warp, and find it at the warped keypoint (within 1 px).
// Returns how many keypoints stayed far enough inside the output to be checked.
int check_dots(const HandSample& base, const PixelWarp& warp, int64_t out_h, int64_t out_w) {
  const auto uv = base.uv.to_vector<double>();
  int checked = 0;
  for (const int k : {0, 2, 4, 5, 8, 9, 12, 13, 16, 17, 20}) {
    HandSample s = base;
    s.image = dot_image(uv[2 * k], uv[2 * k + 1]);
    const HandSample out = warp_sample(s, warp, out_h, out_w);
    const auto want = out.uv.to_vector<double>();
    const double u = want[2 * k], v = want[2 * k + 1];
    if (u < 10 || v < 10 || u > static_cast<double>(out_w) - 11 || v > static_cast<double>(out_h) - 11) continue;
    const auto got = centroid(out.image);
    EXPECT_LT(std::hypot(got[0] - u, got[1] - v), 1.0) << "keypoint " << k << ": dot at (" << got[0] << ", "
                                                         << got[1] << "), keypoint at (" << u << ", " << v << ")";
    ++checked;
  }
  return checked;
}

// Projecting xyz' through K' gives uv' (≤ 1e-3 px) — the camera moved consistently.
void expect_camera_consistent(const HandSample& out) {
  EXPECT_LT(max_abs_diff(project(out.xyz, out.K), out.uv), 1e-3);
}

TransformRecord record(std::optional<double> scale, std::optional<double> rotation,
                       std::optional<std::array<double, 2>> translation) {
  TransformRecord r;
  r.scale = scale;
  r.rotation = rotation;
  r.translation = translation;
  return r;
}

TEST(AugmentGeometric, DotsFollowEveryTransformAndComposition) {
  const HandSample s = make_sample();
  const CropBox box = keypoint_box(s.uv, s.valid, 2.0, 16);
  const PixelWarp crop = crop_warp(box, kOut);
  const std::vector<std::pair<std::string, TransformRecord>> cases{
      {"crop", {}},
      {"scale", record(1.6, std::nullopt, std::nullopt)},
      {"shrink", record(0.6, std::nullopt, std::nullopt)},
      {"rotation", record(std::nullopt, 0.7, std::nullopt)},
      {"rotation -170°", record(std::nullopt, -2.967, std::nullopt)},
      {"translation", record(std::nullopt, std::nullopt, std::array<double, 2>{7.5, -11.25})},
      {"all", record(1.3, -1.1, std::array<double, 2>{-9, 4.5})},
  };
  for (const auto& [name, r] : cases) {
    SCOPED_TRACE(name);
    const PixelWarp warp = crop.then(augmentation_warp(r, kOut, kOut));
    EXPECT_GE(check_dots(s, warp, kOut, kOut), 6);
    expect_camera_consistent(warp_sample(s, warp, kOut, kOut));
  }
}

TEST(AugmentGeometric, DotsFollowAPlainResizeAndAnUncroppedRotation) {
  const HandSample s = make_sample();
  // Resize the whole (non-square) image: the crop of the whole image, padded to a square.
  const PixelWarp resize = crop_warp(image_box(kH, kW), 96);
  EXPECT_GE(check_dots(s, resize, 96, 96), 10);
  expect_camera_consistent(warp_sample(s, resize, 96, 96));
  // A rotation of the full image about its centre, same size.
  const PixelWarp rot = rotation_warp(0.4, (kW - 1) / 2.0, (kH - 1) / 2.0);
  EXPECT_GE(check_dots(s, rot, kH, kW), 10);
  expect_camera_consistent(warp_sample(s, rot, kH, kW));
}

TEST(AugmentGeometric, RotationTurnsTheCameraNotTheIntrinsics) {
  const HandSample s = make_sample();
  const double angle = 0.9;
  const HandSample out = warp_sample(s, rotation_warp(angle, 100, 80), kH, kW);
  // fx = fy and no skew: K' is still a pinhole matrix (only the principal point moved) ...
  const auto k = out.K.to_vector<double>();
  EXPECT_NEAR(k[0], 520, 1e-9);
  EXPECT_NEAR(k[4], 520, 1e-9);
  EXPECT_NEAR(k[1], 0, 1e-9);
  EXPECT_NEAR(k[3], 0, 1e-9);
  // ... the points turned about the optical axis (depth unchanged) ...
  const auto a = s.xyz.to_vector<double>(), b = out.xyz.to_vector<double>();
  for (size_t i = 0; i < a.size(); i += 3) {
    EXPECT_NEAR(b[i], std::cos(angle) * a[i] - std::sin(angle) * a[i + 1], 1e-12);
    EXPECT_NEAR(b[i + 1], std::sin(angle) * a[i] + std::cos(angle) * a[i + 1], 1e-12);
    EXPECT_EQ(b[i + 2], a[i + 2]);
  }
  // ... and both directions agree: projection of xyz' is uv', back-projection of uv' is xyz'.
  expect_camera_consistent(out);
  EXPECT_LT(max_abs_diff(backproject(out.uv, ops::select(out.xyz, -1, 2), out.K), out.xyz), 1e-12);
  // Rotating back restores everything.
  const HandSample back = warp_sample(out, rotation_warp(-angle, 100, 80), kH, kW);
  EXPECT_LT(max_abs_diff(back.uv, s.uv), 1e-9);
  EXPECT_LT(max_abs_diff(back.K, s.K), 1e-9);
  EXPECT_LT(max_abs_diff(back.xyz, s.xyz), 1e-12);
}

TEST(AugmentGeometric, AnisotropicFocalLengthsStayExact) {
  // fx ≠ fy: K' = A K R_zᵀ gains an off-diagonal term, yet projection stays exact.
  const HandSample s = make_sample(520, 430);
  const PixelWarp warp = crop_warp(keypoint_box(s.uv, s.valid, 2.0, 16), kOut).then(rotation_warp(0.8, 63.5, 63.5));
  const HandSample out = warp_sample(s, warp, kOut, kOut);
  EXPECT_GT(std::abs(out.K.to_vector<double>()[3]), 1.0);
  expect_camera_consistent(out);
  EXPECT_GE(check_dots(s, warp, kOut, kOut), 6);
}

TEST(AugmentGeometric, MaskAndDepthMoveWithTheImage) {
  HandSample s = make_sample();
  const auto uv = s.uv.to_vector<double>();
  // mask: a filled disc of radius 6 around keypoint 9; depth: 0.5 m inside it, 0.7 m elsewhere.
  s.mask = Tensor::empty({1, kH, kW}, DType::f32);
  s.depth = Tensor::empty({1, kH, kW}, DType::f32);
  for (int64_t i = 0; i < kH; ++i)
    for (int64_t j = 0; j < kW; ++j) {
      const bool in = std::hypot(j - uv[18], i - uv[19]) < 6;
      s.mask.data<float>()[i * kW + j] = in ? 1.0f : 0.0f;
      s.depth.data<float>()[i * kW + j] = in ? 0.5f : 0.7f;
    }
  const PixelWarp warp = crop_warp(keypoint_box(s.uv, s.valid, 2.0, 16), kOut)
                             .then(augmentation_warp(record(1.4, 2.2, std::array<double, 2>{5, -3}), kOut, kOut));
  const HandSample out = warp_sample(s, warp, kOut, kOut);
  ASSERT_EQ(out.mask.sizes(), (Shape{1, kOut, kOut}));
  const auto c = centroid(out.mask);
  const auto want = out.uv.to_vector<double>();
  EXPECT_LT(std::hypot(c[0] - want[18], c[1] - want[19]), 1.0);
  // Nearest-neighbour resampling: no new values appear (0 only outside the source image).
  for (const float d : out.depth.to_vector<float>()) EXPECT_TRUE(d == 0.5f || d == 0.7f || d == 0.0f) << d;
  for (const float m : out.mask.to_vector<float>()) EXPECT_TRUE(m == 0.0f || m == 1.0f) << m;
  // The disc (depth 0.5) covers the mask exactly.
  const auto d = out.depth.to_vector<float>(), m = out.mask.to_vector<float>();
  for (size_t k = 0; k < d.size(); ++k) EXPECT_EQ(m[k] == 1.0f, d[k] == 0.5f);
}

TEST(AugmentGeometric, BorderPaddingRepeatsTheEdge) {
  HandSample s = make_sample();
  s.image = full({3, kH, kW}, 0.25);
  const PixelWarp shrink = crop_warp(image_box(kH, kW), 64).then(scale_warp(0.5, 31.5, 31.5));
  const auto zeros_pad = warp_sample(s, shrink, 64, 64, GridPadding::zeros).image.to_vector<float>();
  const auto border_pad = warp_sample(s, shrink, 64, 64, GridPadding::border).image.to_vector<float>();
  EXPECT_EQ(zeros_pad[0], 0.0f);  // a corner lies outside the source
  EXPECT_FLOAT_EQ(border_pad[0], 0.25f);
  EXPECT_FLOAT_EQ(zeros_pad[32 * 64 + 32], 0.25f);
}

TEST(AugmentGeometric, MirrorFlipsImageKeypointsAndCamera) {
  HandSample s = make_sample();
  s.image = dot_image(40, 60);
  s.mano = zeros({61});
  const HandSample m = mirror_horizontally(s);
  EXPECT_TRUE(m.mirrored);
  EXPECT_FALSE(m.mano.defined());
  const auto c = centroid(m.image);
  EXPECT_NEAR(c[0], kW - 1 - 40, 1e-6);
  EXPECT_NEAR(c[1], 60, 1e-6);
  const auto a = s.uv.to_vector<double>(), b = m.uv.to_vector<double>();
  for (size_t k = 0; k < a.size(); k += 2) {
    EXPECT_DOUBLE_EQ(b[k], kW - 1 - a[k]);
    EXPECT_DOUBLE_EQ(b[k + 1], a[k + 1]);
  }
  EXPECT_GT(m.K.to_vector<double>()[0], 0);  // fx stays positive
  expect_camera_consistent(m);
  const HandSample twice = mirror_horizontally(m);
  EXPECT_FALSE(twice.mirrored);
  EXPECT_EQ(max_abs_diff(twice.image, s.image), 0.0);
  EXPECT_LT(max_abs_diff(twice.K, s.K), 1e-12);
  EXPECT_LT(max_abs_diff(twice.xyz, s.xyz), 1e-15);
}

// R(aa) by Rodrigues, for checking the MANO global rotation.
std::array<double, 9> rodrigues(double x, double y, double z) {
  const double t = std::sqrt(x * x + y * y + z * z);
  const double kx = x / t, ky = y / t, kz = z / t, c = std::cos(t), s = std::sin(t), v = 1 - c;
  return {c + v * kx * kx,      v * kx * ky - s * kz, v * kx * kz + s * ky, v * kx * ky + s * kz, c + v * ky * ky,
          v * ky * kz - s * kx, v * kx * kz - s * ky, v * ky * kz + s * kx, c + v * kz * kz};
}

TEST(AugmentGeometric, ManoGlobalRotationAndRootFollowTheCameraRoll) {
  for (const std::array<double, 3> aa : {std::array<double, 3>{0.3, -1.2, 0.5}, {0.0, 0.0, 3.0}, {2.2, 0.1, -2.2}}) {
    HandSample s = make_sample();
    std::vector<double> mano(61, 0.0);
    std::copy(aa.begin(), aa.end(), mano.begin());
    mano[58] = 110;
    mano[59] = 95;
    s.mano = from_vector(mano, {61}, DType::f64);
    const double roll = 2.9;
    const PixelWarp warp = rotation_warp(roll, 100, 90);
    const HandSample out = warp_sample(s, warp, kH, kW);
    const auto m = out.mano.to_vector<double>();
    const auto got = rodrigues(m[0], m[1], m[2]), r0 = rodrigues(aa[0], aa[1], aa[2]);
    const double c = std::cos(roll), sn = std::sin(roll);
    const std::array<double, 9> rz{c, -sn, 0, sn, c, 0, 0, 0, 1};
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j) {
        double want = 0;
        for (int k = 0; k < 3; ++k) want += rz[3 * i + k] * r0[3 * k + j];
        EXPECT_NEAR(got[3 * i + j], want, 1e-9);
      }
    const auto root = warp.apply(110, 95);
    EXPECT_NEAR(m[58], root[0], 1e-9);
    EXPECT_NEAR(m[59], root[1], 1e-9);
  }
}

TEST(AugmentGeometric, WarpsComposeAndRejectBadInput) {
  const PixelWarp a = rotation_warp(0.3, 10, 20), b = scale_warp(2, 5, 5);
  const PixelWarp ab = a.then(b);
  const auto p = ab.apply(7, 9), q = b.apply(a.apply(7, 9)[0], a.apply(7, 9)[1]);
  EXPECT_NEAR(p[0], q[0], 1e-12);
  EXPECT_NEAR(p[1], q[1], 1e-12);
  EXPECT_DOUBLE_EQ(ab.roll, 0.3);

  HandSample s = make_sample();
  s.image = zeros({4, 10, 10});
  testing::expect_throw_naming([&] { warp_sample(s, PixelWarp{}, 8, 8); }, "test:geometric");
  s = make_sample();
  s.mask = zeros({1, 5, 5});
  testing::expect_throw_naming([&] { warp_sample(s, PixelWarp{}, 8, 8); }, "mask");
  s = make_sample();
  testing::expect_throw_naming([&] { warp_sample(s, scale_warp(1, 0, 0).then(PixelWarp{{0, 0, 0, 0, 0, 0, 0, 0, 1}, 0}), 8, 8); },
                               "singular");
  testing::expect_throw_naming([&] { scale_warp(-1, 0, 0); }, "positive");
}

}  // namespace
}  // namespace hg::hand
