// The articulated part of the MANO forward pass (REFERENCE.md §4), used by hand/mano.cpp: the pose
// feature, the kinematic chain and linear blend skinning. Each is a composition of differentiable
// functions over a batch [B, ...]; J = number of joints (16 for MANO), V = number of vertices.
#pragma once
#include <array>
#include <cstdint>
#include <vector>

#include "hand/mano_model.h"
#include "tensor/tensor.h"

namespace hg::hand {

// concat_{j=1..J-1} (R_j − I), each 3×3 row-major: rotations [B, J, 3, 3] -> [B, 9 (J − 1)].
Tensor mano_pose_feature(const Tensor& rotations);

// The kinematic tree arranged by depth, so that each depth level is composed in one batched
// product: levels[d] holds the joints at depth d (ascending ids), whose parents all sit in level
// d − 1; slot_of_joint[j] = the position of joint j when the levels are concatenated in order.
struct KinematicLevels {
  struct Level {
    Tensor joints;        // i64 [n] joint ids at this depth
    Tensor parents;       // i64 [n] their parents' joint ids
    Tensor parent_positions;  // i64 [n] their parents' positions inside level d − 1
  };
  std::vector<Level> levels;  // levels[0] = the root alone
  Tensor slot_of_joint;       // i64 [J]
};
// parents[0] must be −1 and 0 <= parents[j] < j otherwise (ManoError naming the joint if not).
KinematicLevels make_kinematic_levels(const std::array<int64_t, kManoJoints>& parents);

// World transforms G_j = [rotation | translation] of every joint:
//   G_0 = [R_0 | J_0],  G_j = G_parent [R_j | J_j − J_parent].
// local_rotations [B, J, 3, 3], rest_joints [B, J, 3] -> world rotations [B, J, 3, 3] and world
// translations [B, J, 3] (the posed joint positions).
struct WorldTransforms {
  Tensor rotations;
  Tensor translations;
};
WorldTransforms mano_kinematic_chain(const Tensor& local_rotations, const Tensor& rest_joints,
                                     const KinematicLevels& tree);

// Linear blend skinning: v = Σ_j w_vj A_j (v_posed, 1) with A_j = [G_rot_j | G_t_j − G_rot_j J_j].
// v_posed [B, V, 3], weights [V, J], rest_joints [B, J, 3] -> [B, V, 3].
Tensor mano_skin(const Tensor& v_posed, const Tensor& weights, const WorldTransforms& world, const Tensor& rest_joints);

}  // namespace hg::hand
