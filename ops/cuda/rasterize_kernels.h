// Launchers of the rasteriser kernels (ops/cuda/rasterize.cu) for one image. The host bins the
// faces (ops/cpu/rasterize_bins.h) and uploads them as DeviceFace records and CSR index arrays;
// everything here is device memory of the compute type C (float or double). No CUDA types.
#pragma once
#include <cstdint>

#include "ops/cpu/rasterize_pixel.h"
#include "tensor/dtype_code.h"

namespace hg::cuda {

// A drawn face: its prepared triangle, ids and the inclusive pixel box it is binned by.
template <class C>
struct DeviceFace {
  raster::ScreenTriangle<C> tri;
  int64_t face;
  int64_t v[3];
  int64_t x0, x1, y0, y1;
};

struct RasterBins {
  int64_t height, width, tile, tiles_x;
  const void* faces;          // DeviceFace<C>[boxes], increasing face id
  const int64_t* tile_begin;  // [tiles + 1] ranges into entry_box
  const int64_t* entry_box;   // box of each entry, tile-major
};

// Soft forward of one image. out: [C + 2, H, W] of `dtype`; state: [H, W, 3] f64; acc: scratch of
// (C + 1)·H·W compute values; attrs [rows, C] and background [C] (f64); counters[2] (u64) get the
// pairs tested / evaluated added.
template <class C>
void launch_soft_forward(const RasterBins& bins, const raster::SoftConstants<C>& k, const C* attrs,
                         const double* background, int64_t channels, void* out, DType dtype, double* state, C* acc,
                         unsigned long long* counters, int device);

// Soft backward, per entry: records[entry_slot[e]] (stride 9 + attr_len doubles) = Σ over the
// entry's pixels of dL/d(x, y, z) of the 3 vertices, then dL/d(attrs) (C per face, 3·C per vertex).
// grad / image are [C + 2, H, W] of `dtype`; state [H, W, 3] f64.
template <class C>
void launch_soft_backward_records(const RasterBins& bins, const raster::SoftConstants<C>& k, const C* attrs,
                                  int64_t channels, const void* grad, const void* image, DType dtype,
                                  const double* state, const int64_t* entry_tile, const int64_t* entry_slot,
                                  int64_t entries, bool need_screen, double* records, int device);

// out[row · width + j] = Σ_{(box, corner) ∈ list(row)} Σ_{slot of box} records[slot · stride + offset(corner) + j]
// for j < width, where list(row) = [list_begin[row], list_begin[row + 1]) holds box · 3 + corner
// (corner 0 when per face), offset(corner) = base + corner · corner_step; stored as `dtype`.
// Sums in list order, then slot order, in double: the CPU's order.
void launch_record_gather(const double* records, int64_t stride, const int64_t* box_slot_begin,
                          const int64_t* list_begin, const int64_t* list, int64_t rows, int64_t width, int64_t base,
                          int64_t corner_step, void* out, DType dtype, int device);

// Hard z-buffer of one image: attrs_out [C, H, W] and depth [H, W] of `dtype`, face_id [H, W] i64.
template <class C>
void launch_hard(const RasterBins& bins, const C* attrs, bool per_face, const double* background, int64_t channels,
                 void* attrs_out, void* depth, DType dtype, int64_t* face_id, int device);

}  // namespace hg::cuda
