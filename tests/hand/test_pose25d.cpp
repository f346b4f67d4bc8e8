// 2.5D pose (REFERENCE.md §3): 3D -> (u, v, Ẑ) -> 3D round trip, root depth, shape errors, gradients.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "autograd/pointwise.h"
#include "autograd/reduce.h"
#include "autograd/shape.h"
#include "hand/camera.h"
#include "hand/pose25d.h"
#include "hand/skeleton.h"
#include "tensor/factory.h"
#include "tests/common/expect_throw.h"

namespace hg::hand {
namespace {

// Random plausible right-hand-sized skeletons [B, 21, 3]: wrist 0.52-0.58 m ahead, reference bone
// 8-12 cm at most ~45° off the image plane, other joints 1.5-4 cm from their parents, every joint
// 0.3-0.8 m in front of the camera.
Tensor random_hands(uint64_t seed, int64_t batch) {
  Generator g(seed);
  std::vector<double> r = uniform({batch, 64, 3}, 0.0, 1.0, DType::f64, &g).to_vector<double>();
  std::vector<double> xyz(batch * 63);
  for (int64_t b = 0; b < batch; ++b) {
    const double* u = r.data() + 192 * b;
    double* p = xyz.data() + 63 * b;
    p[0] = -0.1 + 0.2 * u[0], p[1] = -0.1 + 0.2 * u[1], p[2] = 0.52 + 0.06 * u[2];
    for (int64_t k = 1; k < 21; ++k) {
      const double* w = u + 3 + 6 * k;
      double d[3] = {2 * w[0] - 1, 2 * w[1] - 1, 2 * w[2] - 1};
      double len = k == kIndexMcp ? 0.08 + 0.04 * w[3] : 0.015 + 0.025 * w[3];
      if (k == kIndexMcp) {
        d[0] = (w[4] < 0.5 ? -1 : 1) * (0.5 + 0.5 * w[0]);
        d[2] = w[2] - 0.5;
      }
      len /= std::sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]) + 1e-12;
      for (int c = 0; c < 3; ++c) p[3 * k + c] = p[3 * kKeypointParents[k] + c] + d[c] * len;
    }
  }
  return from_vector(xyz, {batch, 21, 3}, DType::f64);
}

Tensor cameras(int64_t batch) {
  std::vector<double> k;
  for (int64_t b = 0; b < batch; ++b) {
    const double f = 450.0 + 20.0 * double(b), c = double(b);
    for (double v : {f, 0.0, 112.0 + c, 0.0, f * 1.02, 110.0 - c, 0.0, 0.0, 1.0}) k.push_back(v);
  }
  return from_vector(k, {batch, 3, 3}, DType::f64);
}

double max_abs_diff(const Tensor& a, const Tensor& b) { return amax(abs(sub(a, b))).item<double>(); }

TEST(HandPose25d, HandsArePlausible) {
  Tensor xyz = random_hands(1, 64);
  Tensor z = select(xyz, -1, 2);
  EXPECT_GT(amin(z).item<double>(), 0.3);
  EXPECT_LT(amax(z).item<double>(), 0.8);
  Tensor s = reference_bone_length(xyz);
  EXPECT_GT(amin(s).item<double>(), 0.08 - 1e-12);
  EXPECT_LT(amax(s).item<double>(), 0.12 + 1e-12);
}

TEST(HandPose25d, Representation) {
  Tensor xyz = random_hands(2, 4), K = cameras(4);
  Pose25d p = to_pose25d(xyz, K);
  ASSERT_EQ(p.uv.sizes(), (Shape{4, 21, 2}));
  ASSERT_EQ(p.z_rel_norm.sizes(), (Shape{4, 21}));
  EXPECT_LT(max_abs_diff(p.uv, project(xyz, K)), 1e-12);
  std::vector<double> zr = p.z_rel_norm.to_vector<double>(), x = xyz.to_vector<double>();
  std::vector<double> s = reference_bone_length(xyz).to_vector<double>();
  for (int64_t b = 0; b < 4; ++b) {
    EXPECT_EQ(zr[21 * b], 0.0);  // the root
    for (int64_t k = 0; k < 21; ++k)
      EXPECT_NEAR(zr[21 * b + k], (x[63 * b + 3 * k + 2] - x[63 * b + 2]) / s[b], 1e-12);
  }
}

