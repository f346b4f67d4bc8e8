// PeCLR's equivariant step (REFERENCE.md §1; PeCLR supp. §1–§2): the geometric transform applied to
// an image is undone on that view's projection before the contrastive loss.
//
// A projection z [B, 2P] (P = 64 for the 128-d head) is read as P two-dimensional points
// q_k = (z_{2k}, z_{2k+1}); c = (1/P) Σ_k q_k is their centroid. For an image transformed by
// t = translate(v) ∘ scale(s) ∘ rotate(a) (the order hand/ augmentations apply them), the inverse is
// applied in reverse order:
//   translation  q ← q − (v / L) ⊙ L_z,  L_z = max_k q_k − min_k q_k per axis, computed on the
//                detached input (supp. eq. 4: a pixel shift is a fraction v/L of the image side L,
//                mapped to the same fraction of the latent extent);
//   scale        q ← c + (q − c) / s                       (optional; the public code never does it)
//   rotation     q ← c + R(−a)(q − c),  R(a) = [[cos a, −sin a], [sin a, cos a]]
// The rotation matrix has the same convention as hand/camera.h rotate_affine (image angle a > 0 turns
// content clockwise on screen, y down), so latent points behave like image points. Rotation and
// scaling about the centroid commute with each other and with the translation.
#pragma once
#include "tensor/tensor.h"

namespace hg::hand {

struct LatentTransform {
  Tensor angle;        // [B] radians (undefined = no rotation)
  Tensor translation;  // [B, 2] pixels (u, v) (undefined = no translation)
  Tensor scale;        // [B] factor (undefined = no scale inversion)
  double image_size = 128;  // L, the side of the (square) augmented image in pixels
  Tensor extent;       // [B, 2] L_z to use instead of latent_extent(z) (undefined = computed; tests fix it)
};

// L_z = max_k q_k − min_k q_k per axis of the points of z [B, 2P] -> [B, 2], never requiring grad.
Tensor latent_extent(const Tensor& z);

// z [B, 2P] -> [B, 2P] with the transform undone. Differentiable w.r.t. z (the transform
// parameters are data; L_z is a constant of the step: computed on the detached z, as in the paper).
Tensor invert_latent_transform(const Tensor& z, const LatentTransform& t);

// The whole PeCLR projection step: normalise(z) → invert → normalise again (L2 over all 2P values).
Tensor peclr_equivariant_projection(const Tensor& z, const LatentTransform& t);

}  // namespace hg::hand
