// The hand pose prior (hand/pose_prior.h): limits and frames, sampling (within limits,
// deterministic, correlated like a hand), the angle <-> axis-angle maps, the left mirror, input
// errors, and plausibility of sampled poses on the procedural hand.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "hand/mano.h"
#include "hand/pose_prior.h"
#include "hand/procedural_hand.h"
#include "hand/procedural_skeleton.h"
#include "tensor/factory.h"
#include "tests/common/expect_throw.h"

namespace hg::hand {
namespace {

using procedural::kDigitJoints;

double dot3(const std::array<double, 3>& a, const std::array<double, 3>& b) {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

double correlation(const std::vector<double>& a, const std::vector<double>& b) {
  const double n = double(a.size());
  double ma = 0, mb = 0;
  for (size_t i = 0; i < a.size(); ++i) ma += a[i] / n, mb += b[i] / n;
  double sab = 0, saa = 0, sbb = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) * (a[i] - ma);
    sbb += (b[i] - mb) * (b[i] - mb);
  }
  return sab / std::sqrt(saa * sbb);
}

TEST(HandPosePrior, LimitsAreOrderedAndFramesOrthonormal) {
  const JointLimits& l = hand_joint_limits();
  for (int j = 1; j < 16; ++j) {
    SCOPED_TRACE("joint " + std::to_string(j));
    for (const AngleRange& r : {l.joint[j].flexion, l.joint[j].abduction, l.joint[j].twist}) {
      EXPECT_LT(r.min, r.max);
      EXPECT_LT(r.max - r.min, 2.5);  // no joint swings more than ~140° about one axis
    }
    EXPECT_GT(l.joint[j].flexion.max, 0.8);      // every joint flexes well ...
    EXPECT_LT(l.joint[j].flexion.min, 0.0);      // ... and extends a little
    EXPECT_LE(l.joint[j].flexion.min, -0.04);
    EXPECT_LT(l.joint[j].twist.max, 0.4);        // and twists only slightly
    const auto &f = l.flexion_axis[j], &a = l.abduction_axis[j], &t = l.twist_axis[j];
    EXPECT_NEAR(dot3(f, f), 1.0, 1e-12);
    EXPECT_NEAR(dot3(a, a), 1.0, 1e-12);
    EXPECT_NEAR(dot3(t, t), 1.0, 1e-12);
    EXPECT_NEAR(dot3(f, a), 0.0, 1e-12);
    EXPECT_NEAR(dot3(f, t), 0.0, 1e-12);
    EXPECT_NEAR(dot3(a, t), 0.0, 1e-12);
    // right-handed: flexion = twist × abduction (d × n)
    EXPECT_NEAR(t[1] * a[2] - t[2] * a[1], f[0], 1e-12);
    EXPECT_NEAR(t[2] * a[0] - t[0] * a[2], f[1], 1e-12);
    EXPECT_NEAR(t[0] * a[1] - t[1] * a[0], f[2], 1e-12);
  }
  // The fingers flex toward the palm (+z) and point along +y; the thumb points radially (+x).
  for (int j : {1, 4, 7, 10}) {
    EXPECT_NEAR(l.abduction_axis[j][2], 1.0, 1e-12);
    EXPECT_GT(l.twist_axis[j][1], 0.98);
  }
  EXPECT_GT(l.twist_axis[13][0], 0.5);
}

TEST(HandPosePrior, AnglesAndPosesConvertBothWays) {
  Generator g(3);
  const Tensor angles = uniform({4, 2, 15, 3}, -1.0, 1.0, DType::f64, &g);
  const Tensor pose = hand_angles_to_pose(angles);
  ASSERT_EQ(pose.sizes(), (Shape{4, 2, 45}));
  const auto back = hand_pose_to_angles(pose).to_vector<double>(), a = angles.to_vector<double>();
  for (size_t i = 0; i < a.size(); ++i) ASSERT_NEAR(back[i], a[i], 1e-14);
  // A pure flexion of the middle PIP (MANO joint 5) is a rotation about its flexion axis.
  std::vector<double> one(45, 0.0);
  one[3 * 4] = 0.7;  // joint 5, flexion
  const auto p = hand_angles_to_pose(from_vector(one, {15, 3}, DType::f64)).to_vector<double>();
  const auto& axis = hand_joint_limits().flexion_axis[5];
  for (int c = 0; c < 3; ++c) EXPECT_NEAR(p[12 + c], 0.7 * axis[c], 1e-15);
  EXPECT_EQ(hand_pose_to_angles(from_vector(p, {45}, DType::f32)).dtype(), DType::f32);
}

TEST(HandPosePrior, SamplesStayWithinTheLimits) {
  Generator g(11);
  const int64_t n = 4096;
  const Tensor poses = sample_hand_poses(g, n);
  ASSERT_EQ(poses.sizes(), (Shape{n, 45}));
  EXPECT_EQ(poses.dtype(), DType::f64);
  const auto a = hand_pose_to_angles(poses).to_vector<double>();
  const JointLimits& l = hand_joint_limits();
  std::vector<int> at_max(16, 0);
  for (int64_t i = 0; i < n; ++i)
    for (int j = 1; j < 16; ++j) {
      const double* x = a.data() + i * 45 + 3 * (j - 1);
      ASSERT_TRUE(l.joint[j].flexion.contains(x[0], 1e-12)) << "sample " << i << " joint " << j << " flexion " << x[0];
      ASSERT_TRUE(l.joint[j].abduction.contains(x[1], 1e-12)) << "sample " << i << " joint " << j;
      ASSERT_TRUE(l.joint[j].twist.contains(x[2], 1e-12)) << "sample " << i << " joint " << j;
      at_max[j] += x[0] > l.joint[j].flexion.max - 1e-9;
    }
  // The limits bound the prior; they are not where it lives.
  for (int j = 1; j < 16; ++j) EXPECT_LT(at_max[j], n / 10) << "joint " << j;
  EXPECT_EQ(sample_hand_poses(g, 3, DType::f32).dtype(), DType::f32);
  EXPECT_EQ(sample_hand_poses(g, 0).sizes(), (Shape{0, 45}));
}

TEST(HandPosePrior, IsDeterministicInTheGeneratorState) {
  Generator a(99), b(99), c(100);
  const auto x = sample_hand_poses(a, 32).to_vector<double>();
  EXPECT_TRUE(x == sample_hand_poses(b, 32).to_vector<double>());
  EXPECT_FALSE(x == sample_hand_poses(c, 32).to_vector<double>());
  // The generator advances: the next draw differs, and a restored state repeats it.
  const uint64_t counter = a.counter();
  const auto next = sample_hand_poses(a, 32).to_vector<double>();
  EXPECT_FALSE(next == x);
  Generator d(99);
  d.set_state(99, 0, counter);
  EXPECT_TRUE(sample_hand_poses(d, 32).to_vector<double>() == next);
}

TEST(HandPosePrior, FingersCurlTogetherAndDipFollowsPip) {
  Generator g(5);
  const int64_t n = 4096;
  const auto a = hand_pose_to_angles(sample_hand_poses(g, n)).to_vector<double>();
  auto flexion = [&](int joint) {
    std::vector<double> f(n);
    for (int64_t i = 0; i < n; ++i) f[i] = a[i * 45 + 3 * (joint - 1)];
    return f;
  };
  // Neighbouring fingers curl together (index/middle, middle/ring, ring/little PIPs).
  EXPECT_GT(correlation(flexion(2), flexion(5)), 0.5);
  EXPECT_GT(correlation(flexion(5), flexion(11)), 0.5);
  EXPECT_GT(correlation(flexion(11), flexion(8)), 0.5);
  // Each finger's MCP and PIP go together; DIP ≈ 2/3 PIP (least-squares slope through the origin).
  for (int d = 1; d < 5; ++d) {
    const auto& j = kDigitJoints[d];
    EXPECT_GT(correlation(flexion(j[0]), flexion(j[1])), 0.6) << "digit " << d;
    const auto pip = flexion(j[1]), dip = flexion(j[2]);
    double num = 0, den = 0;
    for (int64_t i = 0; i < n; ++i) num += pip[i] * dip[i], den += pip[i] * pip[i];
    EXPECT_NEAR(num / den, 2.0 / 3.0, 0.06) << "digit " << d;
    EXPECT_GT(correlation(pip, dip), 0.9) << "digit " << d;
  }
  // Poses range from open hands to fists.
  const auto middle_pip = flexion(5);
  EXPECT_LT(*std::min_element(middle_pip.begin(), middle_pip.end()), 0.1);
  EXPECT_GT(*std::max_element(middle_pip.begin(), middle_pip.end()), 1.6);
}

TEST(HandPosePrior, RelaxedPoseIsSlightlyCurledAndWithinLimits) {
  const auto a = hand_pose_to_angles(relaxed_hand_pose()).to_vector<double>();
  const JointLimits& l = hand_joint_limits();
  for (int j = 1; j < 16; ++j) {
    EXPECT_TRUE(l.joint[j].flexion.contains(a[3 * (j - 1)]));
    EXPECT_GT(a[3 * (j - 1)], 0.15) << "joint " << j;
    EXPECT_LT(a[3 * (j - 1)], 0.75) << "joint " << j;
  }
  // The cascade: the little finger curls more than the index at the MCP.
  EXPECT_GT(a[3 * (7 - 1)], a[3 * (1 - 1)]);
  // It is close to the prior's mean (every joint angle within 0.2 rad of the mean of 8192 samples).
  Generator g(8);
  const int64_t n = 8192;
  const auto s = hand_pose_to_angles(sample_hand_poses(g, n)).to_vector<double>();
  for (int k = 0; k < 45; ++k) {
    double mean = 0;
    for (int64_t i = 0; i < n; ++i) mean += s[i * 45 + k] / double(n);
    EXPECT_NEAR(a[k], mean, 0.2) << "joint " << k / 3 + 1 << " angle " << k % 3;
  }
}

TEST(HandPosePrior, MirrorFlipsTheYAndZComponents) {
  const Tensor p = from_vector(std::vector<double>{1, 2, 3, -4, 5, -6}, {1, 6}, DType::f64);
  EXPECT_EQ(mirror_hand_poses(p).to_vector<double>(), (std::vector<double>{1, -2, -3, -4, -5, 6}));
  Generator g(1);
  const Tensor x = sample_hand_poses(g, 4);
  EXPECT_EQ(mirror_hand_poses(mirror_hand_poses(x)).to_vector<double>(), x.to_vector<double>());
}

TEST(HandPosePrior, RejectsBadArguments) {
  using hg::testing::expect_throw_naming;
  Generator g(1);
  expect_throw_naming([&] { sample_hand_poses(g, -1); }, "-1");
  expect_throw_naming([&] { sample_hand_poses(g, 2, DType::i64); }, "dtype");
  expect_throw_naming([&] { hand_pose_to_angles(zeros({3, 44}, DType::f64)); }, "[3, 44]");
  expect_throw_naming([&] { hand_pose_to_angles(Tensor()); }, "undefined");
  expect_throw_naming([&] { hand_angles_to_pose(zeros({15, 2}, DType::f64)); }, "[15, 2]");
  expect_throw_naming([&] { mirror_hand_poses(zeros({4}, DType::f64)); }, "[4]");
}

// On the procedural hand (no global rotation, so the palm is the x-y plane with its surface at
// z ≈ +15 mm): a fingertip over the palm never sinks into it, i.e. stays in front of the MCP
// joints' plane z = 0; and the posed hand stays a hand (finite, joints near the template's).
TEST(HandPosePrior, SampledPosesKeepTheFingertipsOutOfThePalm) {
  const ManoModel m = make_procedural_hand({0, true});
  const ManoLayer layer(m, ManoOptions{false, 45, true});
  Generator g(2024);
  const int64_t n = 256;
  const ManoOutput out = layer.forward({zeros({n, 3}, DType::f64), sample_hand_poses(g, n), Tensor(), Tensor()});
  const auto v = out.vertices.to_vector<double>();
  const auto j = out.joints16.to_vector<double>();
  const int64_t V = m.num_vertices();
  int over_palm = 0, inside = 0;
  for (int64_t b = 0; b < n; ++b) {
    const double* joints = j.data() + b * 48;
    const double little_x = joints[3 * 7], index_x = joints[3 * 1], knuckles_y = joints[3 * 4 + 1];
    for (int d = 0; d < 5; ++d) {
      const double* tip = v.data() + (b * V + m.fingertips[d]) * 3;
      ASSERT_TRUE(std::isfinite(tip[0]) && std::isfinite(tip[1]) && std::isfinite(tip[2]));
      const bool above_palm = tip[0] > little_x - 0.01 && tip[0] < index_x + 0.01 && tip[1] > 0.01 && tip[1] < knuckles_y - 0.01;
      if (!above_palm) continue;
      ++over_palm;
      inside += tip[2] < 0.0;
    }
  }
  EXPECT_GT(over_palm, n / 4);  // the prior does close the hand ...
  EXPECT_LE(inside, over_palm / 100);  // ... without pushing fingertips through the palm
}

}  // namespace
}  // namespace hg::hand
