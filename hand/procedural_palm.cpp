// The wrist, the palm and the knuckle ring of the procedural hand (see procedural_mesh.h).
#include <algorithm>
#include <cmath>
#include <numbers>

#include "hand/procedural_mesh.h"

namespace hg::hand::procedural {
namespace {

constexpr double kPi = std::numbers::pi;
constexpr double kDeg = kPi / 180.0;

// A rounded-rectangle section (superellipse |x/a|^2.6 + |z/b|^2.6 = 1) at angle theta,
// counter-clockwise about +y from +x (so 90° is the back of the hand, -z): returns (x, z).
Eigen::Vector2d palm_section(double theta, double half_width, double back, double front) {
  constexpr double kPower = 2.0 / 2.6;
  const double c = std::cos(theta), s = std::sin(theta);
  const double x = half_width * std::copysign(std::pow(std::abs(c), kPower), c);
  const double z = -(s >= 0 ? back : front) * std::copysign(std::pow(std::abs(s), kPower), s);
  return {x, z};
}

// The knuckle ring (the last palm ring): the four fingers' base rings, with the webs evened out,
// and the palm's sides beyond the little finger (columns 16, 17) and the index (34..36).
std::vector<Vec3> knuckle_ring(const Proportions& p, const Skeleton& sk) {
  const auto& frames = digit_frames();
  const double T = p.palm_thickness;
  std::vector<Vec3> knuckle(kPalmColumns);
  for (int f = kIndex; f <= kLittle; ++f)
    for (int k = 0; k < kDigitRingSize; ++k) knuckle[knuckle_column(f, k)] = finger_base_vertex(p, sk, f, k);
  // The webs: neighbouring base rings' facing sides are moved along their fingers to a common
  // height, so each web is a flat strip facing the fingertips instead of a twisted sliver.
  for (int f = kIndex; f < kLittle; ++f) {
    for (auto [kl, kr] : {std::pair{3, 0}, std::pair{4, 7}}) {
      Vec3& left = knuckle[knuckle_column(f, kl)];
      Vec3& right = knuckle[knuckle_column(f + 1, kr)];
      const double y = 0.5 * (left.y() + right.y());
      left += (y - left.y()) / frames[f].along.y() * frames[f].along;
      right += (y - right.y()) / frames[f + 1].along.y() * frames[f + 1].along;
    }
  }
  const Vec3& little = sk.joints[kDigitJoints[kLittle][0]];
  const auto& fl = frames[kLittle];
  const double rl = p.radius[kLittle];
  knuckle[16] = little - (rl + 0.0050) * fl.flexion - 0.006 * fl.along - 0.15 * T * fl.palmar;
  knuckle[17] = little - (rl + 0.0055) * fl.flexion - 0.008 * fl.along + 0.17 * T * fl.palmar;
  const Vec3& index = sk.joints[kDigitJoints[kIndex][0]];
  const auto& fi = frames[kIndex];
  const double ri = p.radius[kIndex];
  knuckle[34] = index + (ri + 0.0050) * fi.flexion - 0.008 * fi.along + 0.24 * T * fi.palmar;
  knuckle[35] = index + (ri + 0.0065) * fi.flexion - 0.009 * fi.along;
  knuckle[36] = index + (ri + 0.0050) * fi.flexion - 0.007 * fi.along - 0.20 * T * fi.palmar;
  return knuckle;
}

// The knuckle ring is wavy (metacarpal heads, webs); its smooth envelope moves each back and
// palm-side column along z onto a superellipse through the ring's extremes (the MCPs are at z = 0).
std::vector<Vec3> smooth_envelope(const std::vector<Vec3>& knuckle) {
  double x_lo = 1e9, x_hi = -1e9, z_lo = 1e9, z_hi = -1e9;
  for (const Vec3& v : knuckle) {
    x_lo = std::min(x_lo, v.x()), x_hi = std::max(x_hi, v.x());
    z_lo = std::min(z_lo, v.z()), z_hi = std::max(z_hi, v.z());
  }
  const double xc = 0.5 * (x_lo + x_hi), a = 0.5 * (x_hi - x_lo);
  std::vector<Vec3> envelope = knuckle;
  for (int c = 0; c < kPalmColumns; ++c) {
    const bool back = c < 16, front = c >= 18 && c < 34;
    if (!back && !front) continue;  // side columns stay where they are
    const double u = std::min(1.0, std::abs(knuckle[c].x() - xc) / a);
    const double height = std::pow(1.0 - std::pow(u, 2.6), 1.0 / 2.6);
    envelope[c].z() = back ? z_lo * height : z_hi * height;
  }
  return envelope;
}

}  // namespace

double palm_column_angle(int c) {
  // Back columns T0..T15, two ulnar-side columns, palm-side columns B15..B0, three radial-side
  // columns. The palm side leaves the radial-palmar quarter (280°..335°) free for the thumb hole.
  double deg;
  if (c < 16) deg = 15.0 + c * (158.0 - 15.0) / 15.0;
  else if (c < 18) deg = c == 16 ? 171.0 : 187.0;
  else if (c < 34) deg = 201.0 + (c - 18) * (280.0 - 201.0) / 15.0;
  else deg = std::array<double, 3>{335.0, 348.0, 1.0}[c - 34];
  return deg * kDeg;
}

void build_palm(HandMesh& m, const Proportions& p, const Skeleton& sk, int64_t& next) {
  const double W = p.palm_width, L = p.palm_length, T = p.palm_thickness;
  auto new_ring = [&](int n) {
    std::vector<int64_t> ids(n);
    for (auto& id : ids) id = next++;
    return ids;
  };
  // Wrist ring (the open boundary, 14 % of the palm length proximal of the wrist joint) and root
  // ring (through the wrist joint): superellipses about the wrist axis, starting at +x.
  m.wrist_ring = new_ring(kWristRing);
  m.root_ring = new_ring(kRootRing);
  for (int k = 0; k < kWristRing; ++k) {
    const auto xz = palm_section(2 * kPi * k / kWristRing, 0.47 * W, 0.54 * T, 0.58 * T);
    m.vertices[m.wrist_ring[k]] = Vec3(xz.x(), -0.14 * L, xz.y());
  }
  for (int k = 0; k < kRootRing; ++k) {
    const auto xz = palm_section(2 * kPi * k / kRootRing, 0.50 * W, 0.52 * T, 0.60 * T);
    m.vertices[m.root_ring[k]] = Vec3(xz.x(), 0.0, xz.y());
  }

  // Palm rings: each column runs from the proximal section toward the knuckle ring's smooth
  // envelope and takes on the knuckles' waves over the last rings.
  for (auto& ring : m.palm_rings) ring = new_ring(kPalmColumns);
  const std::vector<Vec3> knuckle = knuckle_ring(p, sk), envelope = smooth_envelope(knuckle);
  for (int c = 0; c < kPalmColumns; ++c) {
    const auto xz0 = palm_section(palm_column_angle(c), 0.52 * W, 0.46 * T, 0.58 * T);
    const Vec3 proximal(xz0.x(), 0.12 * L, xz0.y());
    const bool palm_side = c >= 17 && c <= 33;
    for (int i = 0; i < kPalmRings; ++i) {
      const double t = double(i) / (kPalmRings - 1);
      Vec3 v = proximal + t * (envelope[c] - proximal) + smoothstep((t - 0.55) / 0.45) * (knuckle[c] - envelope[c]);
      // hypothenar: the ulnar half of the palm side is fuller; the middle of the palm is hollow
      if (palm_side && c <= 24) v.z() += 0.0025 * std::sin(kPi * t) * smoothstep((25.0 - c) / 5.0);
      if (palm_side && c >= 24 && c <= 31) v.z() -= 0.0012 * std::sin(kPi * t);
      const int64_t id = m.palm_rings[i][c];
      m.vertices[id] = v;
      m.tags[id].ring = i;
      m.tags[id].column = c;
    }
  }

  // The thumb hole, listed as the boundary the thumb's first strip runs along (the direction the
  // omitted palm quads would have run), and the thenar eminence: the palm (and wrist) around it
  // swells along the hole's Newell normal.
  const int a = kThumbHoleColumn, r = kThumbHoleRing;
  const auto& P = m.palm_rings;
  auto& hole = m.digit_rings[kThumb][0];
  hole = {P[r][a], P[r][a + 1], P[r + 1][a + 1], P[r + 2][a + 1], P[r + 3][a + 1], P[r + 3][a], P[r + 2][a], P[r + 1][a]};
  Vec3 centre = Vec3::Zero(), normal = Vec3::Zero();
  for (int k = 0; k < kDigitRingSize; ++k) {
    m.tags[hole[k]].thumb_hole = true;
    centre += m.vertices[hole[k]] / kDigitRingSize;
    normal += m.vertices[hole[k]].cross(m.vertices[hole[(k + 1) % kDigitRingSize]]);
  }
  normal.normalize();
  const double radius = 0.23 * L;
  for (int64_t id = 0; id < next; ++id) {
    const double r2 = (m.vertices[id] - centre).squaredNorm() / (radius * radius);
    if (r2 < 5.0) m.vertices[id] += 0.06 * L * std::exp(-r2) * normal;
  }
}

}  // namespace hg::hand::procedural
