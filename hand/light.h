// S2HAND's lighting model (REFERENCE.md §5): 11 parameters per image,
//   light = [I_a, I_d, c_a (3), c_d (3), direction (3)]   (ambient / directional intensity and RGB),
//   shade(colour, n) = colour ⊙ (I_a c_a + I_d c_d max(0, n · d̂)),   d̂ = direction / |direction|.
// n is the unit outward surface normal and d̂ points from the surface towards the light, both in the
// camera frame (x right, y down, z forward): d̂ = (0, 0, −1) lights the side facing the camera.
// Composed from differentiable autograd functions: gradients reach colours, normals and light.
#pragma once
#include <array>
#include <cstdint>

#include "tensor/tensor.h"

namespace hg::hand {

inline constexpr int64_t kLightParams = 11;

// colors [..., N, 3], normals [..., N, 3], light [..., 11] (the batch dims of colors, e.g. [B] for
// [B, N, 3], or [11] for [N, 3]) -> shaded colours [..., N, 3].
Tensor shade(const Tensor& colors, const Tensor& normals, const Tensor& light);

// The 11 parameters as a [11] tensor (no grad).
Tensor light_parameters(double ambient, double directional, const std::array<double, 3>& ambient_rgb,
                        const std::array<double, 3>& directional_rgb, const std::array<double, 3>& direction,
                        DType dtype = DType::f32);

// x / |x| over the last dim, computed as x · rsqrt(|x|² + 1e-30) so that a zero vector stays zero.
Tensor safe_normalize(const Tensor& x);

}  // namespace hg::hand