TEST(HandPose25d, RootDepthRecovered) {
  Tensor xyz = random_hands(3, 64), K = cameras(64);
  Pose25d p = to_pose25d(xyz, K);
  Tensor s = reference_bone_length(xyz);
  Tensor z_root = root_depth(p.uv, p.z_rel_norm, K);  // Z_root / s
  ASSERT_EQ(z_root.sizes(), (Shape{64}));
  EXPECT_LT(max_abs_diff(mul(z_root, s), select(select(xyz, -1, 2), -1, 0)), 1e-9);
}

TEST(HandPose25d, RoundTripWithTrueScale) {
  Tensor xyz = random_hands(4, 64), K = cameras(64);
  Pose25d p = to_pose25d(xyz, K);
  Tensor back = from_pose25d(p.uv, p.z_rel_norm, K, reference_bone_length(xyz));
  ASSERT_EQ(back.sizes(), xyz.sizes());
  EXPECT_LT(max_abs_diff(back, xyz), 1e-9);
  // A shared K [3, 3] broadcasts over the batch.
  Tensor K1 = select(cameras(1), 0, 0);
  Pose25d q = to_pose25d(xyz, K1);
  EXPECT_LT(max_abs_diff(from_pose25d(q.uv, q.z_rel_norm, K1, reference_bone_length(xyz)), xyz), 1e-9);
}

TEST(HandPose25d, WrongScaleScalesTheHand) {
  // With s' = λ s the reconstruction is the true hand scaled by λ about the camera centre.
  Tensor xyz = random_hands(5, 8), K = cameras(8);
  Pose25d p = to_pose25d(xyz, K);
  Tensor back = from_pose25d(p.uv, p.z_rel_norm, K, mul(reference_bone_length(xyz), 1.1));
  EXPECT_LT(max_abs_diff(back, mul(xyz, 1.1)), 1e-9);
}

TEST(HandPose25d, GradientsFlowToAllInputs) {
  Tensor xyz = random_hands(6, 2).set_requires_grad(true), K = cameras(2).set_requires_grad(true);
  Pose25d p = to_pose25d(xyz, K);
  Tensor s = reference_bone_length(xyz);
  sum(from_pose25d(p.uv, p.z_rel_norm, K, s)).backward();
  ASSERT_TRUE(xyz.grad().defined());
  ASSERT_TRUE(K.grad().defined());
  // The round trip is the identity in xyz, so d sum / d xyz = 1 everywhere.
  EXPECT_LT(max_abs_diff(xyz.grad(), ones_like(xyz)), 1e-6);
}

using hg::testing::expect_throw_naming;

TEST(HandPose25d, ErrorsNameShapes) {
  Tensor K = cameras(2);
  expect_throw_naming([&] { to_pose25d(zeros({2, 16, 3}, DType::f64), K); }, "[2, 16, 3]");
  expect_throw_naming([&] { root_depth(zeros({2, 21, 2}, DType::f64), zeros({2, 20}, DType::f64), K); }, "[2, 20]");
  expect_throw_naming([&] { root_depth(zeros({2, 21, 2}, DType::f64), zeros({21}, DType::f64), K); }, "[21]");
  expect_throw_naming(
      [&] { from_pose25d(zeros({2, 21, 2}, DType::f64), zeros({2, 21}, DType::f64), K, zeros({2, 1}, DType::f64)); },
      "[2, 1]");
}

}  // namespace
}  // namespace hg::hand
