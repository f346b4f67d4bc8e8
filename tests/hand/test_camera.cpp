// Pinhole camera: projection, back-projection and intrinsics under crop / resize / rotation.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "autograd/pointwise.h"
#include "autograd/reduce.h"
#include "autograd/shape.h"
#include "hand/camera.h"
#include "tensor/factory.h"
#include "tests/common/expect_throw.h"

namespace hg::hand {
namespace {

Tensor K0() { return from_vector(std::vector<double>{500, 0, 112, 0, 480, 108, 0, 0, 1}, {3, 3}, DType::f64); }

Tensor points(Generator& g) {  // [2, 7, 3], 0.3-0.8 m in front of the camera
  Tensor xy = uniform({2, 7, 2}, -0.15, 0.15, DType::f64, &g);
  Tensor z = uniform({2, 7, 1}, 0.3, 0.8, DType::f64, &g);
  return cat({xy, z}, -1);
}

double max_abs_diff(const Tensor& a, const Tensor& b) { return amax(abs(sub(a, b))).item<double>(); }

TEST(HandCamera, ProjectMatchesFormula) {
  Tensor xyz = from_vector(std::vector<double>{0.1, -0.05, 0.5}, {1, 3}, DType::f64);
  std::vector<double> uv = project(xyz, K0()).to_vector<double>();
  EXPECT_NEAR(uv[0], 500 * 0.1 / 0.5 + 112, 1e-12);
  EXPECT_NEAR(uv[1], 480 * -0.05 / 0.5 + 108, 1e-12);
}

TEST(HandCamera, BackprojectInvertsProject) {
  Generator g(7);
  Tensor xyz = points(g);
  Tensor K = stack({K0(), resize_intrinsics(K0(), 0.5, 0.5)});  // a batch of two cameras
  Tensor uv = project(xyz, K);
  ASSERT_EQ(uv.sizes(), (Shape{2, 7, 2}));
  Tensor back = backproject(uv, select(xyz, -1, 2), K);
  EXPECT_LT(max_abs_diff(back, xyz), 1e-12);
  EXPECT_LT(max_abs_diff(project(back, K), uv), 1e-9);  // pixels
}

// Projecting with an edited K equals editing the projected points.
void expect_commutes(const Tensor& K2, const Tensor& A) {
  Generator g(11);
  Tensor xyz = points(g);
  EXPECT_LT(max_abs_diff(project(xyz, K2), transform_uv(project(xyz, K0()), A)), 1e-9);
}

TEST(HandCamera, CropShiftsThePrincipalPoint) {
  Tensor K2 = crop_intrinsics(K0(), 30, 12);
  std::vector<double> k = K2.to_vector<double>();
  EXPECT_DOUBLE_EQ(k[2], 82);
  EXPECT_DOUBLE_EQ(k[5], 96);
  expect_commutes(K2, crop_affine(30, 12));
  // A point at pixel centre (row 12, column 30) lands on pixel (0, 0) of the crop.
  Tensor uv = transform_uv(from_vector(std::vector<double>{30, 12}, {1, 2}, DType::f64), crop_affine(30, 12));
  EXPECT_EQ(uv.to_vector<double>(), (std::vector<double>{0, 0}));
}

TEST(HandCamera, ResizeUsesPixelCentres) {
  Tensor K2 = resize_intrinsics(K0(), 0.5, 2.0);
  std::vector<double> k = K2.to_vector<double>();
  EXPECT_DOUBLE_EQ(k[0], 250);
  EXPECT_DOUBLE_EQ(k[2], 0.5 * 112.5 - 0.5);
  EXPECT_DOUBLE_EQ(k[4], 960);
  EXPECT_DOUBLE_EQ(k[5], 2.0 * 108.5 - 0.5);
  expect_commutes(K2, resize_affine(0.5, 2.0));
  // The outer image edges (-0.5 and W - 0.5) map to the new edges: 224 -> 112 columns.
  Tensor e = transform_uv(from_vector(std::vector<double>{-0.5, -0.5, 223.5, 223.5}, {2, 2}, DType::f64),
                          resize_affine(0.5, 0.5));
  EXPECT_EQ(e.to_vector<double>(), (std::vector<double>{-0.5, -0.5, 111.5, 111.5}));
}

TEST(HandCamera, RotationAboutAPoint) {
  const double a = 0.4;
  Tensor A = rotate_affine(a, 112, 100);
  expect_commutes(rotate_intrinsics(K0(), a, 112, 100), A);
  // The centre is fixed; a point one pixel to its right moves to (cos a, sin a) from it (y down).
  std::vector<double> uv =
      transform_uv(from_vector(std::vector<double>{112, 100, 113, 100}, {2, 2}, DType::f64), A).to_vector<double>();
  EXPECT_NEAR(uv[0], 112, 1e-12);
  EXPECT_NEAR(uv[1], 100, 1e-12);
  EXPECT_NEAR(uv[2], 112 + std::cos(a), 1e-12);
  EXPECT_NEAR(uv[3], 100 + std::sin(a), 1e-12);
  // The depth row of K is untouched, so depths survive the edit.
  std::vector<double> k = rotate_intrinsics(K0(), a, 112, 100).to_vector<double>();
  EXPECT_EQ(std::vector<double>(k.begin() + 6, k.end()), (std::vector<double>{0, 0, 1}));
}

using hg::testing::expect_throw_naming;

TEST(HandCamera, ErrorsNameShapes) {
  expect_throw_naming([] { project(zeros({4, 2}, DType::f64), K0()); }, "[4, 2]");
  expect_throw_naming([] { project(zeros({4, 3}, DType::f64), zeros({3, 4}, DType::f64)); }, "[3, 4]");
  expect_throw_naming([] { backproject(zeros({4, 2}, DType::f64), zeros({5}, DType::f64), K0()); }, "[5]");
  expect_throw_naming([] { transform_uv(zeros({4, 3}, DType::f64), crop_affine(1, 1)); }, "[4, 3]");
  expect_throw_naming([] { crop_intrinsics(zeros({2, 2}, DType::f64), 1, 1); }, "[2, 2]");
}

}  // namespace
}  // namespace hg::hand
