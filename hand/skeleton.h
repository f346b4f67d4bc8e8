// The 21-keypoint hand skeleton (FreiHAND/OpenPose order), MANO's 16-joint order and the map
// between them (REFERENCE.md §4, DESIGN.md "Conventions (hand/)").
//
// FreiHAND order: 0 wrist; then per finger (thumb, index, middle, ring, little) four keypoints
// MCP, PIP, DIP, tip, i.e. finger f in 0..4 owns keypoints 4f+1 .. 4f+4.
// MANO order: 0 wrist, 1-3 index, 4-6 middle, 7-9 little, 10-12 ring, 13-15 thumb; the five
// fingertip vertices (thumb, index, middle, ring, little) are appended as 16..20.
#pragma once
#include <array>
#include <cstdint>
#include <string_view>

#include "tensor/tensor.h"

namespace hg::hand {

inline constexpr int64_t kNumKeypoints = 21;
inline constexpr int64_t kNumManoJoints = 16;
inline constexpr int64_t kNumFingers = 5;
inline constexpr int64_t kWrist = 0;
inline constexpr int64_t kIndexMcp = 5;  // the reference bone of the 2.5D pose is (0, 5)

struct Bone {
  int64_t parent;
  int64_t child;
};

// FreiHAND order.
extern const std::array<std::string_view, kNumKeypoints> kKeypointNames;
extern const std::array<int64_t, kNumKeypoints> kKeypointParents;  // -1 for the wrist
extern const std::array<Bone, kNumKeypoints - 1> kBones;            // finger by finger, MCP -> tip
extern const std::array<std::string_view, kNumFingers> kFingerNames;  // thumb, index, middle, ring, little
extern const std::array<int64_t, kNumFingers> kFingertips;           // 4, 8, 12, 16, 20

// MANO order.
extern const std::array<std::string_view, kNumManoJoints> kManoJointNames;
extern const std::array<int64_t, kNumManoJoints> kManoParents;  // [-1,0,1,2,0,4,5,0,7,8,0,10,11,0,13,14]

// freihand[k] = mano_plus_tips[kManoToFreihand[k]].
extern const std::array<int64_t, kNumKeypoints> kManoToFreihand;
// mano_plus_tips[k] = freihand[kFreihandToMano[k]] (the inverse permutation).
extern const std::array<int64_t, kNumKeypoints> kFreihandToMano;

// MANO vertex ids of the fingertips (thumb, index, middle, ring, little).
extern const std::array<int64_t, kNumFingers> kFreihandTipVertices;  // 744, 320, 443, 555, 672
extern const std::array<int64_t, kNumFingers> kManopthTipVertices;   // 745, 317, 444, 556, 673

// Finger (0..4) of a FreiHAND keypoint, -1 for the wrist.
int64_t finger_of(int64_t keypoint);

// Differentiable reorders along dim -2 of x [..., 21, C] (index_select); throws naming the shape.
Tensor mano_to_freihand(const Tensor& x);
Tensor freihand_to_mano(const Tensor& x);

}  // namespace hg::hand
