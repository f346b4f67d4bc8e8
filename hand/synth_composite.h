// Image formation for the synthetic data set: compositing a rendered hand over a background with
// an anti-aliased edge, and mild sensor effects (hand/synth_generator.h).
#pragma once
#include "tensor/philox.h"
#include "tensor/tensor.h"

namespace hg::hand {

// Blends a hard-rendered layer (rgb [3, H, W], mask [1, H, W] 0/1) over `image` ([3, H, W] f32,
// modified in place) with its edge softened by one pixel:
//   α = mask ⊛ k,  k = (1, 2, 1)ᵀ (1, 2, 1) / 16  (a 3×3 tent: 1 inside, 0 beyond one pixel),
//   c = (rgb·mask) ⊛ k / (mask ⊛ k)  (outside the mask: the mean colour of the neighbouring layer pixels),
//   image = α c + (1 − α) image.
// This stands in for supersampling: a straight edge gets coverage 3/4 and 1/4 on its two sides.
void composite_layer(const Tensor& image, const Tensor& rgb, const Tensor& mask);

// Mild camera effects, in place on an f32 [3, H, W] image, drawn from g in this order:
//   with probability 0.35 a Gaussian blur (3×3, σ U(0.35, 0.85) px); a gain U(0.92, 1.08) and
//   per-channel white-balance factors U(0.96, 1.04); additive zero-mean noise of σ U(0.002, 0.016)
//   (triangular, the sum of two uniforms: nearly Gaussian at a fraction of the cost);
//   finally a clamp to [0, 1].
void apply_sensor_effects(Generator& g, const Tensor& image);

}  // namespace hg::hand
