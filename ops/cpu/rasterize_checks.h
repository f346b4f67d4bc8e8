// Argument checks shared by the CPU rasterisers (defined in ops/cpu/rasterize.cpp). Each throws
// std::invalid_argument naming the function, the argument and the problem (with shapes).
#pragma once
#include <cstdint>
#include <vector>

#include "tensor/tensor.h"

namespace hg::ops::raster_cpu {

// faces: [F, 3] i64 with every id in [0, num_vertices). Returns a contiguous copy's values.
std::vector<int64_t> checked_faces(const char* what, const Tensor& faces, int64_t num_vertices);

// screen: [B, V, 3] (batched) or [V, 3], floating, on the CPU.
void check_screen(const char* what, const Tensor& screen, bool batched);

// attrs: [B, N, C] (batched) or [N, C] with N = V, or F when per_face; same dtype as screen.
void check_attrs(const char* what, const Tensor& attrs, const Tensor& screen, int64_t num_faces, bool per_face,
                 bool batched);

// Image size, depth range, background (C values or empty), tile size.
void check_image(const char* what, int64_t height, int64_t width, double near, double far,
                 const std::vector<double>& background, int64_t channels, int64_t tile_size);

// The background as C values (zeros when empty).
std::vector<double> background_or_zeros(const std::vector<double>& background, int64_t channels);

}  // namespace hg::ops::raster_cpu
