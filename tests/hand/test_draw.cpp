// Drawing: shapes land on the pixels their coordinates name (pixel (i, j) centred at (u, v) = (j, i)),
// with coverage anti-aliasing; skeleton colours per finger; mesh overlays.
#include <gtest/gtest.h>

#include <vector>

#include "hand/draw.h"
#include "hand/skeleton.h"
#include "tensor/factory.h"

namespace hg::hand {
namespace {

constexpr int64_t kH = 12, kW = 16;

float at(const Tensor& img, int64_t c, int64_t i, int64_t j) { return img.data<float>()[(c * kH + i) * kW + j]; }

TEST(HandDraw, DotLandsOnTheGivenPixel) {
  Tensor img = zeros({3, kH, kW});
  draw_dot(img, 5, 3, 1.0, Rgb{1, 0.5f, 0});
  EXPECT_FLOAT_EQ(at(img, 0, 3, 5), 1.0f);  // row v = 3, column u = 5
  EXPECT_FLOAT_EQ(at(img, 1, 3, 5), 0.5f);
  EXPECT_FLOAT_EQ(at(img, 2, 3, 5), 0.0f);
  EXPECT_FLOAT_EQ(at(img, 0, 3, 6), 0.5f);  // centre on the rim (distance 1 = radius): half covered
  EXPECT_FLOAT_EQ(at(img, 0, 3, 7), 0.0f);  // distance 2 > radius + 1/2
  EXPECT_FLOAT_EQ(at(img, 0, 5, 5), 0.0f);
  // The red channel peaks exactly at (3, 5) for a small dot.
  Tensor small = zeros({3, kH, kW});
  draw_dot(small, 9, 7, 0.3, Rgb{1, 1, 1});
  const std::vector<float> r = small.to_vector<float>();
  const auto peak = std::max_element(r.begin(), r.begin() + kH * kW) - r.begin();
  EXPECT_EQ(peak, 7 * kW + 9);
}

TEST(HandDraw, SubPixelCoverage) {
  Tensor img = zeros({3, kH, kW});
  draw_dot(img, 5.4, 3, 0.5, Rgb{1, 1, 1});
  EXPECT_NEAR(at(img, 0, 3, 5), 0.6, 1e-6);  // 0.5 + 0.5 - 0.4
  EXPECT_NEAR(at(img, 0, 3, 6), 0.4, 1e-6);  // 0.5 + 0.5 - 0.6
  EXPECT_FLOAT_EQ(at(img, 0, 3, 4), 0.0f);
  // Opacity blends with what is there: 0.25 over 0.5 grey.
  Tensor grey = full({3, kH, kW}, 0.5);
  draw_dot(grey, 2, 2, 1, Rgb{1, 1, 1}, 0.25);
  EXPECT_FLOAT_EQ(at(grey, 0, 2, 2), 0.625f);
  // Off-image and non-finite shapes are clipped, not errors.
  draw_dot(img, -100, 1e9, 3, Rgb{1, 1, 1});
  draw_line(img, NAN, 0, 3, 3, 1, Rgb{1, 1, 1});
  EXPECT_THROW(draw_dot(zeros({kH, kW, 3}), 1, 1, 1, Rgb{}), std::invalid_argument);
}

TEST(HandDraw, LineCoversTheSegment) {
  Tensor img = zeros({3, kH, kW});
  draw_line(img, 1, 4, 10, 4, 1.0, Rgb{0, 1, 0});
  for (int64_t j = 1; j <= 10; ++j) EXPECT_FLOAT_EQ(at(img, 1, 4, j), 1.0f) << j;
  EXPECT_FLOAT_EQ(at(img, 1, 3, 5), 0.0f);  // one pixel away from a 1-px line
  EXPECT_FLOAT_EQ(at(img, 1, 4, 12), 0.0f);
  // A diagonal passes through the pixel centres it hits exactly.
  Tensor d = zeros({3, kH, kW});
  draw_line(d, 0, 0, 8, 8, 1.0, Rgb{1, 1, 1});
  for (int64_t k = 0; k <= 8; ++k) EXPECT_FLOAT_EQ(at(d, 0, k, k), 1.0f);
  EXPECT_FLOAT_EQ(at(d, 0, 0, 5), 0.0f);
}

TEST(HandDraw, SkeletonUsesFingerColours) {
  // Keypoints on a grid, 3 pixels apart (dots of radius 0.4 do not touch each other).
  Tensor img = zeros({3, 20, 24});
  std::vector<float> uv(2 * kNumKeypoints);
  for (int64_t k = 0; k < kNumKeypoints; ++k) {
    uv[2 * k] = static_cast<float>(1 + 3 * (k % 7));
    uv[2 * k + 1] = static_cast<float>(2 + 6 * (k / 7));
  }
  Tensor valid = ones({kNumKeypoints});
  valid.data<float>()[8] = 0;  // the index tip is not drawn
  draw_skeleton(img, from_vector(uv, {kNumKeypoints, 2}), valid, 0.4, 0.0);
  auto pixel = [&](int64_t k) {
    const int64_t i = static_cast<int64_t>(uv[2 * k + 1]), j = static_cast<int64_t>(uv[2 * k]);
    const float* p = img.data<float>();
    return Rgb{p[i * 24 + j], p[20 * 24 + i * 24 + j], p[2 * 20 * 24 + i * 24 + j]};
  };
  for (int64_t k = 0; k < kNumKeypoints; ++k) {
    const Rgb got = pixel(k);
    if (k == 8) {
      EXPECT_EQ(got.r + got.g + got.b, 0.0f) << "invalid keypoint drawn";
      continue;
    }
    const Rgb want = k == 0 ? kWristColor : finger_colors()[finger_of(k)];
    EXPECT_NEAR(got.r, want.r, 0.11) << k;  // coverage 0.9 at the centre of a 0.4-px dot
    EXPECT_NEAR(got.g, want.g, 0.11) << k;
    EXPECT_NEAR(got.b, want.b, 0.11) << k;
  }
  EXPECT_THROW(draw_skeleton(img, zeros({20, 2})), std::invalid_argument);
}

TEST(HandDraw, WireframeDrawsEdgesNotInteriors) {
  Tensor img = zeros({3, kH, kW});
  const Tensor uv = from_vector(std::vector<float>{1, 1, 13, 1, 1, 10}, {3, 2});
  const Tensor faces = from_vector(std::vector<int64_t>{0, 1, 2}, {1, 3});
  draw_wireframe(img, uv, faces, Rgb{1, 1, 1}, 1.0, 1.0);
  EXPECT_FLOAT_EQ(at(img, 0, 1, 7), 1.0f);  // on edge 0-1
  EXPECT_FLOAT_EQ(at(img, 0, 5, 1), 1.0f);  // on edge 0-2
  EXPECT_FLOAT_EQ(at(img, 0, 4, 4), 0.0f);  // inside the triangle
  EXPECT_THROW(draw_wireframe(img, uv, from_vector(std::vector<int64_t>{0, 1, 3}, {1, 3}), Rgb{}), std::invalid_argument);
}

TEST(HandDraw, MeshOverlayCoversItsProjection) {
  // A square facing the camera at z = 1 m, spanning x, y in [-0.1, 0.1] -> pixels u in [4, 12] with
  // f = 40, cx = 8 (and v in [2, 10] with cy = 6).
  Tensor img = zeros({3, kH, kW});
  const Tensor verts = from_vector(std::vector<float>{-0.1f, -0.1f, 1, 0.1f, -0.1f, 1, 0.1f, 0.1f, 1, -0.1f, 0.1f, 1}, {4, 3});
  // Counter-clockwise seen from the camera (outward normal towards −z).
  const Tensor faces = from_vector(std::vector<int64_t>{0, 2, 1, 0, 3, 2}, {2, 3});
  const Tensor K = from_vector(std::vector<float>{40, 0, 8, 0, 40, 6, 0, 0, 1}, {3, 3});
  draw_mesh(img, verts, faces, K, Rgb{1, 1, 1}, 1.0);
  EXPECT_GT(at(img, 0, 6, 8), 0.5f);   // centre
  EXPECT_GT(at(img, 0, 3, 5), 0.5f);   // inside, near a corner
  EXPECT_EQ(at(img, 0, 0, 0), 0.0f);   // outside
  EXPECT_EQ(at(img, 0, 6, 14), 0.0f);
}

}  // namespace
}  // namespace hg::hand
