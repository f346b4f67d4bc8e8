// The bones of handgrad's procedural hand (hand/procedural_hand.h): the rest-pose joint frames,
// the proportions a model is built from (seeded, plus the 10 shape parameters) and the joint
// positions they give. Internal to the procedural model (procedural_*.cpp, pose_prior.cpp, tests).
//
// Model frame of the RIGHT hand (metres, wrist joint at the origin):
//   +y  along the hand: wrist -> middle fingertip (the rest fingers are straight, near the x-y plane)
//   +z  the palm normal, pointing out of the palm (the palmar side); the back of the hand faces -z
//   +x  = y × z, across the palm toward the thumb (radial side); the little finger is at -x
// The left hand is the mirror image x -> -x.
#pragma once
#include <Eigen/Core>
#include <Eigen/Geometry>
#include <array>
#include <cstdint>

namespace hg::hand::procedural {

using Vec3 = Eigen::Vector3d;

// Digits in the order of ManoModel::fingertips.
enum Digit : int { kThumb = 0, kIndex = 1, kMiddle = 2, kRing = 3, kLittle = 4 };
inline constexpr int kDigits = 5;
// MANO joint ids of each digit's three joints, proximal first (thumb: CMC, MCP, IP; fingers: MCP, PIP, DIP).
inline constexpr std::array<std::array<int, 3>, kDigits> kDigitJoints{
    {{13, 14, 15}, {1, 2, 3}, {4, 5, 6}, {10, 11, 12}, {7, 8, 9}}};

// A digit's rest frame (right hand, model frame, orthonormal and right-handed: flexion = along × palmar).
// The rest digits are straight, so the digit's three joints share it.
struct DigitFrame {
  Vec3 along;    // d: from the digit's first joint toward its tip; the twist axis
  Vec3 palmar;   // n: the pad side (for fingers the palm normal +z); the abduction axis
  Vec3 flexion;  // d × n: a positive rotation about it turns d toward n, i.e. curls the digit
};
// The same for every seed and every shape (shape changes move joints, never turn the digits).
const std::array<DigitFrame, kDigits>& digit_frames();

// Everything the geometry depends on. The geometry is built with scale = 1 and then multiplied by
// `scale` about the wrist, so it is linear in each field separately (the shape directions are
// exact central differences).
struct Proportions {
  double scale = 1.0;            // overall size
  double palm_length = 0.085;    // wrist joint -> middle-finger MCP along y
  double palm_width = 0.060;     // x distance between the index and little MCP joints
  double palm_thickness = 0.029; // back of the hand -> palm surface, mid palm
  // Bone lengths per digit: thumb metacarpal (CMC->MCP), proximal (MCP->IP), distal (IP->tip end);
  // fingers proximal (MCP->PIP), middle (PIP->DIP), distal (DIP->tip end).
  std::array<std::array<double, 3>, kDigits> bones{};
  std::array<double, kDigits> radius{};  // half-width of each digit's shaft near its base
};

// The canonical hand (an adult right hand, ~0.18 m long, ~0.085 m wide) perturbed by the seed:
// overall scale ±4 %, palm length/width ±4 %, thickness ±6 %, each bone ±4 %, each radius ±5 %.
Proportions seeded_proportions(uint64_t seed);

// The shape parameters β (ManoModel::shapedirs columns), as changes per unit β:
inline constexpr int kShapeParams = 10;
//   0 overall scale +3 % (of p)      1 palm length +3 mm          2 palm width +3 mm
//   3 palm thickness +2 mm           4 finger lengths +4 % (index..little, every bone)
//   5 digit thickness +0.6 mm radius 6 thumb length +5 %          7 index +3 % / ring -3 %
//   8 little finger length +5 %      9 middle finger length +4 %
Proportions with_shape(const Proportions& p, const std::array<double, kShapeParams>& betas);

// Joint centres (MANO order) and digit end points (tip ends, digit order) of a right hand.
struct Skeleton {
  std::array<Vec3, 16> joints;
  std::array<Vec3, kDigits> tip_ends;
};
// Unscaled (scale = 1) joints; multiply by p.scale for the final model.
Skeleton unscaled_skeleton(const Proportions& p);

}  // namespace hg::hand::procedural
