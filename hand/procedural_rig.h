// The rig of the procedural hand (internal; see hand/procedural_hand.h): skinning weights, the joint
// regressor and the pose correctives, all computed from the construction tags of a HandMesh.
#pragma once
#include <Eigen/Core>

#include "hand/procedural_mesh.h"

namespace hg::hand::procedural {

using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// [V, 16] linear-blend-skinning weights, rows non-negative and summing to 1. Along a digit the
// weight moves from the parent joint to the child with a smoothstep over ±h about each joint
// (MCP 8 mm, PIP/thumb MCP 5-6 mm, DIP/IP 4-5 mm); the knuckle ring is shared half and half between
// the wrist and the MCP; the thenar (the thumb's hole and the palm around it) takes up to 35 % of
// the CMC, fading over ~12 mm.
RowMatrix skinning_weights(const HandMesh& mesh, const Proportions& p);

// [16, V] non-negative rows summing to 1: each joint as a weighted mean of a support set of
// surrounding vertices (wrist: the wrist/root/first palm rings; finger MCP: the finger's base ring
// and first ring, plus the knuckle ring's side columns for the index and little finger; PIP/DIP and
// thumb MCP/IP: the digit ring through the joint and its two neighbours; CMC: the thenar vertices
// within 25 mm).
// The weights are the maximum-entropy ones closest to a Gaussian prior (σ = 12 mm) that reproduce
// the joint exactly: w_k ∝ prior_k exp(λ·v_k), λ found by Newton's method. Throws std::logic_error
// if a joint lies outside the convex hull of its support.
RowMatrix joint_regressor(const HandMesh& mesh, const Proportions& p);

// [3V, 135] pose correctives (row 3v + coordinate, column 9(j-1) + 3a + b multiplies (R_j - I)_ab).
// For joint j with flexion axis e the feature ½ e·vee(R_j - R_jᵀ) is sin(flexion) for a pure
// flexion; it pushes the vertices around the joint toward the back of the digit (the knuckle bulges
// out, the pad-side crease sinks in) by up to 2.5 mm at 90°, with a Gaussian fall-off along the
// digit (σ 4-8 mm, cut at 2.5σ).
RowMatrix pose_correctives(const HandMesh& mesh, const Proportions& p);

}  // namespace hg::hand::procedural
