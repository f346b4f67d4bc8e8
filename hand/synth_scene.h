// Sampling the random parts of one synthetic hand scene (hand/synth_generator.h): the camera, a
// uniformly random global rotation, a placement that keeps every vertex in view, skin colours and
// S2HAND's 11-parameter light (hand/light.h). Every function draws only from the generator it is
// given, in a fixed order, so a scene is a pure function of the generator's state.
#pragma once
#include <array>
#include <cstdint>
#include <vector>

#include "tensor/philox.h"
#include "tensor/tensor.h"

namespace hg::hand {

// Pinhole intrinsics in pixels, already rounded to f32 (the values written to the annotations).
struct SynthCamera {
  double fx = 0, fy = 0, cx = 0, cy = 0;
  Tensor K(DType dtype = DType::f32) const;  // [3, 3]
};

// fx = size · U(1.7, 2.7) (FreiHAND's 224-px crops have fx ≈ 2.0-2.7 · size), fy = fx · U(0.98, 1.02),
// principal point = the image centre ((size − 1) / 2) + U(±4 %) of the side.
SynthCamera sample_camera(Generator& g, int64_t size);

// A rotation uniform over SO(3) (a normalised Gaussian quaternion) as an axis-angle vector, angle in [0, π].
std::array<double, 3> random_rotation(Generator& g);

// The translation t (metres) that puts the hand `vertices` [V, 3] (f64, camera orientation, any
// position) in view: the longer side of its projected box covers `fill` of the usable square
// [margin, size − 1 − margin]², centred at a random point where it fits; then t is refined until
// every projected vertex lies inside that square (with 0.25 px to spare) and in front of z = min_depth.
// Throws std::runtime_error if that cannot be reached (it always can for fill <= 0.95).
std::array<double, 3> place_in_view(Generator& g, const Tensor& vertices, const SynthCamera& camera, int64_t size,
                                    double margin, double fill, double min_depth = 0.12);

// A uniform rotation conditioned on the rotated hand axis R·(0, 1, 0) (model frame: wrist -> middle
// finger) having a z component ≤ max_away: the hand does not point away from the camera by more
// than asin(max_away), so the open wrist ring of a model without a forearm does not face the camera.
// Rejection sampling from random_rotation (the accepted rotations stay uniform on that set).
std::array<double, 3> random_hand_rotation(Generator& g, double max_away = 0.5);

// Like place_in_view, but for a distractor: the centre of its box projects onto a random point
// between 0.1 × size inside and `outside` × size beyond a random image edge (so it is partly in
// view), and its nearest vertex lies at depth `nearest_depth`.
std::array<double, 3> place_at_edge(Generator& g, const Tensor& vertices, const SynthCamera& camera, int64_t size,
                                    double nearest_depth, double outside);

// Realistic skin tones, sRGB in [0, 1], light to dark.
const std::vector<std::array<double, 3>>& skin_palette();

// Per-vertex colours [V, 3] f32 for a hand whose rest-pose vertices (model frame: +z = palm side,
// metres) are `rest`: a palette tone (two neighbours blended) × brightness U(0.9, 1.1), × (1 + 0.08
// fractal noise over the rest surface at ~3 cm), the palm side lighter by up to 6-20 % (more for
// darker tones), and a slight reddening (×(1.04, 0.97, 0.97)) on the palm side.
Tensor skin_colors(Generator& g, const Tensor& rest);

// [11] f32: I_a U(0.35, 0.65), I_d U(0.35, 0.8), near-white tinted c_a, c_d (max channel 1, others ≥ 0.8),
// direction = normalise(U(±1), U(±1), −U(0.2, 1.2)) (towards the camera side: d points to the light).
Tensor random_light(Generator& g);

}  // namespace hg::hand
