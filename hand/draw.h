// Drawing on images for inspection (`handgrad show`, training samples): dots, lines, the 21-keypoint
// skeleton coloured per finger, and mesh overlays (wireframe, or filled and shaded).
//
// The image is an f32 [3, H, W] CPU tensor in [0, 1] (DESIGN.md), modified in place. Coordinates are
// pixels under the convention of hand/camera.h: pixel (i, j) has its centre at (u, v) = (j, i).
// Shapes are anti-aliased by coverage: a pixel whose centre lies at distance d from the shape's
// centre line is blended with alpha = clamp(half_width + 1/2 − d, 0, 1) (times the opacity).
// Nothing here records a graph; it is plain pixel work.
#pragma once
#include <array>

#include "tensor/tensor.h"

namespace hg::hand {

struct Rgb {
  float r = 0, g = 0, b = 0;
};

// Thumb, index, middle, ring, little (red, yellow, green, cyan, magenta); the wrist is white.
const std::array<Rgb, 5>& finger_colors();
inline constexpr Rgb kWristColor{1, 1, 1};

// A filled disc of `radius` pixels about (u, v).
void draw_dot(const Tensor& image, double u, double v, double radius, Rgb color, double opacity = 1.0);
// A segment of `width` pixels from (u0, v0) to (u1, v1), round caps.
void draw_line(const Tensor& image, double u0, double v0, double u1, double v1, double width, Rgb color,
               double opacity = 1.0);

// uv [21, 2] (FreiHAND order): bones in their finger's colour, then a dot per keypoint. Keypoints
// with valid = 0 (valid [21], optional) and their bones are skipped, as are non-finite ones.
void draw_skeleton(const Tensor& image, const Tensor& uv, const Tensor& valid = {}, double dot_radius = 2.5,
                   double line_width = 1.5);

// Each edge of the mesh once, from projected vertices uv [V, 2]; faces [F, 3] integer.
void draw_wireframe(const Tensor& image, const Tensor& uv, const Tensor& faces, Rgb color, double opacity = 0.6,
                    double line_width = 1.0);
// The mesh (vertices [V, 3], camera frame, metres) rendered through K [3, 3] with the hard
// rasteriser (hand/render.h) in `color` lit from the camera, blended over the image with `opacity`.
void draw_mesh(const Tensor& image, const Tensor& vertices, const Tensor& faces, const Tensor& K, Rgb color,
               double opacity = 0.5);

}  // namespace hg::hand
