// The differentiable MANO forward pass (REFERENCE.md §4): pose and shape parameters -> posed hand
// mesh and joints. Every step composes differentiable functions from autograd/, so gradients flow
// to any parameter that requires grad.
//
//   hand pose   p = hands_mean + coeffs · hands_components[:ncomps]    (use_pca)
//                 = hands_mean + coeffs                                 (45 axis-angles)
//               (hands_mean = 0 with flat_hand_mean; the mean is added in both modes, as manopth)
//   full pose   θ = [global_rot, p]  (16 axis-angles);  R_j = Rodrigues(θ_j)
//   shape       v_shaped = v_template + shapedirs · β;  J = J_regressor · v_shaped
//   pose blend  v_posed = v_shaped + posedirs · concat_{j=1..15} (R_j − I)   (row-major)
//   chain       G_0 = [R_0 | J_0],  G_j = G_parent(j) [R_j | J_j − J_parent(j)]
//   skinning    A_j = G_j − [0 | G_j (J_j, 0)],  v = Σ_j w_vj A_j (v_posed, 1)
//   output      vertices = v + trans;  joints16 = translation of G_j + trans;
//               joints = [joints16, vertices[fingertips]] reordered to FreiHAND (hand/skeleton.h)
//
// Units are the model's (metres). The layer computes in its dtype (f64 for checks, f32 for
// training); parameters of another floating dtype are converted (differentiably) on entry, and
// autocast is off inside forward() (the geometry never drops to f16/bf16).
#pragma once
#include <cstdint>

#include "hand/mano_lbs.h"
#include "hand/mano_model.h"
#include "tensor/tensor.h"

namespace hg::hand {

struct ManoOptions {
  bool use_pca = true;          // pose = PCA coefficients; else 45 axis-angles
  int64_t ncomps = 45;          // PCA components used (6..45); ignored without use_pca
  bool flat_hand_mean = false;  // true: the mean pose is the flat hand (hands_mean not added)
};

struct ManoParams {  // batch B; any may require grad
  Tensor global_rot;  // [B, 3] axis-angle of the wrist
  Tensor pose;        // [B, ncomps] PCA coefficients (use_pca) or [B, 45] axis-angles
  Tensor betas;       // [B, 10] (undefined = zeros)
  Tensor trans;       // [B, 3] metres (undefined = zeros)
};

struct ManoOutput {
  Tensor vertices;   // [B, V, 3] metres
  Tensor joints;     // [B, 21, 3] FreiHAND order (16 MANO joints + 5 fingertip vertices, reordered)
  Tensor joints16;   // [B, 16, 3] MANO order, posed
  Tensor full_pose;  // [B, 48] axis-angles actually applied (global + 45, mean included)
};

class ManoLayer {
 public:
  // Validates the model (hand/mano_model.h validate()) and the options (ncomps in 6..45 with
  // use_pca), then keeps the model's constant arrays in `dtype`, rearranged for the forward pass.
  explicit ManoLayer(ManoModel model, ManoOptions options = {}, DType dtype = DType::f64);

  // Throws std::invalid_argument naming the parameter and both shapes when a parameter's shape
  // does not fit (or the batch sizes disagree).
  ManoOutput forward(const ManoParams& params) const;

  const ManoModel& model() const { return model_; }
  const ManoOptions& options() const { return options_; }
  DType dtype() const { return dtype_; }

 private:
  ManoModel model_;
  ManoOptions options_;
  DType dtype_;
  // Constants in dtype_, laid out for matrix products (no gradient).
  Tensor v_template_;     // [V, 3]
  Tensor shape_basis_;    // [10, 3V]   shapedirs, so that β · shape_basis = shapedirs · β
  Tensor pose_basis_;     // [135, 3V]  posedirs, likewise for the pose feature
  Tensor j_template_;     // [16, 3]    J_regressor · v_template
  Tensor j_shape_basis_;  // [10, 48]   J_regressor · shapedirs (J is linear in β)
  Tensor weights_;        // [V, 16]
  Tensor components_;     // [ncomps, 45]  (use_pca)
  Tensor hand_mean_;      // [45], undefined with flat_hand_mean
  Tensor fingertips_;     // [5] i64
  KinematicLevels tree_;  // model_.parents by depth
};

}  // namespace hg::hand
