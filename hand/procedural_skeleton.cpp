#include "hand/procedural_skeleton.h"

#include <Eigen/Geometry>
#include <cmath>

#include "tensor/philox.h"

namespace hg::hand::procedural {
namespace {

// A finger's direction in the palm plane, tilted by `radial` radians toward the thumb (+x).
DigitFrame finger_frame(double radial) {
  DigitFrame f;
  f.along = Vec3(std::sin(radial), std::cos(radial), 0.0);
  f.palmar = Vec3(0, 0, 1);
  f.flexion = f.along.cross(f.palmar);
  return f;
}

// The thumb leaves the palm toward the radial side, distally and a little palmar (~45° from the
// index finger); its pad faces the palm side and the fingers, so flexion curls it across the palm.
DigitFrame thumb_frame() {
  DigitFrame f;
  f.along = Vec3(0.62, 0.62, 0.48).normalized();
  const Vec3 toward_pad = Vec3(-0.5, 0.0, 1.0).normalized();
  f.palmar = (toward_pad - toward_pad.dot(f.along) * f.along).normalized();
  f.flexion = f.along.cross(f.palmar);
  return f;
}

// Canonical adult right hand (metres).
constexpr std::array<std::array<double, 3>, kDigits> kBones{{
    {0.040, 0.031, 0.027},  // thumb: metacarpal, proximal, distal
    {0.040, 0.024, 0.021},  // index: proximal, middle, distal
    {0.044, 0.028, 0.023},  // middle
    {0.041, 0.027, 0.022},  // ring
    {0.032, 0.019, 0.019},  // little
}};
constexpr std::array<double, kDigits> kRadius{0.0105, 0.0094, 0.0095, 0.0090, 0.0080};

// MCP joints: x as a fraction of the palm width, y as a fraction of the palm length (z = 0).
constexpr std::array<double, kDigits> kMcpX{0.0, 0.51667, 0.16667, -0.16667, -0.48333};
constexpr std::array<double, kDigits> kMcpY{0.0, 0.965, 1.0, 0.94, 0.85};
// The thumb CMC as fractions of (palm width, palm length, palm thickness).
constexpr double kCmcX = 0.36, kCmcY = 0.26, kCmcZ = 0.25;

}  // namespace

const std::array<DigitFrame, kDigits>& digit_frames() {
  static const std::array<DigitFrame, kDigits> frames{thumb_frame(), finger_frame(0.10), finger_frame(0.0),
                                                      finger_frame(-0.085), finger_frame(-0.19)};
  return frames;
}

Proportions seeded_proportions(uint64_t seed) {
  Generator g(seed, /*stream=*/0x68616e64ull);  // "hand"
  auto jitter = [&](double relative) { return 1.0 + g.uniform(-relative, relative); };
  Proportions p;
  p.scale = jitter(0.04);
  p.palm_length *= jitter(0.04);
  p.palm_width *= jitter(0.04);
  p.palm_thickness *= jitter(0.06);
  for (int d = 0; d < kDigits; ++d) {
    for (int k = 0; k < 3; ++k) p.bones[d][k] = kBones[d][k] * jitter(0.04);
    p.radius[d] = kRadius[d] * jitter(0.05);
  }
  return p;
}

Proportions with_shape(const Proportions& p, const std::array<double, kShapeParams>& b) {
  Proportions q = p;
  q.scale += 0.03 * b[0] * p.scale;
  q.palm_length += 0.003 * b[1];
  q.palm_width += 0.003 * b[2];
  q.palm_thickness += 0.002 * b[3];
  auto lengthen = [&](int digit, double relative) {
    for (int k = 0; k < 3; ++k) q.bones[digit][k] += relative * p.bones[digit][k];
  };
  for (int d = kIndex; d <= kLittle; ++d) lengthen(d, 0.04 * b[4]);
  for (int d = 0; d < kDigits; ++d) q.radius[d] += 0.0006 * b[5];
  lengthen(kThumb, 0.05 * b[6]);
  lengthen(kIndex, 0.03 * b[7]);
  lengthen(kRing, -0.03 * b[7]);
  lengthen(kLittle, 0.05 * b[8]);
  lengthen(kMiddle, 0.04 * b[9]);
  return q;
}

Skeleton unscaled_skeleton(const Proportions& p) {
  const auto& frames = digit_frames();
  Skeleton s;
  s.joints[0] = Vec3::Zero();
  for (int d = 0; d < kDigits; ++d) {
    const auto& j = kDigitJoints[d];
    s.joints[j[0]] = d == kThumb ? Vec3(kCmcX * p.palm_width, kCmcY * p.palm_length, kCmcZ * p.palm_thickness)
                                 : Vec3(kMcpX[d] * p.palm_width, kMcpY[d] * p.palm_length, 0.0);
    s.joints[j[1]] = s.joints[j[0]] + p.bones[d][0] * frames[d].along;
    s.joints[j[2]] = s.joints[j[1]] + p.bones[d][1] * frames[d].along;
    s.tip_ends[d] = s.joints[j[2]] + p.bones[d][2] * frames[d].along;
  }
  return s;
}

}  // namespace hg::hand::procedural
