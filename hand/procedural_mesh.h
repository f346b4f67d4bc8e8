// The surface of the procedural hand: a sweep of cross-section rings (internal to the procedural
// model; see hand/procedural_hand.h for the public entry point and procedural_skeleton.h for the axes).
//
// Construction (all counts fixed, so every hand has the same topology, V = 778, F = 1538):
//   wrist ring (16 vertices, the one open boundary, just proximal of the wrist joint)
//   root ring (24, through the wrist joint)
//   9 palm rings of 37 columns from the carpus to the knuckles. Columns: 16 back-of-hand columns
//     T0..T15 (radial -> ulnar), 2 ulnar-side columns, 16 palm-side columns B15..B0, 3 radial-side
//     columns. The last palm ring is the knuckle ring: T4f..T4f+3 and B4f..B4f+3 are the 8-vertex base
//     ring of finger f (index, middle, ring, little), which sits in the plane through its MCP joint.
//   knuckle junction: one web quad between neighbouring fingers, a fan closing each side of the palm.
//   thumb: the palm grid between columns B0 and R0 is left open over 3 ring intervals; that 8-vertex
//     hole (the thenar) is the thumb's base ring.
//   5 digits: 10 rings of 8 vertices each along the digit, then the tip vertex (the digit's end).
// Rings run counter-clockwise about the direction they are swept in, so every strip triangle
// (a_k, a_k+1, b_k+1), (a_k, b_k+1, b_k) faces outward.
// Files: procedural_mesh.cpp (layout, faces), procedural_palm.cpp, procedural_digits.cpp.
#pragma once
#include <array>
#include <cstdint>
#include <vector>

#include "hand/procedural_skeleton.h"

namespace hg::hand::procedural {

inline constexpr int kWristRing = 16, kRootRing = 24, kPalmColumns = 37, kPalmRings = 9;
inline constexpr int kDigitRingSize = 8, kDigitRings = 10;
inline constexpr int64_t kNumVertices =
    kWristRing + kRootRing + kPalmColumns * kPalmRings + kDigits * (kDigitRings * kDigitRingSize + 1);
static_assert(kNumVertices == 778, "the procedural hand must have MANO's 778 vertices");
inline constexpr int64_t kNumFaces = 2 * kNumVertices - 2 - kWristRing;  // Euler, one boundary loop
static_assert(kNumFaces == 1538, "the procedural hand must have MANO's 1538 faces");

// Where a vertex sits in the construction (used to rig it).
struct VertexTag {
  int digit = -1;      // digit whose tube (rings 1.., tip) holds it; -1 for the wrist and palm
  int ring = -1;       // digit ring 1..kDigitRings (kDigitRings + 1 for the tip); palm ring 0..8; -1 wrist/root
  int column = -1;     // palm column 0..36, -1 elsewhere
  double s = 0;        // digit vertices: distance along the digit from its first joint (unscaled metres)
  double dorsal = 0;   // digit vertices: sine of the section angle, +1 back of the digit .. -1 pad side
  bool thumb_hole = false;
};

struct HandMesh {
  std::vector<Vec3> vertices;                  // [V], metres (scaled by Proportions::scale)
  std::vector<std::array<int64_t, 3>> faces;   // [F], counter-clockwise from outside
  std::vector<VertexTag> tags;                 // [V]
  Skeleton skeleton;                           // scaled joints and tip ends
  std::array<int64_t, kDigits> tip_vertex{};   // digit order (thumb, index, middle, ring, little)
  std::vector<int64_t> wrist_ring, root_ring;  // vertex ids in ring order
  std::array<std::vector<int64_t>, kPalmRings> palm_rings;           // [ring][column]
  std::array<std::array<std::vector<int64_t>, kDigitRings + 1>, kDigits> digit_rings;  // [digit][0..10]; 0 = base
};

// Builds the surface; throws std::logic_error if the construction breaks (e.g. a ring folds).
HandMesh build_hand_mesh(const Proportions& p);

// Palm column of finger f's (1..4) base-ring vertex k (0..7, counter-clockwise from the radial-back one).
int knuckle_column(int finger, int k);

// --- construction steps, in the order build_hand_mesh (procedural_mesh.cpp) runs them; positions
// are unscaled until the end. `next` is the next free vertex id. ---

// The thumb hole: columns B0 (33) and R0 (34) of palm rings 1..4.
inline constexpr int kThumbHoleColumn = 33, kThumbHoleRing = 1;
// Angle of palm column c on the proximal palm section, radians counter-clockwise about +y from +x
// (procedural_palm.cpp).
double palm_column_angle(int c);
// Wrist ring, root ring and palm rings, with the thenar swelling around the thumb hole; sets
// m.digit_rings[kThumb][0] to the hole (procedural_palm.cpp).
void build_palm(HandMesh& m, const Proportions& p, const Skeleton& sk, int64_t& next);
// Finger f's (1..4) base-ring vertex k: the knuckle-ring point before the webs are evened out
// (procedural_digits.cpp).
Vec3 finger_base_vertex(const Proportions& p, const Skeleton& sk, int finger, int k);
// Digit d's rings 1..10 and tip vertex, from its base ring m.digit_rings[d][0] (procedural_digits.cpp).
void grow_digit(HandMesh& m, const Proportions& p, const Skeleton& sk, int d, int64_t& next);

inline double smoothstep(double x) {
  x = x < 0 ? 0 : x > 1 ? 1 : x;
  return x * x * (3.0 - 2.0 * x);
}
inline double lerp(double a, double b, double t) { return a + (b - a) * t; }

}  // namespace hg::hand::procedural
