// Pose feature, kinematic chain and linear blend skinning of the MANO forward pass (REFERENCE.md §4).
#include "hand/mano_lbs.h"

#include <algorithm>
#include <string>

#include "autograd/index.h"
#include "autograd/linalg.h"
#include "autograd/pointwise.h"
#include "autograd/reduce.h"
#include "autograd/shape.h"
#include "tensor/factory.h"

namespace hg::hand {
namespace {

Tensor ids(const std::vector<int64_t>& v) { return from_vector(v, {static_cast<int64_t>(v.size())}, DType::i64); }

}  // namespace

Tensor mano_pose_feature(const Tensor& rotations) {
  const int64_t batch = rotations.size(0), joints = rotations.size(1);
  const Tensor identity = eye(3, rotations.dtype());
  return reshape(sub(narrow(rotations, 1, 1, joints - 1), identity), {batch, 9 * (joints - 1)});
}

KinematicLevels make_kinematic_levels(const std::array<int64_t, kManoJoints>& parents) {
  if (parents[0] != -1) throw ManoError("kinematic tree: joint 0 must be the root (parent -1), got parent " +
                                        std::to_string(parents[0]));
  std::array<int64_t, kManoJoints> depth{};
  int64_t max_depth = 0;
  for (int64_t j = 1; j < kManoJoints; ++j) {
    if (parents[j] < 0 || parents[j] >= j)
      throw ManoError("kinematic tree: joint " + std::to_string(j) + " has parent " + std::to_string(parents[j]) +
                      " (must be in [0, " + std::to_string(j) + "))");
    depth[j] = depth[parents[j]] + 1;
    max_depth = std::max(max_depth, depth[j]);
  }
  // position of each joint inside its own level, and its slot in the concatenation of the levels
  std::array<int64_t, kManoJoints> position{}, slot{};
  int64_t next_slot = 0;
  KinematicLevels tree;
  for (int64_t d = 0; d <= max_depth; ++d) {
    std::vector<int64_t> joints, parent_ids, parent_positions;
    for (int64_t j = 0; j < kManoJoints; ++j) {
      if (depth[j] != d) continue;
      position[j] = static_cast<int64_t>(joints.size());
      slot[j] = next_slot++;
      joints.push_back(j);
      parent_ids.push_back(d == 0 ? 0 : parents[j]);
      parent_positions.push_back(d == 0 ? 0 : position[parents[j]]);
    }
    tree.levels.push_back({ids(joints), ids(parent_ids), ids(parent_positions)});
  }
  tree.slot_of_joint = ids(std::vector<int64_t>(slot.begin(), slot.end()));
  return tree;
}

WorldTransforms mano_kinematic_chain(const Tensor& local_rotations, const Tensor& rest_joints,
                                     const KinematicLevels& tree) {
  // Level 0 (the root): G_0 = [R_0 | J_0].
  std::vector<Tensor> rotations{index_select(local_rotations, 1, tree.levels[0].joints)};
  std::vector<Tensor> translations{index_select(rest_joints, 1, tree.levels[0].joints)};
  // Level d: G_j = G_parent [R_j | J_j − J_parent] for all its joints at once, the parents being
  // in level d − 1: rotation R_parent R_j, translation R_parent (J_j − J_parent) + t_parent.
  for (size_t d = 1; d < tree.levels.size(); ++d) {
    const KinematicLevels::Level& level = tree.levels[d];
    const Tensor parent_rot = index_select(rotations.back(), 1, level.parent_positions);
    const Tensor parent_t = index_select(translations.back(), 1, level.parent_positions);
    const Tensor offset = sub(index_select(rest_joints, 1, level.joints), index_select(rest_joints, 1, level.parents));
    rotations.push_back(matmul(parent_rot, index_select(local_rotations, 1, level.joints)));
    translations.push_back(add(parent_t, squeeze(matmul(parent_rot, unsqueeze(offset, -1)), -1)));
  }
  // Back from level order to joint order.
  return {index_select(cat(rotations, 1), 1, tree.slot_of_joint),
          index_select(cat(translations, 1), 1, tree.slot_of_joint)};
}

Tensor mano_skin(const Tensor& v_posed, const Tensor& weights, const WorldTransforms& world, const Tensor& rest_joints) {
  const int64_t batch = v_posed.size(0), vertices = v_posed.size(1), joints = weights.size(1);
  // A_j = [G_rot_j | G_t_j − G_rot_j J_j]  ([B, J, 3, 4], flattened to 12 numbers per joint)
  const Tensor moved_rest = squeeze(matmul(world.rotations, unsqueeze(rest_joints, -1)), -1);
  const Tensor A = cat({world.rotations, unsqueeze(sub(world.translations, moved_rest), -1)}, -1);
  // T_v = Σ_j w_vj A_j: one [V, J] x [J, 12] product per batch element
  const Tensor T = reshape(matmul(weights, reshape(A, {batch, joints, 12})), {batch, vertices, 3, 4});
  // v = T_v[:, :3] v_posed + T_v[:, 3]
  return add(sum(mul(narrow(T, -1, 0, 3), unsqueeze(v_posed, -2)), {-1}), select(T, -1, 3));
}

}  // namespace hg::hand
