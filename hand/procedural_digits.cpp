// The five digits of the procedural hand (see procedural_mesh.h): 8-vertex cross-section rings
// along each straight rest digit, with knuckles, pads and an ellipsoidal tip; the thumb grows out
// of its hole in the thenar.
#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>

#include "hand/procedural_mesh.h"

namespace hg::hand::procedural {
namespace {

constexpr double kPi = std::numbers::pi;

double bump(double x, double centre, double width) { return std::exp(-std::pow((x - centre) / width, 2)); }

// Half-axes of an elliptic cross-section: lateral, toward the back, toward the pad/palm.
struct Section {
  double lateral, back, front;
  Section scaled(double f) const { return {lateral * f, back * f, front * f}; }
};

// A point of a digit's cross-section at angle phi, counter-clockwise about `along` from the
// flexion axis u toward the back w = -palmar:  c + lateral cos(phi) u + (back|front) sin(phi) w.
Vec3 section_point(const Vec3& centre, const DigitFrame& f, double phi, const Section& r) {
  const double c = std::cos(phi), s = std::sin(phi);
  return centre + r.lateral * c * f.flexion - (s >= 0 ? r.back : r.front) * s * f.palmar;
}

// Finger ring angles: 22.5° + 45° k, so vertices 0..3 are on the back and 4..7 on the pad side and
// each lateral side is a single edge (shared with a web or a side of the palm at the knuckles).
double ring_angle(int k) { return (22.5 + 45.0 * k) * kPi / 180.0; }

// The last 55 % of the distal bone is an ellipsoid cap: sections shrink as sqrt(1 - x²).
double tip_cap(double s, double cap_start, double end) {
  if (s <= cap_start) return 1.0;
  const double x = (s - cap_start) / (end - cap_start);
  return std::sqrt(std::max(0.0, 1.0 - x * x));
}

// Finger sections along s (distance from the MCP joint, unscaled metres).
Section finger_section(const Proportions& p, int d, double s) {
  const auto& b = p.bones[d];
  const double total = b[0] + b[1] + b[2], pip = b[0], dip = b[0] + b[1];
  static constexpr double kKnuckleScale[kDigits] = {1.0, 1.0, 1.0, 0.97, 0.9};
  // At the knuckle (s = 0) the finger is as thick as the palm there; it narrows to the shaft,
  // which tapers by 22 % to the tip.
  const Section base{p.radius[d], 0.45 * p.palm_thickness * kKnuckleScale[d], 0.55 * p.palm_thickness * kKnuckleScale[d]};
  const double lateral = p.radius[d] * (1.0 - 0.22 * s / total);
  const Section shaft{lateral, 0.85 * lateral, 0.95 * lateral};
  const double a = smoothstep(s / (0.5 * b[0]));
  Section r{lerp(base.lateral, shaft.lateral, a), lerp(base.back, shaft.back, a), lerp(base.front, shaft.front, a)};
  for (double joint : {pip, dip}) {  // joints are a little wider, with a knuckle on the back
    const double k = bump(s, joint, 0.005);
    r.lateral *= 1.0 + 0.06 * k;
    r.back += 0.0010 * k;
  }
  r.front += 0.0008 * bump(s, dip + 0.5 * b[2], 0.006);  // finger pad
  return r.scaled(tip_cap(s, dip + 0.45 * b[2], total));
}

// Thumb sections along s (distance from the CMC joint) for rings 3.. (rings 1, 2 are swept).
Section thumb_section(const Proportions& p, double s) {
  const auto& b = p.bones[kThumb];
  const double total = b[0] + b[1] + b[2], mcp = b[0], ip = b[0] + b[1];
  const double lateral = p.radius[kThumb] * (1.0 - 0.15 * s / total);
  Section r{lateral, 0.82 * lateral, 0.95 * lateral};
  for (double joint : {mcp, ip}) {
    const double k = bump(s, joint, 0.006);
    r.lateral *= 1.0 + 0.05 * k;
    r.back += 0.0010 * k;
  }
  r.front += 0.0010 * bump(s, ip + 0.5 * b[2], 0.007);  // thumb pad
  return r.scaled(tip_cap(s, ip + 0.45 * b[2], total));
}

// Where rings 1..10 sit along a digit (rings 3 and 6 pass through the middle and distal joints).
std::array<double, kDigitRings> ring_positions(const std::array<double, 3>& b) {
  const double j1 = b[0], j2 = b[0] + b[1];
  return {0.35 * b[0],       0.72 * b[0],       j1,                j1 + 0.33 * b[1],  j1 + 0.70 * b[1],
          j2,                j2 + 0.30 * b[2],  j2 + 0.55 * b[2],  j2 + 0.78 * b[2],  j2 + 0.93 * b[2]};
}

// Angles of the thumb hole's vertices about the thumb axis (increasing: the hole must run
// counter-clockwise about the thumb) and the evenly spaced angles closest to them.
struct HoleAngles {
  std::array<double, kDigitRingSize> hole, even;
};
HoleAngles thumb_hole_angles(const HandMesh& m, const Vec3& cmc, const DigitFrame& f) {
  HoleAngles a;
  const auto& hole = m.digit_rings[kThumb][0];
  for (int k = 0; k < kDigitRingSize; ++k) {
    const Vec3 r = m.vertices[hole[k]] - cmc;
    const Vec3 across = r - r.dot(f.along) * f.along;
    a.hole[k] = std::atan2(-across.dot(f.palmar), across.dot(f.flexion));
    if (k == 0) continue;
    while (a.hole[k] <= a.hole[k - 1]) a.hole[k] += 2 * kPi;
    if (a.hole[k] - a.hole[k - 1] > kPi) throw std::logic_error("procedural hand: the thumb hole runs clockwise");
  }
  if (a.hole[kDigitRingSize - 1] - a.hole[0] >= 2 * kPi)
    throw std::logic_error("procedural hand: the thumb hole winds more than once");
  double offset = 0;
  for (int k = 0; k < kDigitRingSize; ++k) offset += (a.hole[k] - 2 * kPi * k / kDigitRingSize) / kDigitRingSize;
  for (int k = 0; k < kDigitRingSize; ++k) a.even[k] = offset + 2 * kPi * k / kDigitRingSize;
  return a;
}

}  // namespace

Vec3 finger_base_vertex(const Proportions& p, const Skeleton& sk, int finger, int k) {
  return section_point(sk.joints[kDigitJoints[finger][0]], digit_frames()[finger], ring_angle(k),
                       finger_section(p, finger, 0.0));
}

void grow_digit(HandMesh& m, const Proportions& p, const Skeleton& sk, int d, int64_t& next) {
  const DigitFrame& f = digit_frames()[d];
  const Vec3& first = sk.joints[kDigitJoints[d][0]];
  auto& rings = m.digit_rings[d];
  if (d != kThumb) {  // the base ring is the finger's share of the knuckle ring
    rings[0].resize(kDigitRingSize);
    for (int k = 0; k < kDigitRingSize; ++k) rings[0][k] = m.palm_rings[kPalmRings - 1][knuckle_column(d, k)];
  }
  for (int r = 1; r <= kDigitRings; ++r) {
    rings[r].resize(kDigitRingSize);
    for (auto& id : rings[r]) id = next++;
  }
  std::array<double, kDigitRings> ring_s = ring_positions(p.bones[d]);
  std::array<double, kDigitRingSize> angle{};
  for (int k = 0; k < kDigitRingSize; ++k) angle[k] = ring_angle(k);
  if (d == kThumb) angle = thumb_hole_angles(m, first, f).even;

  // Round rings about the straight rest digit (the thumb's from its MCP ring on).
  const int first_round = d == kThumb ? 3 : 1;
  for (int r = first_round; r <= kDigitRings; ++r) {
    const double s = ring_s[r - 1];
    const Section section = d == kThumb ? thumb_section(p, s) : finger_section(p, d, s);
    for (int k = 0; k < kDigitRingSize; ++k) {
      const int64_t id = rings[r][k];
      m.vertices[id] = section_point(first + s * f.along, f, angle[k], section);
      m.tags[id] = VertexTag{d, r, -1, s, std::sin(angle[k]), false};
    }
  }
  if (d == kThumb) {
    // The thenar: each vertex follows a cubic Hermite curve from its hole vertex (leaving between
    // the hole's outward normal and its target) to its MCP-ring vertex (arriving along the thumb):
    // h(t) = (2t³ - 3t² + 1) a + (t³ - 2t² + t) a' + (3t² - 2t³) b + (t³ - t²) b', t = 1/3, 2/3.
    const auto& hole = rings[0];
    Vec3 normal = Vec3::Zero();  // Newell's normal of the hole polygon
    for (int k = 0; k < kDigitRingSize; ++k) normal += m.vertices[hole[k]].cross(m.vertices[hole[(k + 1) % kDigitRingSize]]);
    normal.normalize();
    for (int k = 0; k < kDigitRingSize; ++k) {
      const Vec3& a = m.vertices[hole[k]];
      const Vec3& b = m.vertices[rings[3][k]];
      const double span = (b - a).norm();
      const Vec3 ta = span * (0.4 * normal + 0.9 * (b - a) / span), tb = span * f.along;
      for (int r = 1; r <= 2; ++r) {
        const double t = r / 3.0, t2 = t * t, t3 = t2 * t;
        const Vec3 v = (2 * t3 - 3 * t2 + 1) * a + (t3 - 2 * t2 + t) * ta + (3 * t2 - 2 * t3) * b + (t3 - t2) * tb;
        m.vertices[rings[r][k]] = v;
        m.tags[rings[r][k]] = VertexTag{d, r, -1, (v - first).dot(f.along), std::sin(angle[k]), false};
      }
    }
  }
  const int64_t tip = next++;
  m.vertices[tip] = sk.tip_ends[d];
  m.tags[tip] = VertexTag{d, kDigitRings + 1, -1, p.bones[d][0] + p.bones[d][1] + p.bones[d][2], 0.0, false};
  m.tip_vertex[d] = tip;
}

}  // namespace hg::hand::procedural
