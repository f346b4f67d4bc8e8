// handgrad's own MANO-compatible hand model, built procedurally (the official MANO files cannot be
// shipped; REFERENCE.md §4). The result has MANO's arrays, shapes and semantics — load it, save it
// with save_mano_npz and drive it with the MANO forward pass like the official model.
//
// Sizes: V = 778 vertices, F = 1538 faces (MANO's), a closed, consistently oriented (counter-clockwise
// seen from outside, positive volume) manifold surface except for one open 16-vertex ring at the wrist.
// 16 joints in MANO order (0 wrist, 1-3 index, 4-6 middle, 7-9 little, 10-12 ring, 13-15 thumb CMC/MCP/IP),
// fingertip vertex ids (thumb, index, middle, ring, little) at the ends of the digits.
//
// Model frame of the RIGHT hand (metres, wrist joint at the origin, rest pose = an open flat hand
// with the thumb opposed ~45° out of the palm plane):
//   +y  along the hand, wrist -> middle fingertip (hand length ≈ 0.18 m)
//   +z  the palm normal, out of the palm (the back of the hand faces -z)
//   +x  across the palm toward the thumb (palm width ≈ 0.085 m at the knuckles)
// The left hand (right = false) is the mirror image x -> -x: faces re-wound to stay outward,
// shapedirs' x rows negated, posedirs re-signed so that posedirs_L·feature(M R M) = M·posedirs_R·feature(R)
// with M = diag(-1, 1, 1), and the pose arrays hands_mean/hands_components mirrored per joint
// (ωx, ωy, ωz) -> (ωx, -ωy, -ωz), as MANO_LEFT relates to MANO_RIGHT.
//
// Shape parameters β (shapedirs[:, :, i] is the change per unit β_i, linear around the template):
//   0 overall scale +3 %           1 palm length +3 mm            2 palm width +3 mm
//   3 palm thickness +2 mm         4 finger lengths +4 % (index..little, every bone)
//   5 digit thickness +0.6 mm radius                               6 thumb length +5 %
//   7 index +3 % / ring -3 % length                                8 little finger length +5 %
//   9 middle finger length +4 %
// posedirs: knuckle bulge / pad-side crease as a linear function of each joint's flexion
// (hand/procedural_rig.h). hands_components: PCA (descending variance) of 16384 poses of the prior in
// hand/pose_prior.h; hands_mean: their mean (a relaxed, slightly curled hand).
//
// The seed perturbs the proportions (scale ±4 %, palm ±4-6 %, each bone ±4 %, each digit radius
// ±5 %); the topology, joint frames and pose prior are the same for every seed. Deterministic:
// the same options give bit-identical arrays (within one build). Construction takes ~3 ms, plus
// ~0.1 s once per process for the shared pose PCA.
#pragma once
#include <cstdint>

#include "hand/mano_model.h"

namespace hg::hand {

struct ProceduralHandOptions {
  uint64_t seed = 0;
  bool right = true;
};

ManoModel make_procedural_hand(const ProceduralHandOptions& options = {});

// The pose PCA shared by every procedural model (right-hand frame): `samples` poses drawn with
// sample_hand_poses(Generator(seed)), their mean, the eigenvectors of their covariance as rows
// (descending eigenvalue; each row's largest-magnitude entry positive) and the eigenvalues.
struct PosePca {
  Tensor mean;        // [45] f64
  Tensor components;  // [45, 45] f64
  Tensor variances;   // [45] f64, descending
  int64_t samples = 0;
  uint64_t seed = 0;
};
const PosePca& procedural_pose_pca();

// The mirror image of a model (x -> -x), as described above; is_right flips. Exposed for tests and
// for mirroring a converted official model.
ManoModel mirror_hand_model(const ManoModel& model);

}  // namespace hg::hand
