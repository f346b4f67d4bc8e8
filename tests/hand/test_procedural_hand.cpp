// The procedural MANO-compatible hand (hand/procedural_hand.h): sizes and validation, surface
// topology and orientation, rig (weights, joint regressor, pose correctives), shape directions,
// pose PCA, determinism, the left mirror, the npz round trip and posed meshes.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "hand/mano.h"
#include "hand/pose_prior.h"
#include "hand/procedural_hand.h"
#include "hand/procedural_mesh.h"
#include "hand/skeleton.h"
#include "tensor/factory.h"

namespace hg::hand {
namespace {

using procedural::Vec3;

const ManoModel& right_hand() {
  static const ManoModel m = make_procedural_hand({0, true});
  return m;
}
const ManoModel& left_hand() {
  static const ManoModel m = make_procedural_hand({0, false});
  return m;
}

std::vector<Vec3> points(const Tensor& t) {  // [N, 3] -> N points
  const auto v = t.to_vector<double>();
  std::vector<Vec3> p(v.size() / 3);
  for (size_t i = 0; i < p.size(); ++i) p[i] = Vec3(v[3 * i], v[3 * i + 1], v[3 * i + 2]);
  return p;
}
using Faces = std::vector<std::array<int64_t, 3>>;
Faces faces_of(const ManoModel& m) {
  const auto f = m.faces.to_vector<int64_t>();
  Faces out(f.size() / 3);
  for (size_t i = 0; i < out.size(); ++i) out[i] = {f[3 * i], f[3 * i + 1], f[3 * i + 2]};
  return out;
}
double area(const std::vector<Vec3>& p, const std::array<int64_t, 3>& f) {
  return 0.5 * (p[f[1]] - p[f[0]]).cross(p[f[2]] - p[f[0]]).norm();
}
double signed_volume(const std::vector<Vec3>& p, const Faces& faces) {  // divergence theorem
  double v = 0;
  for (const auto& f : faces) v += p[f[0]].dot(p[f[1]].cross(p[f[2]])) / 6.0;
  return v;
}

// Model arrays through plain matrices: v + S β and J = J_regressor · v.
std::vector<Vec3> shaped(const ManoModel& m, const std::array<double, 10>& beta) {
  std::vector<Vec3> v = points(m.v_template);
  const auto s = m.shapedirs.to_vector<double>();
  for (size_t i = 0; i < v.size(); ++i)
    for (int c = 0; c < 3; ++c)
      for (int k = 0; k < 10; ++k) v[i][c] += s[(i * 3 + c) * 10 + k] * beta[k];
  return v;
}
std::vector<Vec3> regress(const ManoModel& m, const std::vector<Vec3>& v) {
  const auto r = m.J_regressor.to_vector<double>();
  std::vector<Vec3> j(16, Vec3::Zero());
  for (int a = 0; a < 16; ++a)
    for (size_t i = 0; i < v.size(); ++i) j[a] += r[a * v.size() + i] * v[i];
  return j;
}
double bone(const std::vector<Vec3>& j, int a, int b) { return (j[a] - j[b]).norm(); }

// The scaled skeleton the construction placed (ground truth for the regressor).
std::array<Vec3, 16> true_joints(uint64_t seed, const std::array<double, 10>& beta = {}) {
  const auto p = procedural::with_shape(procedural::seeded_proportions(seed), beta);
  auto s = procedural::unscaled_skeleton(p);
  for (auto& j : s.joints) j *= p.scale;
  return s.joints;
}

TEST(ProceduralHand, HasManoSizesAndValidates) {
  const ManoModel& m = right_hand();
  EXPECT_NO_THROW(validate(m, "procedural"));
  EXPECT_EQ(m.num_vertices(), 778);
  EXPECT_EQ(m.num_faces(), 1538);
  EXPECT_EQ(m.v_template.dtype(), DType::f64);
  EXPECT_EQ(m.faces.dtype(), DType::i64);
  EXPECT_EQ(m.parents, kManoParents);
  EXPECT_TRUE(m.is_right);
  EXPECT_FALSE(left_hand().is_right);
  EXPECT_EQ(m.source, "procedural(seed=0, right)");
  // An adult hand: wrist joint to middle fingertip ~0.18 m, ~0.085 m across the knuckles.
  const auto v = points(m.v_template);
  const double length = v[m.fingertips[2]].norm();
  EXPECT_GT(length, 0.16);
  EXPECT_LT(length, 0.20);
  const auto j = regress(m, v);
  const auto w = m.weights.to_vector<double>();
  double lo = 1, hi = -1;  // across the palm just before the knuckles (vertices the wrist joint moves)
  for (size_t i = 0; i < v.size(); ++i)
    if (w[16 * i] > 0.4 && v[i].y() > j[4].y() - 0.02 && v[i].y() < j[4].y())
      lo = std::min(lo, v[i].x()), hi = std::max(hi, v[i].x());
  EXPECT_GT(hi - lo, 0.075);
  EXPECT_LT(hi - lo, 0.095);
}

TEST(ProceduralHand, IsAnOrientedManifoldWithOneWristLoop) {
  const ManoModel& m = right_hand();
  const Faces faces = faces_of(m);
  const int64_t V = m.num_vertices();
  std::map<std::pair<int64_t, int64_t>, int> directed;
  std::vector<int> uses(V, 0);
  for (const auto& f : faces) {
    ASSERT_TRUE(f[0] != f[1] && f[1] != f[2] && f[2] != f[0]);
    for (int k = 0; k < 3; ++k) {
      ++directed[{f[k], f[(k + 1) % 3]}];
      ++uses[f[k]];
    }
  }
  // Consistent orientation: no directed edge twice; boundary = edges without their reverse.
  std::map<int64_t, int64_t> boundary_next;
  int64_t undirected = 0;
  for (const auto& [e, count] : directed) {
    ASSERT_EQ(count, 1) << "edge " << e.first << "->" << e.second << " used " << count << " times";
    if (!directed.count({e.second, e.first})) {
      ASSERT_FALSE(boundary_next.count(e.first)) << "boundary vertex " << e.first << " is pinched";
      boundary_next[e.first] = e.second;
      ++undirected;
    } else if (e.first < e.second) {
      ++undirected;
    }
  }
  for (int64_t v = 0; v < V; ++v) EXPECT_GT(uses[v], 0) << "vertex " << v << " is in no face";
  // Exactly one boundary loop: the 16-vertex wrist opening.
  ASSERT_EQ(boundary_next.size(), 16u);
  int64_t at = boundary_next.begin()->first, steps = 0;
  do {
    at = boundary_next.at(at);
    ++steps;
  } while (at != boundary_next.begin()->first && steps <= 16);
  EXPECT_EQ(steps, 16);
  // A disc: V - E + F = 1.
  EXPECT_EQ(V - undirected + static_cast<int64_t>(faces.size()), 1);
  // Every vertex's faces form one fan (a cycle inside, a path on the boundary).
  std::vector<std::map<int64_t, int64_t>> fan(V);  // around v: the edge opposite v, as a -> b
  for (const auto& f : faces)
    for (int k = 0; k < 3; ++k) fan[f[k]][f[(k + 1) % 3]] = f[(k + 2) % 3];
  for (int64_t v = 0; v < V; ++v) {
    std::set<int64_t> targets;
    for (const auto& [a, b] : fan[v]) targets.insert(b);
    int64_t start = fan[v].begin()->first;
    for (const auto& [a, b] : fan[v])
      if (!targets.count(a)) start = a;  // a path starts where nothing leads in
    size_t walked = 0;
    for (int64_t x = start; fan[v].count(x) && walked <= fan[v].size(); x = fan[v].at(x), ++walked)
      if (walked > 0 && x == start) break;
    EXPECT_EQ(walked, fan[v].size()) << "vertex " << v << " is not a single fan";
  }
}

TEST(ProceduralHand, FacesPointOutwardAndNoneIsDegenerate) {
  const ManoModel& m = right_hand();
  const auto v = points(m.v_template);
  const Faces faces = faces_of(m);
  // The wrist opening is closed by a fan to its centroid before taking the volume.
  Faces closed = faces;
  std::vector<Vec3> p = v;
  {
    std::map<int64_t, int64_t> next;
    std::set<std::pair<int64_t, int64_t>> edges;
    for (const auto& f : faces)
      for (int k = 0; k < 3; ++k) edges.insert({f[k], f[(k + 1) % 3]});
    for (const auto& [a, b] : edges)
      if (!edges.count({b, a})) next[a] = b;
    Vec3 c = Vec3::Zero();
    for (const auto& [a, b] : next) c += v[a] / double(next.size());
    p.push_back(c);
    for (const auto& [a, b] : next) closed.push_back({b, a, static_cast<int64_t>(v.size())});
  }
  const double volume = signed_volume(p, closed);
  EXPECT_GT(volume, 150e-6);  // m³: a hand is a few hundred cm³
  EXPECT_LT(volume, 600e-6);
  double smallest = 1;
  for (const auto& f : faces) smallest = std::min(smallest, area(v, f));
  EXPECT_GT(smallest, 1e-6);  // 1 mm²
}

TEST(ProceduralHand, FingertipsAreTheEndsOfTheDigits) {
  const ManoModel& m = right_hand();
  const auto v = points(m.v_template);
  const auto j = regress(m, v);
  const auto w = m.weights.to_vector<double>();
  for (int d = 0; d < 5; ++d) {
    const auto& chain = procedural::kDigitJoints[d];
    const Vec3 dir = (j[chain[2]] - j[chain[1]]).normalized();
    int64_t far = -1;  // the farthest along the last bone among the vertices its joint moves most
    for (size_t i = 0; i < v.size(); ++i) {
      if (w[16 * i + chain[2]] < 0.5) continue;
      if (far < 0 || (v[i] - j[chain[2]]).dot(dir) > (v[far] - j[chain[2]]).dot(dir)) far = static_cast<int64_t>(i);
    }
    EXPECT_EQ(m.fingertips[d], far) << "digit " << d;
    const double distal = (v[m.fingertips[d]] - j[chain[2]]).norm();
    EXPECT_GT(distal, 0.015) << "digit " << d;
    EXPECT_LT(distal, 0.035) << "digit " << d;
  }
  // The thumb is opposed: out of the palm plane (+z) on the radial side (+x) of the index.
  EXPECT_GT(v[m.fingertips[0]].z(), 0.02);
  EXPECT_GT(v[m.fingertips[0]].x(), j[1].x() + 0.02);
}

TEST(ProceduralHand, SkinningWeightsAreConvexSmoothAndLocal) {
  const ManoModel& m = right_hand();
  const auto v = points(m.v_template);
  const auto j = regress(m, v);
  const auto w = m.weights.to_vector<double>();
  // The bones each joint moves: the wrist the palm (to every digit's first joint), a digit joint
  // the segment to its child (or to the fingertip).
  auto segment_distance = [](const Vec3& p, const Vec3& a, const Vec3& b) {
    const double t = std::clamp((p - a).dot(b - a) / (b - a).squaredNorm(), 0.0, 1.0);
    return (p - (a + t * (b - a))).norm();
  };
  auto bone_distance = [&](const Vec3& p, int joint) {
    double best = 1e9;
    if (joint == 0) {
      for (int d = 0; d < 5; ++d) best = std::min(best, segment_distance(p, j[0], j[procedural::kDigitJoints[d][0]]));
      return best;
    }
    for (int d = 0; d < 5; ++d)
      for (int level = 0; level < 3; ++level)
        if (procedural::kDigitJoints[d][level] == joint) {
          const Vec3 end = level < 2 ? j[procedural::kDigitJoints[d][level + 1]] : v[m.fingertips[d]];
          best = segment_distance(p, j[joint], end);
        }
    return best;
  };
  std::vector<int> blended(16, 0);
  for (size_t i = 0; i < v.size(); ++i) {
    double sum = 0;
    int dominant = 0;
    for (int k = 0; k < 16; ++k) {
      const double x = w[i * 16 + k];
      ASSERT_GE(x, 0.0) << "vertex " << i << " joint " << k;
      sum += x;
      if (x > w[i * 16 + dominant]) dominant = k;
      if (x > 0.2 && x < 0.8) ++blended[k];
    }
    EXPECT_NEAR(sum, 1.0, 1e-12) << "vertex " << i;
    EXPECT_LT(bone_distance(v[i], dominant), 0.035) << "vertex " << i << " dominated by joint " << dominant;
  }
  for (int k = 0; k < 16; ++k) EXPECT_GE(blended[k], 8) << "joint " << k << " has no blend zone";
}

TEST(ProceduralHand, JointRegressorReproducesTheJoints) {
  const ManoModel& m = right_hand();
  const auto r = m.J_regressor.to_vector<double>();
  const int64_t V = m.num_vertices();
  for (int a = 0; a < 16; ++a) {
    double sum = 0;
    int nonzero = 0;
    for (int64_t i = 0; i < V; ++i) {
      ASSERT_GE(r[a * V + i], 0.0);
      sum += r[a * V + i];
      nonzero += r[a * V + i] > 0;
    }
    EXPECT_NEAR(sum, 1.0, 1e-12) << "joint " << a;
    EXPECT_GE(nonzero, 16) << "joint " << a;   // a ring of vertices around the joint ...
    EXPECT_LE(nonzero, 200) << "joint " << a;  // ... not the whole hand
  }
  const auto j = regress(m, points(m.v_template));
  const auto truth = true_joints(0);
  for (int a = 0; a < 16; ++a) EXPECT_LT((j[a] - truth[a]).norm(), 1e-9) << "joint " << a;
  EXPECT_LT(j[0].norm(), 1e-9);  // the wrist joint is the origin of the model frame
}

TEST(ProceduralHand, JointRegressorFollowsShapeChanges) {
  const ManoModel& m = right_hand();
  for (int k = 0; k < 10; ++k)
    for (double amount : {-2.0, 2.0}) {
      std::array<double, 10> beta{};
      beta[k] = amount;
      const auto j = regress(m, shaped(m, beta));
      const auto truth = true_joints(0, beta);
      for (int a = 0; a < 16; ++a)
        EXPECT_LT((j[a] - truth[a]).norm(), 1e-3) << "beta " << k << " = " << amount << ", joint " << a;
    }
}

TEST(ProceduralHand, ShapeDirectionsMeanWhatTheySay) {
  const ManoModel& m = right_hand();
  const auto rest = points(m.v_template);
  const auto j0 = regress(m, rest);
  auto with = [&](int k) {
    std::array<double, 10> beta{};
    beta[k] = 1.0;
    return shaped(m, beta);
  };
  auto length = [](const std::vector<Vec3>& j, int d) {  // first joint -> last joint of a digit
    const auto& c = procedural::kDigitJoints[d];
    return (j[c[2]] - j[c[0]]).norm();
  };
  // Every unit β moves the surface by a few millimetres.
  const auto s = m.shapedirs.to_vector<double>();
  for (int k = 0; k < 10; ++k) {
    double largest = 0;
    for (size_t i = 0; i < rest.size(); ++i)
      largest = std::max(largest, Vec3(s[(i * 3) * 10 + k], s[(i * 3 + 1) * 10 + k], s[(i * 3 + 2) * 10 + k]).norm());
    EXPECT_GT(largest, 0.0005) << "beta " << k;
    EXPECT_LT(largest, 0.010) << "beta " << k;
  }
  {  // 0: overall scale +3 % about the wrist
    const auto v = with(0);
    for (size_t i = 0; i < v.size(); i += 37) EXPECT_NEAR((v[i] - 1.03 * rest[i]).norm(), 0.0, 1e-9);
  }
  {  // 1: palm length: the MCPs move distally ~3 mm, finger bones unchanged
    const auto j = regress(m, with(1));
    EXPECT_NEAR(j[4].y() - j0[4].y(), 0.003 * 1.0, 0.0006);
    EXPECT_NEAR(length(j, 2), length(j0, 2), 1e-4);
  }
  {  // 2: palm width: index MCP <-> little MCP +3 mm, and the surface widens at the knuckles
    const auto v = with(2);
    const auto j = regress(m, v);
    EXPECT_NEAR(bone(j, 1, 7) - bone(j0, 1, 7), 0.003, 0.0008);
    double widest0 = 0, widest = 0;
    for (size_t i = 0; i < v.size(); ++i)
      if (std::abs(rest[i].y() - j0[4].y()) < 0.01) widest0 = std::max(widest0, std::abs(rest[i].x())), widest = std::max(widest, std::abs(v[i].x()));
    EXPECT_GT(widest - widest0, 0.001);
  }
  {  // 3: palm thickness: the mid palm gets thicker
    const auto v = with(3);
    double t0 = 0, t1 = 0;
    for (size_t i = 0; i < v.size(); ++i)
      if (std::abs(rest[i].y() - 0.05) < 0.01 && std::abs(rest[i].x()) < 0.015)
        t0 = std::max(t0, std::abs(rest[i].z())), t1 = std::max(t1, std::abs(v[i].z()));
    EXPECT_GT(t1 - t0, 0.0005);
  }
  {  // 4: finger lengths +4 % for index..little, thumb unchanged
    const auto j = regress(m, with(4));
    for (int d = 1; d < 5; ++d) EXPECT_NEAR(length(j, d) / length(j0, d), 1.04, 0.004) << "digit " << d;
    EXPECT_NEAR(length(j, 0), length(j0, 0), 1e-4);
  }
  {  // 5: digit thickness: rings around the PIP of the middle finger widen, joints stay
    const auto v = with(5);
    const auto j = regress(m, v);
    EXPECT_LT((j[5] - j0[5]).norm(), 1e-4);
    double r0 = 0, r1 = 0;
    for (size_t i = 0; i < v.size(); ++i)
      if ((rest[i] - j0[5]).norm() < 0.013 && std::abs((rest[i] - j0[5]).y()) < 0.002)
        r0 = std::max(r0, (rest[i] - j0[5]).norm()), r1 = std::max(r1, (v[i] - j[5]).norm());
    EXPECT_GT(r1 - r0, 0.0003);
  }
  {  // 6: thumb length +5 %, fingers unchanged
    const auto j = regress(m, with(6));
    EXPECT_NEAR(length(j, 0) / length(j0, 0), 1.05, 0.006);
    EXPECT_NEAR(length(j, 2), length(j0, 2), 1e-4);
  }
  {  // 7: index longer, ring shorter
    const auto j = regress(m, with(7));
    EXPECT_NEAR(length(j, 1) / length(j0, 1), 1.03, 0.004);
    EXPECT_NEAR(length(j, 3) / length(j0, 3), 0.97, 0.004);
  }
  {  // 8: little finger +5 %, 9: middle finger +4 %
    const auto j8 = regress(m, with(8)), j9 = regress(m, with(9));
    EXPECT_NEAR(length(j8, 4) / length(j0, 4), 1.05, 0.005);
    EXPECT_NEAR(length(j8, 1), length(j0, 1), 1e-4);
    EXPECT_NEAR(length(j9, 2) / length(j0, 2), 1.04, 0.004);
    EXPECT_NEAR(length(j9, 3), length(j0, 3), 1e-4);
  }
}

TEST(ProceduralHand, PoseCorrectivesAreLocalAndBulgeTheKnuckles) {
  const ManoModel& m = right_hand();
  const auto v = points(m.v_template);
  const auto j = regress(m, v);
  const auto P = m.posedirs.to_vector<double>();
  const auto& limits = hand_joint_limits();
  for (int a = 1; a < 16; ++a) {
    int touched = 0;
    for (size_t i = 0; i < v.size(); ++i) {
      double largest = 0;
      for (int c = 0; c < 3; ++c)
        for (int f = 0; f < 9; ++f) largest = std::max(largest, std::abs(P[(i * 3 + c) * 135 + 9 * (a - 1) + f]));
      if (largest == 0) continue;
      ++touched;
      EXPECT_LT((v[i] - j[a]).norm(), 0.03) << "joint " << a << " moves vertex " << i;
    }
    EXPECT_GE(touched, 8) << "joint " << a;
    // A 90° flexion pushes the back of the joint out by 0.5..3 mm.
    Eigen::Matrix3d R = Eigen::AngleAxisd(M_PI / 2, Vec3(limits.flexion_axis[a].data())).toRotationMatrix();
    const Eigen::Matrix3d feature = R - Eigen::Matrix3d::Identity();
    double push = 0;
    Vec3 direction = Vec3::Zero();
    for (size_t i = 0; i < v.size(); ++i) {
      Vec3 d = Vec3::Zero();
      for (int c = 0; c < 3; ++c)
        for (int f = 0; f < 9; ++f) d[c] += P[(i * 3 + c) * 135 + 9 * (a - 1) + f] * feature(f / 3, f % 3);
      if (d.norm() > push) push = d.norm(), direction = d.normalized();
    }
    EXPECT_GT(push, 0.0005) << "joint " << a;
    EXPECT_LT(push, 0.003) << "joint " << a;
    // toward the back of the digit, i.e. against the pad normal
    EXPECT_LT(direction.dot(Vec3(limits.abduction_axis[a].data())), -0.99) << "joint " << a;
  }
}

TEST(ProceduralHand, PosePcaIsOrthonormalOrderedAndCentredOnARelaxedHand) {
  const ManoModel& m = right_hand();
  const auto C = m.hands_components.to_vector<double>();
  for (int a = 0; a < 45; ++a)
    for (int b = 0; b < 45; ++b) {
      double dot = 0;
      for (int k = 0; k < 45; ++k) dot += C[a * 45 + k] * C[b * 45 + k];
      ASSERT_NEAR(dot, a == b ? 1.0 : 0.0, 1e-10) << a << ", " << b;
    }
  const PosePca& pca = procedural_pose_pca();
  EXPECT_TRUE(pca.components.to_vector<double>() == C);
  const auto var = pca.variances.to_vector<double>();
  for (int k = 1; k < 45; ++k) EXPECT_GE(var[k - 1], var[k]);
  EXPECT_GT(var[44], 0.0);
  // Fresh prior samples spread along the components as the eigenvalues say (top 10, ±15 %).
  Generator g(12345);
  const int n = 8192;
  const auto x = sample_hand_poses(g, n).to_vector<double>();
  const auto mean = m.hands_mean.to_vector<double>();
  for (int k = 0; k < 10; ++k) {
    double s2 = 0;
    for (int i = 0; i < n; ++i) {
      double proj = 0;
      for (int c = 0; c < 45; ++c) proj += (x[i * 45 + c] - mean[c]) * C[k * 45 + c];
      s2 += proj * proj / n;
    }
    EXPECT_NEAR(s2 / var[k], 1.0, 0.15) << "component " << k;
  }
  // The mean is a relaxed hand: within the limits, every finger joint slightly flexed.
  const auto angles = hand_pose_to_angles(m.hands_mean).to_vector<double>();
  const auto& lim = hand_joint_limits();
  for (int a = 1; a < 16; ++a) {
    const double* x3 = angles.data() + 3 * (a - 1);
    EXPECT_TRUE(lim.joint[a].flexion.contains(x3[0]) && lim.joint[a].abduction.contains(x3[1]) &&
                lim.joint[a].twist.contains(x3[2]))
        << "joint " << a;
    EXPECT_GT(x3[0], 0.1) << "joint " << a;
    EXPECT_LT(x3[0], 1.0) << "joint " << a;
  }
}

TEST(ProceduralHand, IsDeterministicInTheSeed) {
  const ManoModel a = make_procedural_hand({3, true}), b = make_procedural_hand({3, true});
  const ManoModel c = make_procedural_hand({4, true});
  for (auto key : {&ManoModel::v_template, &ManoModel::shapedirs, &ManoModel::posedirs, &ManoModel::J_regressor,
                   &ManoModel::weights, &ManoModel::hands_components, &ManoModel::hands_mean})
    EXPECT_TRUE((a.*key).to_vector<double>() == (b.*key).to_vector<double>());
  EXPECT_TRUE(a.faces.to_vector<int64_t>() == b.faces.to_vector<int64_t>());
  EXPECT_EQ(a.fingertips, b.fingertips);
  // Another seed: other proportions (by millimetres), the same topology.
  const auto va = points(a.v_template), vc = points(c.v_template);
  double largest = 0;
  for (size_t i = 0; i < va.size(); ++i) largest = std::max(largest, (va[i] - vc[i]).norm());
  EXPECT_GT(largest, 0.001);
  EXPECT_LT(largest, 0.03);
  EXPECT_TRUE(a.faces.to_vector<int64_t>() == c.faces.to_vector<int64_t>());
  EXPECT_EQ(a.fingertips, c.fingertips);
  EXPECT_NE(a.source, c.source);
}

TEST(ProceduralHand, ConstructionIsFast) {
  procedural_pose_pca();  // shared by every model, computed once per process
  const auto start = std::chrono::steady_clock::now();
  const ManoModel m = make_procedural_hand({11, true});
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(seconds, 1.0);
  EXPECT_EQ(m.num_vertices(), 778);
}

// The mirror x -> -x of [B, N, 3] points.
Tensor mirrored_points(const Tensor& t) {
  auto v = t.to_vector<double>();
  for (size_t i = 0; i < v.size(); i += 3) v[i] = -v[i];
  return from_vector(v, t.sizes(), DType::f64);
}

double max_abs_diff(const Tensor& a, const Tensor& b) {
  const auto x = a.to_vector<double>(), y = b.to_vector<double>();
  double d = 0;
  for (size_t i = 0; i < x.size(); ++i) d = std::max(d, std::abs(x[i] - y[i]));
  return d;
}

TEST(ProceduralHand, LeftIsTheMirrorImageOfRight) {
  const ManoModel &r = right_hand(), &l = left_hand();
  EXPECT_NO_THROW(validate(l, "procedural left"));
  EXPECT_EQ(max_abs_diff(l.v_template, mirrored_points(r.v_template)), 0.0);
  EXPECT_TRUE(l.J_regressor.to_vector<double>() == r.J_regressor.to_vector<double>());
  EXPECT_TRUE(l.weights.to_vector<double>() == r.weights.to_vector<double>());
  EXPECT_EQ(l.fingertips, r.fingertips);
  // Faces re-wound: the mirrored surface still has positive volume (faces outward).
  const auto vl = points(l.v_template);
  const Faces fl = faces_of(l), fr = faces_of(r);
  for (size_t i = 0; i < fl.size(); ++i) ASSERT_EQ(fl[i], (std::array<int64_t, 3>{fr[i][0], fr[i][2], fr[i][1]}));
  EXPECT_GT(signed_volume(vl, fl), 0.0);

  // The forward pass: left(mirrored parameters) = mirror(right(parameters)).
  Generator g(5);
  const int64_t B = 6;
  const Tensor pose = sample_hand_poses(g, B);
  const Tensor global = uniform({B, 3}, -1.0, 1.0, DType::f64, &g), betas = uniform({B, 10}, -1.5, 1.5, DType::f64, &g);
  const Tensor trans = uniform({B, 3}, -0.1, 0.1, DType::f64, &g);
  for (bool pca : {false, true}) {
    SCOPED_TRACE(pca ? "pca" : "axis-angle");
    const ManoOptions o = pca ? ManoOptions{true, 30, false} : ManoOptions{false, 45, true};
    const Tensor p = pca ? uniform({B, 30}, -1.5, 1.5, DType::f64, &g) : pose;
    const ManoOutput right = ManoLayer(r, o).forward({global, p, betas, trans});
    const ManoOutput left =
        ManoLayer(l, o).forward({mirror_hand_poses(global), pca ? p : mirror_hand_poses(p), betas, mirrored_points(trans)});
    EXPECT_LT(max_abs_diff(left.vertices, mirrored_points(right.vertices)), 1e-12);
    EXPECT_LT(max_abs_diff(left.joints, mirrored_points(right.joints)), 1e-12);
  }
}

TEST(ProceduralHand, RoundTripsThroughNpz) {
  for (bool right : {true, false}) {
    const ManoModel m = make_procedural_hand({7, right});
    const std::string path = ::testing::TempDir() + "/procedural_hand_" + std::to_string(::getpid()) +
                             (right ? "_right" : "_left") + ".npz";
    save_mano_npz(m, path);
    const ManoModel back = load_mano(path);
    std::remove(path.c_str());
    for (auto key : {&ManoModel::v_template, &ManoModel::shapedirs, &ManoModel::posedirs, &ManoModel::J_regressor,
                     &ManoModel::weights, &ManoModel::hands_components, &ManoModel::hands_mean}) {
      EXPECT_EQ((back.*key).sizes(), (m.*key).sizes());
      EXPECT_TRUE((back.*key).to_vector<double>() == (m.*key).to_vector<double>());
    }
    EXPECT_TRUE(back.faces.to_vector<int64_t>() == m.faces.to_vector<int64_t>());
    EXPECT_EQ(back.parents, m.parents);
    EXPECT_EQ(back.fingertips, m.fingertips);
    EXPECT_EQ(back.is_right, right);
  }
}

TEST(ProceduralHand, SampledPosesGiveSoundMeshes) {
  const ManoModel& m = right_hand();
  Generator g(21);
  const int64_t B = 64;
  const ManoOutput out = ManoLayer(m, ManoOptions{false, 45, true})
                             .forward({uniform({B, 3}, -3.0, 3.0, DType::f64, &g), sample_hand_poses(g, B),
                                       uniform({B, 10}, -2.0, 2.0, DType::f64, &g), Tensor()});
  const auto rest = points(m.v_template);
  const Faces faces = faces_of(m);
  const auto all = out.vertices.to_vector<double>();
  for (double x : all) ASSERT_TRUE(std::isfinite(x));
  double worst_ratio = 1, worst_area = 1, largest_extent = 0;
  for (int64_t b = 0; b < B; ++b) {
    std::vector<Vec3> p(rest.size());
    for (size_t i = 0; i < p.size(); ++i) p[i] = Vec3(&all[(b * p.size() + i) * 3]);
    for (const auto& f : faces) {
      worst_ratio = std::min(worst_ratio, area(p, f) / area(rest, f));
      worst_area = std::min(worst_area, area(p, f));
    }
    for (const Vec3& q : p) largest_extent = std::max(largest_extent, q.norm());
  }
  EXPECT_GT(worst_ratio, 0.01);  // no triangle collapses ...
  EXPECT_GT(worst_area, 0.2e-6);  // ... below 0.2 mm²
  EXPECT_LT(largest_extent, 0.25);  // and nothing flies off (metres from the wrist)
}

}  // namespace
}  // namespace hg::hand
