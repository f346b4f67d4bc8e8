// Derivative table: padding, resampling and indexing.
//
// Bilinear sampling has kinks where a sample point crosses a pixel centre (integer pixel
// coordinate) and, with border padding, where the coordinate starts being clamped; nearest jumps
// half-way between centres. The grids below are built from pixel coordinates chosen away from
// those places (fraction in [0.2, 0.8] for bilinear, within 0.3 of a centre for nearest).
#include "autograd/gradcheck.h"
#include "autograd/index.h"
#include "autograd/pad.h"
#include "autograd/sample.h"
#include "tensor/factory.h"
#include "tensor/view.h"

namespace hg {
namespace {

using In = std::vector<Tensor>;

// Grid value that unnormalises to pixel coordinate ix on an axis of `size` pixels (see ops/sample.h).
double grid_value(double ix, int64_t size, bool align_corners) {
  return align_corners ? 2.0 * ix / static_cast<double>(size - 1) - 1.0
                       : (2.0 * ix + 1.0) / static_cast<double>(size) - 1.0;
}

enum class Points { bilinear_zeros, bilinear_border, nearest };

// A pixel coordinate on an axis of `size` pixels, away from kinks for the given kind of sampling:
//   bilinear_zeros:  k + f, k in [-1, size - 1], f in [0.2, 0.8] (some points straddle the edge)
//   bilinear_border: inside, k in [0, size - 2], or clamped by at least 0.3 beyond either edge
//   nearest:         k + f, k in [-1, size], f in [-0.3, 0.3]
double safe_pixel(Generator& g, int64_t size, Points kind) {
  const double u = uniform({1}, 0.0, 1.0, DType::f64, &g).item<double>();
  const double f = uniform({1}, 0.2, 0.8, DType::f64, &g).item<double>();
  switch (kind) {
    case Points::bilinear_zeros:
      return static_cast<double>(randint(-1, size, {1}, DType::i64, &g).item<int64_t>()) + f;
    case Points::bilinear_border:
      if (u < 0.15) return -0.3 - f;
      if (u > 0.85) return static_cast<double>(size - 1) + 0.3 + f;
      return static_cast<double>(randint(0, size - 1, {1}, DType::i64, &g).item<int64_t>()) + f;
    case Points::nearest:
      return static_cast<double>(randint(-1, size + 1, {1}, DType::i64, &g).item<int64_t>()) + (f - 0.5);
  }
  return 0.0;
}

// grid [n, ho, wo, 2] for an image h x w; `transposed` stores it as a permuted [n, 2, ho, wo] buffer.
Tensor safe_grid(Generator& g, Shape out, int64_t h, int64_t w, bool align_corners, Points kind,
                 bool transposed = false) {
  const int64_t n = out[0], ho = out[1], wo = out[2];
  std::vector<double> v(n * ho * wo * 2);
  for (int64_t k = 0; k < n * ho * wo; ++k) {
    v[2 * k] = grid_value(safe_pixel(g, w, kind), w, align_corners);
    v[2 * k + 1] = grid_value(safe_pixel(g, h, kind), h, align_corners);
  }
  Tensor grid = from_vector(v, {n, ho, wo, 2});
  if (transposed) grid = ops::permute(ops::contiguous(ops::permute(grid, {0, 3, 1, 2})), {0, 2, 3, 1});
  return grid.set_requires_grad(true);
}

GradcheckCase grid_case(const char* name, GridPadding padding, bool align_corners, bool transposed) {
  const Points kind = padding == GridPadding::zeros ? Points::bilinear_zeros : Points::bilinear_border;
  return {name,
          [=](Generator& g) {
            return In{gc_noncontiguous(g, {2, 2, 3, 4}), safe_grid(g, {2, 2, 3}, 3, 4, align_corners, kind, transposed)};
          },
          [=](const In& x) { return grid_sample(x[0], x[1], InterpolateMode::bilinear, padding, align_corners); }};
}

GradcheckCase resize_case(const char* name, Shape in, int64_t oh, int64_t ow, InterpolateMode mode, bool align) {
  return {name, [=](Generator& g) { return In{gc_noncontiguous(g, in)}; },
          [=](const In& x) { return interpolate(x[0], oh, ow, mode, align); }};
}

GradcheckCase pad_case(const char* name, Shape in, std::vector<int64_t> pads, PadMode mode) {
  return {name, [=](Generator& g) { return In{gc_noncontiguous(g, in)}; },
          [=](const In& x) { return pad(x[0], pads, mode, 0.25); }};
}

// An index tensor made inside a case's function, on the device of the input `like`.
Tensor index_of(std::vector<int64_t> v, Shape s, const Tensor& like) {
  return gc_on_device_of(from_vector(v, s), like);
}

const GradcheckTable rows({
    pad_case("pad/constant_2d", {2, 2, 3, 4}, {1, 2, 2, 0}, PadMode::constant),
    pad_case("pad/constant_last_dim", {3, 4}, {0, 3}, PadMode::constant),
    pad_case("pad/reflect_2d", {2, 3, 4}, {3, 1, 2, 2}, PadMode::reflect),
    pad_case("pad/reflect_last_dim", {1, 2, 3, 5}, {4, 2}, PadMode::reflect),
    pad_case("pad/replicate_2d", {1, 2, 3, 3}, {2, 1, 0, 3}, PadMode::replicate),
    pad_case("pad/replicate_last_dim", {2, 3}, {3, 2}, PadMode::replicate),

    resize_case("interpolate/nearest_up", {1, 2, 3, 4}, 5, 7, InterpolateMode::nearest, false),
    resize_case("interpolate/nearest_down", {1, 2, 5, 6}, 3, 4, InterpolateMode::nearest, false),
    resize_case("interpolate/bilinear_up_align0", {1, 2, 3, 4}, 5, 7, InterpolateMode::bilinear, false),
    resize_case("interpolate/bilinear_up_align1", {1, 2, 3, 4}, 5, 7, InterpolateMode::bilinear, true),
    resize_case("interpolate/bilinear_down_align0", {2, 1, 5, 6}, 3, 4, InterpolateMode::bilinear, false),
    resize_case("interpolate/bilinear_down_align1", {2, 1, 5, 6}, 3, 4, InterpolateMode::bilinear, true),
    {"interpolate/bilinear_scale_factor", [](Generator& g) { return In{gc_noncontiguous(g, {1, 2, 4, 5})}; },
     [](const In& x) { return interpolate(x[0], ScaleFactor{1.5, 0.7}, InterpolateMode::bilinear, false); }},

    {"affine_grid/align0", [](Generator& g) { return In{gc_noncontiguous(g, {2, 2, 3})}; },
     [](const In& x) { return affine_grid(x[0], {2, 3, 3, 4}, false); }},
    {"affine_grid/align1", [](Generator& g) { return In{gc_uniform(g, {1, 2, 3})}; },
     [](const In& x) { return affine_grid(x[0], {1, 1, 4, 2}, true); }},

    grid_case("grid_sample/bilinear_zeros_align0", GridPadding::zeros, false, false),
    grid_case("grid_sample/bilinear_zeros_align1", GridPadding::zeros, true, true),
    grid_case("grid_sample/bilinear_border_align0", GridPadding::border, false, true),
    grid_case("grid_sample/bilinear_border_align1", GridPadding::border, true, false),
    {"grid_sample/nearest_zeros",
     [](Generator& g) { return In{gc_noncontiguous(g, {1, 2, 3, 4}), safe_grid(g, {1, 3, 3}, 3, 4, false, Points::nearest)}; },
     [](const In& x) { return grid_sample(x[0], x[1], InterpolateMode::nearest, GridPadding::zeros, false); }},

    // repeated indices: the backward must add, not overwrite
    {"gather/repeated_dim1", [](Generator& g) { return In{gc_noncontiguous(g, {3, 4})}; },
     [](const In& x) { return gather(x[0], 1, index_of({0, 0, 3, 2, 2, 2, 1, 3, 1}, {3, 3}, x[0])); }},
    {"gather/dim0_smaller_index", [](Generator& g) { return In{gc_uniform(g, {3, 4, 2})}; },
     [](const In& x) { return gather(x[0], 0, index_of({2, 2, 0, 1, 1, 1}, {1, 3, 2}, x[0])); }},
    {"scatter_add/repeated_dim1",
     [](Generator& g) { return In{gc_noncontiguous(g, {3, 4}), gc_uniform(g, {3, 5})}; },  // src larger than index
     [](const In& x) { return scatter_add(x[0], 1, index_of({1, 1, 3, 0, 0, 0, 2, 3, 2}, {3, 3}, x[0]), x[1]); }},
    {"scatter_add/dim0", [](Generator& g) { return In{gc_uniform(g, {2, 3}), gc_noncontiguous(g, {3, 3})}; },
     [](const In& x) { return scatter_add(x[0], 0, index_of({1, 0, 1, 1, 1, 0, 0, 1, 1}, {3, 3}, x[0]), x[1]); }},
    {"index_select/repeated", [](Generator& g) { return In{gc_noncontiguous(g, {3, 4})}; },
     [](const In& x) { return index_select(x[0], 1, index_of({3, 0, 3, 3, 1}, {5}, x[0])); }},
    {"index_select/dim0", [](Generator& g) { return In{gc_uniform(g, {3, 2, 2})}; },
     [](const In& x) { return index_select(x[0], 0, index_of({2, 2}, {2}, x[0])); }},
    {"index_add/repeated", [](Generator& g) { return In{gc_noncontiguous(g, {3, 4}), gc_uniform(g, {3, 3})}; },
     [](const In& x) { return index_add(x[0], 1, index_of({2, 0, 2}, {3}, x[0]), x[1]); }},
});

}  // namespace
}  // namespace hg
