// Argument checks shared by the rasterisers (defined in ops/cpu/rasterize.cpp; the CUDA path runs
// after them too). Each throws std::invalid_argument naming the function, the argument and the
// problem (with shapes). Also the soft rasteriser's per-pixel constants.
#pragma once
#include <cmath>
#include <cstdint>
#include <vector>

#include "ops/cpu/rasterize_pixel.h"
#include "ops/rasterize.h"
#include "tensor/tensor.h"

namespace hg::ops::raster_cpu {

// faces: [F, 3] i64 with every id in [0, num_vertices). Returns a contiguous copy's values (read
// to the host for device faces).
std::vector<int64_t> checked_faces(const char* what, const Tensor& faces, int64_t num_vertices);

// screen: [B, V, 3] (batched) or [V, 3], floating.
void check_screen(const char* what, const Tensor& screen, bool batched);

// attrs: [B, N, C] (batched) or [N, C] with N = V, or F when per_face; same dtype as screen.
void check_attrs(const char* what, const Tensor& attrs, const Tensor& screen, int64_t num_faces, bool per_face,
                 bool batched);

// Image size, depth range, background (C values or empty), tile size.
void check_image(const char* what, int64_t height, int64_t width, double near, double far,
                 const std::vector<double>& background, int64_t channels, int64_t tile_size);

// The background as C values (zeros when empty).
std::vector<double> background_or_zeros(const std::vector<double>& background, int64_t channels);

// The settings of a (checked) soft rasterisation in the compute type C.
template <class C>
raster::SoftConstants<C> soft_constants(const SoftRasterSettings& s) {
  raster::SoftConstants<C> k;
  k.inv_sigma = C(1.0 / s.sigma);
  k.inv_gamma = C(1.0 / s.gamma);
  k.near = C(s.near);
  k.far = C(s.far);
  k.eps = C(s.background_epsilon);
  k.radius2 = C(s.sigma * std::log(1.0 / s.cull_probability - 1.0));  // D < p  <=>  d² > σ ln(1/p − 1) outside
  k.depth_scale = C(1.0 / (s.gamma * (s.far - s.near)));
  k.per_face = s.per_face_attributes;
  return k;
}

}  // namespace hg::ops::raster_cpu
