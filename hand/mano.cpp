// ManoLayer: the MANO forward pass (formulas in hand/mano.h, REFERENCE.md §4). The articulated
// steps (pose feature, kinematic chain, skinning) are in hand/mano_lbs.cpp.
#include "hand/mano.h"

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "autograd/autocast.h"
#include "autograd/index.h"
#include "autograd/linalg.h"
#include "autograd/node.h"
#include "autograd/pointwise.h"
#include "autograd/rotation.h"
#include "autograd/shape.h"
#include "hand/skeleton.h"
#include "ops/linalg.h"
#include "tensor/factory.h"
#include "tensor/view.h"

namespace hg::hand {
namespace {

constexpr const char* kWhere = "ManoLayer::forward";

std::string shape_of(const Tensor& t) { return t.defined() ? t.shape_string() : std::string("undefined"); }

// A parameter of shape [batch, width] in a floating dtype, converted (differentiably) to `dtype`.
// `meaning` says what the width is, for the message.
Tensor checked_param(const Tensor& t, const char* name, int64_t batch, int64_t width, const char* meaning,
                     const Tensor& global_rot, DType dtype) {
  if (t.dim() != 2 || t.size(0) != batch || t.size(1) != width)
    throw std::invalid_argument(std::string(kWhere) + ": " + name + " has shape " + t.shape_string() + ", expected " +
                                shape_str({batch, width}) + " (" + meaning + "; batch " + std::to_string(batch) +
                                " from global_rot " + global_rot.shape_string() + ")");
  if (!is_floating(t.dtype()))
    throw std::invalid_argument(std::string(kWhere) + ": " + name + " must be a floating tensor, got " +
                                dtype_name(t.dtype()));
  return to_dtype(t, dtype);
}

}  // namespace

ManoLayer::ManoLayer(ManoModel model, ManoOptions options, DType dtype)
    : model_(std::move(model)), options_(options), dtype_(dtype) {
  if (dtype != DType::f32 && dtype != DType::f64)
    throw std::invalid_argument(std::string("ManoLayer: dtype must be f32 or f64, got ") + dtype_name(dtype));
  if (options_.use_pca && (options_.ncomps < 6 || options_.ncomps > kManoPoseParams))
    throw std::invalid_argument("ManoLayer: ncomps must be in 6..45 with use_pca, got " + std::to_string(options_.ncomps));
  validate(model_, model_.source.empty() ? std::string("ManoLayer") : "ManoLayer(" + model_.source + ")");

  NoGradGuard no_grad;  // the model is constant
  const int64_t V = model_.num_vertices();
  auto in_dtype = [&](const Tensor& t) { return ops::contiguous(ops::to_dtype(t, dtype_)); };
  v_template_ = in_dtype(model_.v_template);
  // shapedirs [V, 3, 10] -> [3V, 10] -> transposed, so β [B, 10] · basis = the [B, 3V] offsets
  shape_basis_ = in_dtype(ops::transpose(ops::reshape(model_.shapedirs, {3 * V, kManoShapeParams}), 0, 1));
  pose_basis_ = in_dtype(ops::transpose(ops::reshape(model_.posedirs, {3 * V, kManoPoseFeatures}), 0, 1));
  // J = J_regressor (v_template + shapedirs β) = J_regressor v_template + (J_regressor shapedirs) β,
  // both products taken once here in f64.
  j_template_ = in_dtype(ops::matmul(model_.J_regressor, model_.v_template));
  const Tensor j_shapedirs = ops::reshape(
      ops::matmul(model_.J_regressor, ops::reshape(model_.shapedirs, {V, 3 * kManoShapeParams})),
      {kManoJoints * 3, kManoShapeParams});  // [(joint, xyz), β]
  j_shape_basis_ = in_dtype(ops::transpose(j_shapedirs, 0, 1));
  weights_ = in_dtype(model_.weights);
  if (options_.use_pca) components_ = in_dtype(ops::narrow(model_.hands_components, 0, 0, options_.ncomps));
  if (!options_.flat_hand_mean) hand_mean_ = in_dtype(model_.hands_mean);
  fingertips_ = from_vector(std::vector<int64_t>(model_.fingertips.begin(), model_.fingertips.end()),
                            {kNumFingers}, TensorOptions(DType::i64, model_.v_template.device()));
  tree_ = make_kinematic_levels(model_.parents);
}

ManoOutput ManoLayer::forward(const ManoParams& params) const {
  // Geometry stays in the layer's dtype: an enclosing autocast region would otherwise round the
  // blend-shape and skinning products to bf16/f16 (millimetre errors on a hand).
  const AutocastGuard full_precision(false);
  const Tensor& g = params.global_rot;
  if (!g.defined() || g.dim() != 2 || g.size(1) != 3)
    throw std::invalid_argument(std::string(kWhere) + ": global_rot has shape " + shape_of(g) + ", expected [B, 3]");
  const int64_t B = g.size(0), V = model_.num_vertices();
  if (!params.pose.defined())
    throw std::invalid_argument(std::string(kWhere) + ": pose is undefined, expected " +
                                shape_str({B, options_.use_pca ? options_.ncomps : kManoPoseParams}));
  const Tensor global_rot = checked_param(g, "global_rot", B, 3, "axis-angle", g, dtype_);
  const Tensor pose = options_.use_pca
                          ? checked_param(params.pose, "pose", B, options_.ncomps, "PCA coefficients", g, dtype_)
                          : checked_param(params.pose, "pose", B, kManoPoseParams, "15 axis-angles", g, dtype_);
  const Tensor betas = params.betas.defined()
                           ? checked_param(params.betas, "betas", B, kManoShapeParams, "shape coefficients", g, dtype_)
                           : Tensor();
  const Tensor trans = params.trans.defined()
                           ? checked_param(params.trans, "trans", B, 3, "translation in metres", g, dtype_)
                           : Tensor();

  // Full pose: [global, hands_mean + coeffs · components] (or + the 45 axis-angles).
  Tensor hand_pose = options_.use_pca ? matmul(pose, components_) : pose;
  if (hand_mean_.defined()) hand_pose = add(hand_pose, hand_mean_);
  const Tensor full_pose = cat({global_rot, hand_pose}, 1);
  const Tensor rotations = rodrigues(reshape(full_pose, {B, kManoJoints, 3}));  // [B, 16, 3, 3]

  // Shape: v_shaped = v_template + shapedirs β, J = J_regressor v_shaped.
  Tensor v_shaped, rest_joints;
  if (betas.defined()) {
    v_shaped = add(v_template_, reshape(matmul(betas, shape_basis_), {B, V, 3}));
    rest_joints = add(j_template_, reshape(matmul(betas, j_shape_basis_), {B, kManoJoints, 3}));
  } else {
    v_shaped = expand(v_template_, {B, V, 3});
    rest_joints = expand(j_template_, {B, kManoJoints, 3});
  }
  // Pose correctives, then the articulation.
  const Tensor v_posed = add(v_shaped, reshape(matmul(mano_pose_feature(rotations), pose_basis_), {B, V, 3}));
  const WorldTransforms world = mano_kinematic_chain(rotations, rest_joints, tree_);
  Tensor vertices = mano_skin(v_posed, weights_, world, rest_joints);
  Tensor joints16 = world.translations;
  if (trans.defined()) {
    const Tensor shift = unsqueeze(trans, 1);
    vertices = add(vertices, shift);
    joints16 = add(joints16, shift);
  }
  // 16 joints + the 5 fingertip vertices (thumb, index, middle, ring, little) -> FreiHAND order.
  const Tensor joints = mano_to_freihand(cat({joints16, index_select(vertices, 1, fingertips_)}, 1));
  return {vertices, joints, joints16, full_pose};
}

}  // namespace hg::hand
