// The procedural hand's surface: vertices from the palm and digit steps, then the faces.
#include "hand/procedural_mesh.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>

namespace hg::hand::procedural {
namespace {

using Faces = std::vector<std::array<int64_t, 3>>;

// Joins two closed rings (proximal a, distal b, both counter-clockwise about the sweep direction)
// with a triangle strip, advancing along whichever ring's next vertex comes first in angle
// (`ta`, `tb`: angles in turns, increasing from the ring's first vertex, both starting near 0).
// Each triangle keeps the orientation of the quad (a_k, a_k+1, b_k+1, b_k), i.e. faces outward.
void stitch(const std::vector<int64_t>& a, const std::vector<double>& ta, const std::vector<int64_t>& b,
            const std::vector<double>& tb, Faces& faces) {
  const size_t m = a.size(), n = b.size();
  size_t i = 0, j = 0;
  while (i < m || j < n) {
    const double next_a = i + 1 < m ? ta[i + 1] : 1.0 + ta[0];
    const double next_b = j + 1 < n ? tb[j + 1] : 1.0 + tb[0];
    if (j == n || (i < m && next_a <= next_b)) {
      faces.push_back({a[i], a[(i + 1) % m], b[j % n]});
      ++i;
    } else {
      faces.push_back({a[i % m], b[(j + 1) % n], b[j]});
      ++j;
    }
  }
}

// The angles (turns) of an evenly spaced ring starting at angle 0.
std::vector<double> even_turns(size_t n) {
  std::vector<double> t(n);
  for (size_t k = 0; k < n; ++k) t[k] = double(k) / double(n);
  return t;
}

// Quad strip between two rings of equal size (same orientation as stitch()).
void quad_strip(const std::vector<int64_t>& a, const std::vector<int64_t>& b, Faces& faces) {
  const size_t n = a.size();
  for (size_t k = 0; k < n; ++k) {
    const size_t k1 = (k + 1) % n;
    faces.push_back({a[k], a[k1], b[k1]});
    faces.push_back({a[k], b[k1], b[k]});
  }
}

Faces make_faces(const HandMesh& m) {
  Faces F;
  F.reserve(kNumFaces);
  // Wrist -> root -> first palm ring, zipped by angle. The palm ring starts at its smallest angle
  // (column 36, just past +x) and must then run counter-clockwise.
  std::vector<int64_t> palm0 = m.palm_rings[0];
  std::vector<double> palm0_turns(kPalmColumns);
  for (int c = 0; c < kPalmColumns; ++c) {
    const double t = palm_column_angle(c) / (2 * std::numbers::pi);
    palm0_turns[c] = t - std::floor(t);
  }
  const auto first = std::min_element(palm0_turns.begin(), palm0_turns.end()) - palm0_turns.begin();
  std::rotate(palm0.begin(), palm0.begin() + first, palm0.end());
  std::rotate(palm0_turns.begin(), palm0_turns.begin() + first, palm0_turns.end());
  for (size_t k = 1; k < palm0_turns.size(); ++k)
    if (!(palm0_turns[k] > palm0_turns[k - 1])) throw std::logic_error("procedural hand: palm ring 0 folds");
  stitch(m.wrist_ring, even_turns(kWristRing), m.root_ring, even_turns(kRootRing), F);
  stitch(m.root_ring, even_turns(kRootRing), palm0, palm0_turns, F);
  // The palm grid, except the three quads that are the thumb hole.
  for (int i = 0; i + 1 < kPalmRings; ++i) {
    const auto &a = m.palm_rings[i], &b = m.palm_rings[i + 1];
    for (int c = 0; c < kPalmColumns; ++c) {
      if (c == kThumbHoleColumn && i >= kThumbHoleRing && i < kThumbHoleRing + 3) continue;
      const int c1 = (c + 1) % kPalmColumns;
      F.push_back({a[c], a[c1], b[c1]});
      F.push_back({a[c], b[c1], b[c]});
    }
  }
  // The knuckle junction: a web quad between neighbouring fingers' facing sides, and a fan
  // closing each side of the palm: T15, U0, U1, B15 (ulnar) and B0, R0, R1, R2, T0 (radial).
  const auto& k8 = m.palm_rings[kPalmRings - 1];
  for (int f = kIndex; f < kLittle; ++f) {
    const int64_t back_l = k8[knuckle_column(f, 3)], back_r = k8[knuckle_column(f + 1, 0)];
    const int64_t front_l = k8[knuckle_column(f, 4)], front_r = k8[knuckle_column(f + 1, 7)];
    F.push_back({back_l, back_r, front_r});
    F.push_back({back_l, front_r, front_l});
  }
  F.push_back({k8[15], k8[16], k8[17]});
  F.push_back({k8[15], k8[17], k8[18]});
  F.push_back({k8[33], k8[34], k8[35]});
  F.push_back({k8[33], k8[35], k8[36]});
  F.push_back({k8[33], k8[36], k8[0]});
  // Each digit: quad strips from its base ring to its last ring, then a fan to the tip.
  for (int d = 0; d < kDigits; ++d) {
    const auto& rings = m.digit_rings[d];
    for (int r = 0; r < kDigitRings; ++r) quad_strip(rings[r], rings[r + 1], F);
    const auto& last = rings[kDigitRings];
    for (int k = 0; k < kDigitRingSize; ++k) F.push_back({last[k], last[(k + 1) % kDigitRingSize], m.tip_vertex[d]});
  }
  return F;
}

}  // namespace

int knuckle_column(int finger, int k) {
  const int first = 4 * (finger - 1);
  return k < 4 ? first + k : 33 - (first + 7 - k);
}

HandMesh build_hand_mesh(const Proportions& p) {
  const Skeleton sk = unscaled_skeleton(p);
  HandMesh m;
  m.vertices.assign(kNumVertices, Vec3::Zero());
  m.tags.assign(kNumVertices, VertexTag{});
  int64_t next = 0;
  build_palm(m, p, sk, next);
  for (int d = 0; d < kDigits; ++d) grow_digit(m, p, sk, d, next);
  if (next != kNumVertices) throw std::logic_error("procedural hand: vertex count mismatch");
  m.faces = make_faces(m);
  if (static_cast<int64_t>(m.faces.size()) != kNumFaces) throw std::logic_error("procedural hand: face count mismatch");
  // Overall scale about the wrist joint (the origin).
  for (auto& v : m.vertices) v *= p.scale;
  m.skeleton = sk;
  for (auto& j : m.skeleton.joints) j *= p.scale;
  for (auto& t : m.skeleton.tip_ends) t *= p.scale;
  return m;
}

}  // namespace hg::hand::procedural
