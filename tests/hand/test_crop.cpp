// Hand-centred crops: the box from the keypoints, its jitter, the edge-to-edge warp, and the
// intrinsics after crop + resize (K' = A K, xyz unchanged).
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "hand/camera.h"
#include "hand/crop.h"
#include "tensor/factory.h"
#include "tests/common/expect_throw.h"

namespace hg::hand {
namespace {

Tensor uv_of(const std::vector<double>& v) { return from_vector(v, {static_cast<int64_t>(v.size() / 2), 2}, DType::f64); }

TEST(HandCrop, BoxIsCentredOnTheValidKeypoints) {
  // (The invalid point is not last: gcc 12.2 with AVX-512 miscompiles a std::vector<double>{a, a, a, 0}
  // initializer into {a, a, a, a}.)
  const Tensor uv = uv_of({10, 20, 500, 500, 50, 40, 30, 100});
  const Tensor valid = from_vector(std::vector<double>{1, 0, 1, 1}, {4}, DType::f32);
  const CropBox b = keypoint_box(uv, valid, 1.5, 16);
  EXPECT_DOUBLE_EQ(b.centre_u, 30);
  EXPECT_DOUBLE_EQ(b.centre_v, 60);
  EXPECT_DOUBLE_EQ(b.side, 1.5 * 80);  // the longer side (v: 20..100) times the margin
  // Without `valid` every keypoint counts; a single point gets the minimum side.
  EXPECT_DOUBLE_EQ(keypoint_box(uv, Tensor(), 1.0, 16).side, 490);
  EXPECT_DOUBLE_EQ(keypoint_box(uv_of({7, 8}), Tensor(), 1.5, 16).side, 16);
}

TEST(HandCrop, BadKeypointsAreRejectedNamingTheSource) {
  const Tensor none = zeros({2});
  testing::expect_throw_naming([&] { keypoint_box(uv_of({1, 2, 3, 4}), none, 1.5, 16, "freihand:training:7"); },
                               "freihand:training:7");
  testing::expect_throw_naming([&] { keypoint_box(uv_of({1, 2, NAN, 4}), Tensor(), 1.5, 16, "x"); }, "not finite");
  testing::expect_throw_naming([&] { keypoint_box(zeros({4, 3}), Tensor(), 1.5, 16, "x"); }, "[4, 3]");
  testing::expect_throw_naming([&] { keypoint_box(uv_of({1, 2}), zeros({3}), 1.5, 16, "x"); }, "valid");
}

TEST(HandCrop, WarpMapsTheBoxEdgesOntoTheOutputEdges) {
  const CropBox box{70.25, 40.5, 50};
  const PixelWarp w = crop_warp(box, 128);
  // Box edges u = 45.25 and 95.25 → output edges −0.5 and 127.5; the centre → 63.5.
  EXPECT_NEAR(w.apply(45.25, 15.5)[0], -0.5, 1e-12);
  EXPECT_NEAR(w.apply(45.25, 15.5)[1], -0.5, 1e-12);
  EXPECT_NEAR(w.apply(95.25, 65.5)[0], 127.5, 1e-12);
  EXPECT_NEAR(w.apply(70.25, 40.5)[1], 63.5, 1e-12);
  EXPECT_DOUBLE_EQ(w.roll, 0);
  testing::expect_throw_naming([&] { crop_warp({0, 0, 0}, 128); }, "side");
}

TEST(HandCrop, WholeImageBoxPadsToASquare) {
  const CropBox b = image_box(100, 160);
  EXPECT_DOUBLE_EQ(b.centre_u, 79.5);
  EXPECT_DOUBLE_EQ(b.centre_v, 49.5);
  EXPECT_DOUBLE_EQ(b.side, 160);
}

TEST(HandCrop, CropKeepsTheCameraConsistent) {
  HandSample s;
  s.xyz = from_vector(std::vector<double>{0.02, -0.01, 0.45, -0.03, 0.04, 0.52, 0.05, 0.03, 0.48}, {3, 3}, DType::f64);
  s.K = from_vector(std::vector<double>{480, 0, 111.5, 0, 480, 111.5, 0, 0, 1}, {3, 3}, DType::f64);
  s.uv = project(s.xyz, s.K);
  s.image = rand({3, 224, 224});
  s.source = "test";
  const CropBox box = keypoint_box(s.uv, Tensor(), 1.8, 16);
  const HandSample out = crop_hand(s, box, 224);
  EXPECT_EQ(out.image.sizes(), (Shape{3, 224, 224}));
  // xyz unchanged, K' = A K with A = crop_warp, K' still upper triangular, uv' = project(xyz, K').
  EXPECT_EQ(out.xyz.to_vector<double>(), s.xyz.to_vector<double>());
  const auto k = out.K.to_vector<double>();
  EXPECT_EQ(k[1], 0);
  EXPECT_EQ(k[3], 0);
  EXPECT_NEAR(k[0], 480 * 224 / box.side, 1e-9);
  const auto uv = project(out.xyz, out.K).to_vector<double>(), want = out.uv.to_vector<double>();
  for (size_t i = 0; i < uv.size(); ++i) EXPECT_NEAR(uv[i], want[i], 1e-9);
}

TEST(HandCrop, JitterShiftsAndScalesWithinItsRanges) {
  const CropBox box{100, 80, 60};
  CropConfig c;
  c.centre_jitter = 0.1;
  c.scale = {0.8, 1.25};
  bool moved = false;
  for (uint64_t seed = 0; seed < 50; ++seed) {
    Generator g(seed);
    const CropRecord r = jitter_box(box, c, g);
    EXPECT_LE(std::abs(r.centre_u - 100), 6.0);
    EXPECT_LE(std::abs(r.centre_v - 80), 6.0);
    EXPECT_GE(r.scale, 0.8);
    EXPECT_LE(r.scale, 1.25);
    EXPECT_DOUBLE_EQ(r.side, 60 * r.scale);
    moved = moved || r.centre_u != 100;
  }
  EXPECT_TRUE(moved);
  c.probability = 0;  // jitter switched off: the box as it was, scale 1
  Generator g(1);
  const CropRecord r = jitter_box(box, c, g);
  EXPECT_EQ(r.centre_u, 100);
  EXPECT_EQ(r.side, 60);
  EXPECT_EQ(r.scale, 1);
}

}  // namespace
}  // namespace hg::hand
