// A prior over plausible hand articulations for handgrad's procedural hand (hand/procedural_hand.h)
// and for MANO-style models in the same frame: per-joint limits and a correlated sampler.
//
// Joint angles. Each of MANO's 15 finger joints (1..15, MANO order) has a rest frame of three
// orthonormal axes in the model frame of the RIGHT hand (procedural_skeleton.h: +y along the hand,
// +z out of the palm, +x toward the thumb):
//   flexion axis  d × n — a positive angle curls the digit toward its pad side,
//   abduction axis n     (the pad normal; +z for the fingers) — for the fingers a positive angle turns
//                        the finger toward the little-finger side (-x),
//   twist axis    d      (along the rest bone, from the joint toward the tip).
// A joint's 3 angles (flexion, abduction, twist) are the components of its axis-angle rotation
// vector along these axes: ω = flexion·a_flex + abduction·a_abd + twist·a_twist. This map is linear
// and orthonormal, so a box of limits on the angles is a convex set of axis-angle vectors.
//
// Poses are 45-vectors (joints 1..15 × axis-angle, model frame, NOT mean-subtracted), to be applied
// with ManoOptions{use_pca = false, flat_hand_mean = true}. Left hands: mirror_hand_poses().
#pragma once
#include <array>
#include <cstdint>

#include "tensor/philox.h"
#include "tensor/tensor.h"

namespace hg::hand {

struct AngleRange {
  double min = 0, max = 0;  // radians
  bool contains(double a, double tolerance = 0) const { return a >= min - tolerance && a <= max + tolerance; }
};

struct JointLimit {
  AngleRange flexion, abduction, twist;
};

struct JointLimits {
  // Indexed by MANO joint id; entry 0 (the wrist, i.e. the global rotation) is unlimited and unused.
  // Fingers: MCP flexion -0.35..1.5, PIP -0.05..1.8, DIP -0.15..1.35; thumb CMC -0.45..0.85,
  // MCP -0.25..1.05, IP -0.35..1.35 (see pose_prior.cpp for every range).
  std::array<JointLimit, 16> joint{};
  // The rest frames (right hand, model frame), indexed by MANO joint id (entry 0 unused).
  std::array<std::array<double, 3>, 16> flexion_axis{}, abduction_axis{}, twist_axis{};
};
const JointLimits& hand_joint_limits();

// A relaxed hand at rest (fingers slightly curled, increasingly toward the little finger; DIP ≈
// 2/3 PIP), within ~0.2 rad of the prior's mean -> [45].
Tensor relaxed_hand_pose(DType dtype = DType::f64);

// n plausible poses [n, 45] of a right hand. Correlated: a shared grasp level curls the fingers
// together (each with its own deviation; MCP and PIP follow their finger's curl, DIP ≈ 2/3 PIP);
// fingers spread more when open; the thumb opposes more as the hand closes; every angle is clamped
// to hand_joint_limits(). Deterministic in the generator's state (and advances it).
Tensor sample_hand_poses(Generator& g, int64_t n, DType dtype = DType::f64);

// poses [..., 45] <-> angles [..., 15, 3] (flexion, abduction, twist per joint 1..15), f64 math,
// result in the input's dtype. Throws std::invalid_argument naming the shape.
Tensor hand_pose_to_angles(const Tensor& poses);
Tensor hand_angles_to_pose(const Tensor& angles);

// Right <-> left: the mirror x -> -x of every joint's rotation, (ωx, ωy, ωz) -> (ωx, -ωy, -ωz) for
// poses [..., 45] (or any [..., 3k]).
Tensor mirror_hand_poses(const Tensor& poses);

}  // namespace hg::hand
