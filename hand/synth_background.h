// Procedural backgrounds for the synthetic data set (`handgrad synth`, hand/synth_generator.h).
//
// One background is, in painting order:
//   1. a gradient between two random colours, linear at a random angle or radial about a random point;
//   2. fractal Perlin noise (stb_perlin fbm, 3-5 octaves, feature size 1/10-1/2 of the image) that
//      modulates brightness and shifts the hue, evaluated on a grid of every 4th pixel and
//      interpolated bilinearly (smooth at that scale, 16x cheaper);
//   3. 2-8 large shapes (rotated rectangles, ellipses, triangles, thick bars) in random colours,
//      each with its own linear shading ramp and opacity 0.5-1;
//   4. 10-40 small clutter shapes (the same kinds, 2-12 % of the image side);
//   5. with probability 0.25, a stripe pattern over a random region (fabric, blinds, tiles).
// Edges are anti-aliased by coverage: alpha = clamp(1/2 − signed distance in pixels, 0, 1).
// Colours are drawn in HSV (hue uniform, saturation 0.05-0.8, value 0.1-0.95).
// Everything comes from the generator passed in, so a background is a pure function of its state.
#pragma once
#include <cstdint>

#include "tensor/philox.h"
#include "tensor/tensor.h"

namespace hg::hand {

// f32 [3, height, width] in [0, 1].
Tensor synth_background(Generator& g, int64_t height, int64_t width);

}  // namespace hg::hand
