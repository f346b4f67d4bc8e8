// CPU hard z-buffer rasteriser (for data generation; no gradient). Faces are binned into tiles by
// their bounding boxes (ops/cpu/rasterize_bins.h, radius 0); tiles run in parallel and each pixel
// keeps the nearest covering face, visiting faces in increasing id and replacing only on a
// strictly smaller depth, so ties go to the smaller id and the result is thread-count independent.
#include <cmath>
#include <limits>
#include <vector>

#include "ops/cpu/rasterize_bins.h"
#include "ops/cpu/rasterize_checks.h"
#include "ops/cuda/dispatch.h"
#include "ops/cuda/rasterize_cuda.h"
#include "ops/device_check.h"
#include "ops/rasterize.h"
#include "tensor/view.h"

namespace hg::ops {

HardRaster rasterize_hard(const Tensor& screen, const Tensor& faces, const Tensor& attrs,
                          const HardRasterSettings& settings) {
  const char* what = "rasterize_hard";
  raster_cpu::check_screen(what, screen, false);
  const std::vector<int64_t> face_ids = raster_cpu::checked_faces(what, faces, screen.size(0));
  raster_cpu::check_attrs(what, attrs, screen, faces.size(0), settings.per_face_attributes, false);
  check_same_device(what, screen, faces, attrs);
  const int64_t H = settings.height, W = settings.width, CH = attrs.size(1), plane = H * W;
  raster_cpu::check_image(what, H, W, settings.near, settings.far, settings.background, CH, settings.tile_size);
  HG_ON_CUDA(screen, cuda::rasterize_hard(screen, face_ids, attrs, settings));
  const std::vector<double> background = raster_cpu::background_or_zeros(settings.background, CH);
  const Tensor sc = contiguous(screen), ac = contiguous(attrs);
  HardRaster r;
  r.attrs = Tensor::empty({CH, H, W}, screen.options());
  r.depth = Tensor::empty({H, W}, screen.options());
  r.face_id = Tensor::empty({H, W}, DType::i64);
  dispatch_float(screen.dtype(), what, [&]<class T>() {
    using C = compute_t<T>;
    const raster_cpu::TileBins<C> bins = raster_cpu::bin_faces<C>(
        sc.data<T>(), face_ids.data(), faces.size(0), H, W, settings.near, settings.far, 0.0, settings.tile_size, what);
    const T* attr = ac.data<T>();
    T* out = r.attrs.data<T>();
    T* depth = r.depth.data<T>();
    int64_t* ids = r.face_id.data<int64_t>();
#pragma omp parallel for schedule(dynamic, 1) if (bins.tiles() > 1 && bins.entries() * bins.tile * bins.tile >= 8192)
    for (int64_t t = 0; t < bins.tiles(); ++t) {
      const raster_cpu::TileRect rect = bins.rect(t);
      const int64_t n = rect.pixels();
      // per pixel of the tile: the nearest depth so far, its face's box and weights
      std::vector<C> best_z(n, std::numeric_limits<C>::infinity()), best_mu(3 * n, C(0));
      std::vector<const raster_cpu::FaceBox<C>*> best(n, nullptr);
      for (int64_t e = bins.tile_begin[t]; e < bins.tile_begin[t + 1]; ++e) {
        const raster_cpu::FaceBox<C>& b = bins.boxes[bins.entry_box[e]];
        for (int64_t row = std::max(b.y0, rect.row0); row < std::min(b.y1 + 1, rect.row1); ++row)
          for (int64_t col = std::max(b.x0, rect.col0); col < std::min(b.x1 + 1, rect.col1); ++col) {
            C bary[3], mu[3];
            if (!raster::covers_pixel(b.tri, static_cast<C>(col), static_cast<C>(row), bary)) continue;
            const C z = raster::perspective_weights(b.tri, bary, mu);
            const int64_t q = (row - rect.row0) * rect.width() + (col - rect.col0);
            if (z < best_z[q]) {  // faces come in increasing id: ties keep the smaller id
              best_z[q] = z, best[q] = &b;
              for (int j = 0; j < 3; ++j) best_mu[3 * q + j] = mu[j];
            }
          }
      }
      for (int64_t row = rect.row0; row < rect.row1; ++row)
        for (int64_t col = rect.col0; col < rect.col1; ++col) {
          const int64_t q = (row - rect.row0) * rect.width() + (col - rect.col0), p = row * W + col;
          const raster_cpu::FaceBox<C>* f = best[q];
          ids[p] = f ? f->face : -1;
          depth[p] = static_cast<T>(f ? best_z[q] : C(0));
          for (int64_t c = 0; c < CH; ++c) {
            C v = static_cast<C>(background[c]);
            if (f && settings.per_face_attributes) {
              v = static_cast<C>(attr[f->face * CH + c]);
            } else if (f) {
              v = C(0);
              for (int j = 0; j < 3; ++j) v += best_mu[3 * q + j] * static_cast<C>(attr[f->v[j] * CH + c]);
            }
            out[c * plane + p] = static_cast<T>(v);
          }
        }
    }
  });
  return r;
}

}  // namespace hg::ops
