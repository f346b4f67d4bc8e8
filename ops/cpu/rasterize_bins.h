// Face set-up and tile binning shared by the CPU rasterisers (ops/cpu/rasterize_soft.cpp,
// ops/cpu/rasterize_hard.cpp).
//
// For one image: every drawn face (near <= z_k <= far, non-zero screen area) becomes a FaceBox
// holding its screen triangle and the pixel range its bounding box covers once grown by `radius`
// (the soft rasteriser's culling radius; 0 for the hard one). The image is cut into tiles of
// tile × tile pixels; each tile lists the boxes overlapping it in increasing face id (tile-major
// "entries"). Each entry also knows its position in face-major order (a face's entries sorted by
// tile), where the soft backward keeps one gradient record per entry, so that a face's
// contributions are summed in a fixed order whatever thread handled each tile.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "ops/rasterize_functors.h"

namespace hg::ops::raster_cpu {

template <class C>
struct FaceBox {
  raster::ScreenTriangle<C> tri;
  int64_t face = 0;          // face id
  int64_t v[3] = {0, 0, 0};  // vertex ids
  int64_t x0 = 0, x1 = -1;   // inclusive pixel columns
  int64_t y0 = 0, y1 = -1;   // inclusive pixel rows
  bool contains(int64_t col, int64_t row) const { return col >= x0 && col <= x1 && row >= y0 && row <= y1; }
};

// The pixel rectangle [row0, row1) × [col0, col1) of a tile.
struct TileRect {
  int64_t row0, row1, col0, col1;
  int64_t width() const { return col1 - col0; }
  int64_t pixels() const { return (row1 - row0) * (col1 - col0); }
};

template <class C>
struct TileBins {
  int64_t tile = 8, tiles_x = 0, tiles_y = 0;
  std::vector<FaceBox<C>> boxes;        // drawn faces, increasing face id
  std::vector<int64_t> tile_begin;      // [tiles + 1] ranges into entry_box / entry_slot
  std::vector<int64_t> entry_box;       // box index of each entry, tile-major
  std::vector<int64_t> entry_slot;      // face-major position of each entry
  std::vector<int64_t> box_slot_begin;  // [boxes + 1] face-major ranges
  int64_t height = 0, width = 0;
  int64_t tiles() const { return tiles_x * tiles_y; }
  TileRect rect(int64_t t) const {
    const int64_t r0 = (t / tiles_x) * tile, c0 = (t % tiles_x) * tile;
    return {r0, std::min(r0 + tile, height), c0, std::min(c0 + tile, width)};
  }
  int64_t entries() const { return static_cast<int64_t>(entry_box.size()); }
};

// First and last pixel index whose centre lies in [lo, hi] along an axis of n pixels (first > last
// when none). Finite inputs only; clamped before the integer conversion.
inline void pixel_span(double lo, double hi, int64_t n, int64_t* first, int64_t* last) {
  const double a = std::ceil(std::max(lo, -1.0)), b = std::floor(std::min(hi, static_cast<double>(n)));
  *first = std::max<int64_t>(0, static_cast<int64_t>(a));
  *last = std::min<int64_t>(n - 1, static_cast<int64_t>(b));
}

// screen: this image's [V, 3] values (row-major, type T); faces [F, 3] (ids already checked).
template <class C, class T>
TileBins<C> bin_faces(const T* screen, const int64_t* faces, int64_t num_faces, int64_t height, int64_t width,
                      double near, double far, double radius, int64_t tile, const char* what) {
  TileBins<C> bins;
  bins.tile = tile;
  bins.height = height, bins.width = width;
  bins.tiles_x = (width + tile - 1) / tile;
  bins.tiles_y = (height + tile - 1) / tile;
  for (int64_t f = 0; f < num_faces; ++f) {
    FaceBox<C> b;
    b.face = f;
    bool in_range = true;
    for (int k = 0; k < 3; ++k) {
      b.v[k] = faces[3 * f + k];
      const T* p = screen + 3 * b.v[k];
      const double x = static_cast<double>(p[0]), y = static_cast<double>(p[1]), z = static_cast<double>(p[2]);
      if (std::isnan(z))
        throw std::invalid_argument(std::string(what) + ": vertex " + std::to_string(b.v[k]) + " of face " +
                                    std::to_string(f) + " has a NaN depth");
      if (!(z >= near && z <= far)) in_range = false;
      b.tri.x[k] = static_cast<C>(x), b.tri.y[k] = static_cast<C>(y), b.tri.z[k] = static_cast<C>(z);
    }
    if (!in_range) continue;  // not drawn: a vertex is closer than near or beyond far
    double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY;
    for (int k = 0; k < 3; ++k) {
      const double x = static_cast<double>(b.tri.x[k]), y = static_cast<double>(b.tri.y[k]);
      if (!std::isfinite(x) || !std::isfinite(y))
        throw std::invalid_argument(std::string(what) + ": vertex " + std::to_string(b.v[k]) + " of face " +
                                    std::to_string(f) + " has a non-finite screen position (" + std::to_string(x) +
                                    ", " + std::to_string(y) + ")");
      xlo = std::min(xlo, x), xhi = std::max(xhi, x), ylo = std::min(ylo, y), yhi = std::max(yhi, y);
    }
    if (!raster::prepare_triangle(&b.tri)) continue;  // degenerate: no interior, no edges to measure from
    pixel_span(xlo - radius, xhi + radius, width, &b.x0, &b.x1);
    pixel_span(ylo - radius, yhi + radius, height, &b.y0, &b.y1);
    if (b.x0 > b.x1 || b.y0 > b.y1) continue;  // off screen
    bins.boxes.push_back(b);
  }

  // Count the entries per tile, then place them: boxes in increasing face id, so each tile's list is sorted.
  const int64_t n_boxes = static_cast<int64_t>(bins.boxes.size());
  std::vector<int64_t> count(bins.tiles() + 1, 0);
  bins.box_slot_begin.assign(n_boxes + 1, 0);
  for (int64_t i = 0; i < n_boxes; ++i) {
    const FaceBox<C>& b = bins.boxes[i];
    const int64_t n = (b.x1 / tile - b.x0 / tile + 1) * (b.y1 / tile - b.y0 / tile + 1);
    bins.box_slot_begin[i + 1] = bins.box_slot_begin[i] + n;
    for (int64_t ty = b.y0 / tile; ty <= b.y1 / tile; ++ty)
      for (int64_t tx = b.x0 / tile; tx <= b.x1 / tile; ++tx) ++count[ty * bins.tiles_x + tx + 1];
  }
  for (int64_t t = 0; t < bins.tiles(); ++t) count[t + 1] += count[t];
  bins.tile_begin = count;
  bins.entry_box.resize(bins.box_slot_begin[n_boxes]);
  bins.entry_slot.resize(bins.box_slot_begin[n_boxes]);
  std::vector<int64_t> fill(count.begin(), count.end() - 1);
  for (int64_t i = 0; i < n_boxes; ++i) {
    const FaceBox<C>& b = bins.boxes[i];
    int64_t slot = bins.box_slot_begin[i];
    for (int64_t ty = b.y0 / tile; ty <= b.y1 / tile; ++ty)
      for (int64_t tx = b.x0 / tile; tx <= b.x1 / tile; ++tx) {
        const int64_t pos = fill[ty * bins.tiles_x + tx]++;
        bins.entry_box[pos] = i;
        bins.entry_slot[pos] = slot++;
      }
  }
  return bins;
}

}  // namespace hg::ops::raster_cpu
