#include "hand/pose_prior.h"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "hand/procedural_skeleton.h"
#include "tensor/factory.h"

namespace hg::hand {
namespace {

using procedural::kDigitJoints;
using procedural::kDigits;
using procedural::kIndex;
using procedural::kLittle;
using procedural::kThumb;

constexpr int kJoints = 15;  // MANO joints 1..15

double lerp(double a, double b, double t) { return a + (b - a) * t; }
double clamp01(double x) { return std::clamp(x, 0.0, 1.0); }

// Ranges (radians) per digit and joint level (proximal, middle, distal).
struct DigitLimits {
  std::array<JointLimit, 3> level;
};
// Fingers differ only in how far the MCP abducts: the index spreads toward the thumb (negative),
// the little finger away from it (positive).
DigitLimits finger_limits(double abd_min, double abd_max) {
  return {{{
      {{-0.35, 1.50}, {abd_min, abd_max}, {-0.15, 0.15}},  // MCP
      {{-0.05, 1.80}, {-0.06, 0.06}, {-0.10, 0.10}},       // PIP
      {{-0.15, 1.35}, {-0.05, 0.05}, {-0.08, 0.08}},       // DIP
  }}};
}
const std::array<DigitLimits, kDigits> kLimits{{
    {{{
        {{-0.45, 0.85}, {-0.55, 0.55}, {-0.35, 0.35}},  // thumb CMC
        {{-0.25, 1.05}, {-0.15, 0.15}, {-0.20, 0.20}},  // thumb MCP
        {{-0.35, 1.35}, {-0.06, 0.06}, {-0.08, 0.08}},  // thumb IP
    }}},
    finger_limits(-0.40, 0.20),  // index
    finger_limits(-0.25, 0.25),  // middle
    finger_limits(-0.20, 0.35),  // ring
    finger_limits(-0.20, 0.50),  // little
}};

// Relaxed flexion per digit and level (a hand hanging at rest); the cascade curls the ulnar
// fingers a little more.
constexpr std::array<std::array<double, 3>, kDigits> kRelaxedFlexion{{
    {0.20, 0.30, 0.30},  // thumb
    {0.35, 0.55, 0.37},  // index
    {0.42, 0.62, 0.41},  // middle
    {0.47, 0.66, 0.44},  // ring
    {0.52, 0.68, 0.45},  // little
}};
// How each finger's MCP abducts as the hand spreads (index toward the thumb).
constexpr std::array<double, kDigits> kSpread{0.0, -0.28, -0.05, 0.13, 0.32};

// The 3 angles of MANO joint j (1..15) -> its axis-angle vector, written to pose[3(j-1)..].
void put_joint(const JointLimits& lim, int j, double flexion, double abduction, double twist, double* pose) {
  for (int c = 0; c < 3; ++c)
    pose[3 * (j - 1) + c] =
        flexion * lim.flexion_axis[j][c] + abduction * lim.abduction_axis[j][c] + twist * lim.twist_axis[j][c];
}

void check_last_dim(const Tensor& t, int64_t size, const char* what, const char* expected) {
  if (!t.defined() || t.dim() < 1 || t.size(-1) != size)
    throw std::invalid_argument(std::string(what) + ": expected " + expected + ", got " +
                                (t.defined() ? t.shape_string() : std::string("undefined")));
}

}  // namespace

const JointLimits& hand_joint_limits() {
  static const JointLimits limits = [] {
    JointLimits l;
    const auto& frames = procedural::digit_frames();
    for (int d = 0; d < kDigits; ++d) {
      for (int level = 0; level < 3; ++level) {
        const int j = kDigitJoints[d][level];
        l.joint[j] = kLimits[d].level[level];
        for (int c = 0; c < 3; ++c) {
          l.flexion_axis[j][c] = frames[d].flexion[c];
          l.abduction_axis[j][c] = frames[d].palmar[c];
          l.twist_axis[j][c] = frames[d].along[c];
        }
      }
    }
    const double inf = 1e300;
    l.joint[0] = {{-inf, inf}, {-inf, inf}, {-inf, inf}};
    return l;
  }();
  return limits;
}

Tensor relaxed_hand_pose(DType dtype) {
  const auto& lim = hand_joint_limits();
  std::vector<double> pose(3 * kJoints, 0.0);
  for (int d = 0; d < kDigits; ++d)
    for (int level = 0; level < 3; ++level)
      put_joint(lim, kDigitJoints[d][level], kRelaxedFlexion[d][level], d == kThumb ? 0.1 * (level == 0) : 0.0, 0.0,
                pose.data());
  return from_vector(pose, {3 * kJoints}, dtype);
}

Tensor sample_hand_poses(Generator& g, int64_t n, DType dtype) {
  if (n < 0) throw std::invalid_argument("sample_hand_poses: n must be >= 0, got " + std::to_string(n));
  if (dtype != DType::f32 && dtype != DType::f64)
    throw std::invalid_argument(std::string("sample_hand_poses: dtype must be f32 or f64, got ") + dtype_name(dtype));
  const auto& lim = hand_joint_limits();
  std::vector<double> poses(static_cast<size_t>(n) * 3 * kJoints);
  for (int64_t i = 0; i < n; ++i) {
    double* pose = poses.data() + i * 3 * kJoints;
    // Grasp level shared by the fingers: open (25 %), half-closed (45 %), closing (30 %).
    const double mode = g.uniform();
    const double grasp = mode < 0.25 ? g.uniform(-0.15, 0.30) : mode < 0.70 ? g.uniform(0.10, 0.70) : g.uniform(0.50, 1.0);
    const double shared = g.normal(0.0, 0.08);              // all fingers off the grasp together
    const double spread = g.uniform(-0.2, 1.0) * (1.0 - 0.8 * clamp01(grasp));
    const int pointing = g.uniform() < 0.12 ? static_cast<int>(g.randint(kIndex, kDigits)) : -1;  // one finger out
    auto angle = [&](int j, double flexion, double abduction, double twist) {
      const JointLimit& r = lim.joint[j];
      put_joint(lim, j, std::clamp(flexion, r.flexion.min, r.flexion.max),
                std::clamp(abduction, r.abduction.min, r.abduction.max), std::clamp(twist, r.twist.min, r.twist.max),
                pose);
    };
    for (int d = kIndex; d <= kLittle; ++d) {
      double curl = grasp + shared + g.normal(0.0, 0.12) + 0.04 * (d - kIndex) * clamp01(grasp);
      if (d == pointing) curl = g.uniform(-0.15, 0.2);
      const auto& j = kDigitJoints[d];
      const double mcp = lerp(-0.15, 1.35, std::clamp(curl + g.normal(0.0, 0.12), -0.1, 1.05));
      const double pip = lerp(0.0, 1.70, clamp01(curl + g.normal(0.0, 0.10)));
      const double dip = 2.0 / 3.0 * pip + g.normal(0.0, 0.08);
      angle(j[0], mcp, spread * kSpread[d] + g.normal(0.0, 0.05), g.normal(0.0, 0.06));
      angle(j[1], pip, g.normal(0.0, 0.02), g.normal(0.0, 0.04));
      angle(j[2], dip, g.normal(0.0, 0.02), g.normal(0.0, 0.04));
    }
    // Thumb: opposes more as the hand closes; its MCP and IP follow the grasp.
    const double oppose = clamp01(0.6 * grasp + 0.4 * g.uniform() + g.normal(0.0, 0.1));
    const auto& t = kDigitJoints[kThumb];
    angle(t[0], lerp(-0.30, 0.75, oppose) + g.normal(0.0, 0.10), lerp(-0.30, 0.45, g.uniform()),
          0.3 * (oppose - 0.5) + g.normal(0.0, 0.08));
    angle(t[1], lerp(-0.10, 0.90, clamp01(grasp + g.normal(0.0, 0.2))), g.normal(0.0, 0.05), g.normal(0.0, 0.06));
    angle(t[2], lerp(-0.20, 1.10, clamp01(grasp + g.normal(0.0, 0.25))), g.normal(0.0, 0.02), g.normal(0.0, 0.03));
  }
  return from_vector(poses, {n, 3 * kJoints}, dtype);
}

Tensor hand_pose_to_angles(const Tensor& poses) {
  check_last_dim(poses, 3 * kJoints, "hand_pose_to_angles", "poses [..., 45]");
  const auto& lim = hand_joint_limits();
  std::vector<double> p = poses.to_vector<double>(), a(p.size());
  for (size_t base = 0; base < p.size(); base += 3 * kJoints)
    for (int j = 1; j <= kJoints; ++j) {
      const double* w = p.data() + base + 3 * (j - 1);
      double* out = a.data() + base + 3 * (j - 1);
      for (int c = 0; c < 3; ++c) {
        out[0] += w[c] * lim.flexion_axis[j][c];
        out[1] += w[c] * lim.abduction_axis[j][c];
        out[2] += w[c] * lim.twist_axis[j][c];
      }
    }
  Shape sizes = poses.sizes();
  sizes.back() = kJoints;
  sizes.push_back(3);
  return from_vector(a, sizes, poses.dtype());
}

Tensor hand_angles_to_pose(const Tensor& angles) {
  if (!angles.defined() || angles.dim() < 2 || angles.size(-1) != 3 || angles.size(-2) != kJoints)
    throw std::invalid_argument("hand_angles_to_pose: expected angles [..., 15, 3], got " +
                                (angles.defined() ? angles.shape_string() : std::string("undefined")));
  const auto& lim = hand_joint_limits();
  std::vector<double> a = angles.to_vector<double>(), p(a.size());
  for (size_t base = 0; base < a.size(); base += 3 * kJoints)
    for (int j = 1; j <= kJoints; ++j) {
      const double* x = a.data() + base + 3 * (j - 1);
      put_joint(lim, j, x[0], x[1], x[2], p.data() + base);
    }
  Shape sizes = angles.sizes();
  sizes.pop_back();
  sizes.back() = 3 * kJoints;
  return from_vector(p, sizes, angles.dtype());
}

Tensor mirror_hand_poses(const Tensor& poses) {
  if (!poses.defined() || poses.dim() < 1 || poses.size(-1) % 3 != 0)
    throw std::invalid_argument("mirror_hand_poses: expected poses [..., 3k], got " +
                                (poses.defined() ? poses.shape_string() : std::string("undefined")));
  std::vector<double> p = poses.to_vector<double>();
  for (size_t i = 0; i < p.size(); ++i)
    if (i % 3 != 0) p[i] = -p[i];
  return from_vector(p, poses.sizes(), poses.dtype());
}

}  // namespace hg::hand
