// CPU soft rasteriser: the forward kernel and, below it, its backward (formulas in ops/rasterize.h,
// per-pair arithmetic in ops/rasterize_functors.h).
//
// Per image: faces are set up and binned into tiles (ops/cpu/rasterize_bins.h), then the tiles run
// in parallel (OpenMP, dynamic schedule). A tile walks its faces in increasing id, each over the
// pixels of its grown box inside the tile (no pixel is tested against a face whose box misses
// it), keeping per-pixel running state; every pixel thus sees its faces in increasing id and the
// forward does not depend on the thread count. The backward accumulates each (tile, face) pair's
// gradient over those pixels into one record, written only by the thread that owns the tile, and
// finally sums each face's records in tile order and scatters them to the vertices in face order:
// deterministic as well.
#include <cmath>
#include <vector>

#include "ops/cpu/rasterize_bins.h"
#include "ops/cpu/rasterize_checks.h"
#include "ops/cpu/rasterize_pixel.h"
#include "ops/cuda/dispatch.h"
#include "ops/cuda/rasterize_cuda.h"
#include "ops/device_check.h"
#include "ops/rasterize.h"
#include "tensor/view.h"

namespace hg::ops {
namespace {

using raster_cpu::FaceBox;
using raster_cpu::TileBins;
using raster::SoftConstants;

void check_settings(const char* what, const SoftRasterSettings& s, int64_t channels) {
  raster_cpu::check_image(what, s.height, s.width, s.near, s.far, s.background, channels, s.tile_size);
  if (!(s.sigma > 0) || !std::isfinite(s.sigma))
    throw std::invalid_argument(std::string(what) + ": sigma must be positive and finite, got " +
                                std::to_string(s.sigma));
  if (!(s.gamma > 0) || !std::isfinite(s.gamma))
    throw std::invalid_argument(std::string(what) + ": gamma must be positive and finite, got " +
                                std::to_string(s.gamma));
  if (!(s.cull_probability >= 1e-30 && s.cull_probability < 0.5))
    throw std::invalid_argument(std::string(what) + ": cull_probability must be in [1e-30, 0.5), got " +
                                std::to_string(s.cull_probability));
  if (!std::isfinite(s.background_epsilon))
    throw std::invalid_argument(std::string(what) + ": background_epsilon must be finite");
}

struct Shapes {
  int64_t batch, vertices, faces, channels;
};

Shapes check_inputs(const char* what, const Tensor& screen, const Tensor& faces, const Tensor& attrs,
                    const SoftRasterSettings& s, std::vector<int64_t>* face_ids) {
  raster_cpu::check_screen(what, screen, true);
  *face_ids = raster_cpu::checked_faces(what, faces, screen.size(1));
  raster_cpu::check_attrs(what, attrs, screen, faces.size(0), s.per_face_attributes, true);
  check_same_device(what, screen, faces, attrs);
  const Shapes sh{screen.size(0), screen.size(1), faces.size(0), attrs.size(2)};
  check_settings(what, s, sh.channels);
  return sh;
}

// Calls visit(pixel index within the tile, box, fragment) for every evaluated (pixel, face) pair
// of face entry e in tile rectangle r: the face's grown box clipped to the tile, row by row. As
// the entries of a tile are in increasing face id, each pixel sees its faces in that order.
// `active` (per pixel of the tile, or null for all) skips pixels before any arithmetic.
template <class C, class Visit>
inline void for_each_fragment(const TileBins<C>& bins, int64_t e, const raster_cpu::TileRect& r,
                              const SoftConstants<C>& k, const char* active, int64_t* tested, int64_t* evaluated,
                              Visit&& visit) {
  const FaceBox<C>& b = bins.boxes[bins.entry_box[e]];
  const raster::ScreenTriangle<C> tri = b.tri;  // a local copy: the visitor's stores cannot alias it
  const int64_t r0 = std::max(b.y0, r.row0), r1 = std::min(b.y1 + 1, r.row1);
  const int64_t c0 = std::max(b.x0, r.col0), c1 = std::min(b.x1 + 1, r.col1);
  const C inv_sigma = k.inv_sigma, radius2 = k.radius2;
  int64_t n_eval = 0;
  for (int64_t row = r0; row < r1; ++row)
    for (int64_t col = c0; col < c1; ++col) {
      const int64_t q = (row - r.row0) * r.width() + (col - r.col0);
      if (active && !active[q]) continue;
      raster::SoftFragment<C> s;
      if (!raster::soft_fragment(tri, static_cast<C>(col), static_cast<C>(row), inv_sigma, radius2, &s)) continue;
      ++n_eval;
      visit(q, b, s);
    }
  *tested += std::max<int64_t>(0, r1 - r0) * std::max<int64_t>(0, c1 - c0);
  *evaluated += n_eval;
}

// Threads pay off only when there are several tiles with some work (tiny images, as in the
// gradient checks, run faster on one thread). The result does not depend on it.
template <class C>
bool worth_threads(const TileBins<C>& bins) {
  return bins.tiles() > 1 && bins.entries() * bins.tile * bins.tile >= 8192;
}

template <class C, class T>
std::vector<C> to_compute(const T* p, int64_t n) {
  std::vector<C> v(n);
  for (int64_t i = 0; i < n; ++i) v[i] = static_cast<C>(p[i]);
  return v;
}

}  // namespace

SoftRaster rasterize_soft(const Tensor& screen, const Tensor& faces, const Tensor& attrs,
                          const SoftRasterSettings& settings) {
  const char* what = "rasterize_soft";
  std::vector<int64_t> face_ids;
  const Shapes sh = check_inputs(what, screen, faces, attrs, settings, &face_ids);
  HG_ON_CUDA(screen, cuda::rasterize_soft(screen, face_ids, attrs, settings));
  const int64_t H = settings.height, W = settings.width, CH = sh.channels, plane = H * W;
  const std::vector<double> background = raster_cpu::background_or_zeros(settings.background, CH);
  const Tensor sc = contiguous(screen), ac = contiguous(attrs);
  SoftRaster r;
  r.image = Tensor::empty({sh.batch, CH + 2, H, W}, screen.options());
  r.state = Tensor::empty({sh.batch, H, W, 3}, DType::f64);
  int64_t tested = 0, evaluated = 0;
  dispatch_float(screen.dtype(), what, [&]<class T>() {
    using C = compute_t<T>;
    const SoftConstants<C> k = raster_cpu::soft_constants<C>(settings);
    const double radius = std::sqrt(static_cast<double>(k.radius2));
    const int64_t attr_rows = settings.per_face_attributes ? sh.faces : sh.vertices;
    for (int64_t b = 0; b < sh.batch; ++b) {
      const T* scr = sc.data<T>() + b * sh.vertices * 3;
      const std::vector<C> attr = to_compute<C>(ac.data<T>() + b * attr_rows * CH, attr_rows * CH);
      const TileBins<C> bins = raster_cpu::bin_faces<C>(scr, face_ids.data(), sh.faces, H, W, settings.near,
                                                        settings.far, radius, settings.tile_size, what);
      T* out = r.image.data<T>() + b * (CH + 2) * plane;
      double* state = r.state.data<double>() + b * plane * 3;
#pragma omp parallel for schedule(dynamic, 1) reduction(+ : tested, evaluated) if (worth_threads(bins))
      for (int64_t t = 0; t < bins.tiles(); ++t) {
        const raster_cpu::TileRect rect = bins.rect(t);
        const int64_t n = rect.pixels();
        // per pixel of the tile: the running blend and Σ W_f a_fc (c < C), Σ W_f z_f
        std::vector<raster::SoftBlend<C>> blend(n, raster::SoftBlend<C>(k.eps));
        std::vector<C> acc(n * (CH + 1), C(0));
        for (int64_t e = bins.tile_begin[t]; e < bins.tile_begin[t + 1]; ++e)
          for_each_fragment(bins, e, rect, k, nullptr, &tested, &evaluated,
                            [&](int64_t q, const FaceBox<C>& box, const raster::SoftFragment<C>& s) {
                              raster::soft_pixel_add(&blend[q], acc.data() + q * (CH + 1), 1, s, k, attr.data(),
                                                     box.face, box.v, CH);
                            });
        for (int64_t row = rect.row0; row < rect.row1; ++row)
          for (int64_t col = rect.col0; col < rect.col1; ++col) {
            const int64_t q = (row - rect.row0) * rect.width() + (col - rect.col0), p = row * W + col;
            const raster::SoftBlend<C>& bl = blend[q];
            C total;
            raster::soft_pixel_finish(bl, acc.data() + q * (CH + 1), 1, background.data(), k, CH, out + p, plane,
                                      &total);
            state[3 * p] = static_cast<double>(bl.m);
            state[3 * p + 1] = static_cast<double>(total);
            state[3 * p + 2] = static_cast<double>(bl.keep);  // Π (1 − D_f)
          }
      }
    }
  });
  r.stats.pairs_tested = tested;
  r.stats.pairs_evaluated = evaluated;
  return r;
}

SoftRasterGrads rasterize_soft_backward(const Tensor& grad_image, const Tensor& screen, const Tensor& faces,
                                        const Tensor& attrs, const SoftRaster& forward,
                                        const SoftRasterSettings& settings, bool need_screen, bool need_attrs) {
  const char* what = "rasterize_soft_backward";
  std::vector<int64_t> face_ids;
  const Shapes sh = check_inputs(what, screen, faces, attrs, settings, &face_ids);
  const int64_t H = settings.height, W = settings.width, CH = sh.channels, plane = H * W;
  const Shape image_shape{sh.batch, CH + 2, H, W};
  if (!grad_image.defined() || grad_image.sizes() != image_shape || !forward.image.defined() ||
      forward.image.sizes() != image_shape || !forward.state.defined() ||
      forward.state.sizes() != Shape{sh.batch, H, W, 3} || forward.state.dtype() != DType::f64)
    throw std::invalid_argument(std::string(what) + ": gradient " +
                                (grad_image.defined() ? grad_image.shape_string() : std::string("undefined")) +
                                " and the forward's image/state must be " + shape_str(image_shape) + " / " +
                                shape_str({sh.batch, H, W, 3}) + " f64");
  check_same_device(what, screen, grad_image, forward.image);
  if (!forward.state.device().is_cpu() && forward.state.device() != screen.device())
    throw std::invalid_argument(std::string(what) + ": the forward state is on " + forward.state.device().str() +
                                ", the screen vertices on " + screen.device().str());
  HG_ON_CUDA(screen, cuda::rasterize_soft_backward(grad_image, screen, face_ids, attrs, forward, settings, need_screen,
                                                   need_attrs));
  const Tensor sc = contiguous(screen), ac = contiguous(attrs), img = contiguous(to_dtype(forward.image, screen.dtype()));
  const Tensor gc = contiguous(to_dtype(grad_image, screen.dtype())), st = contiguous(forward.state);
  SoftRasterGrads g;
  if (!need_screen && !need_attrs) return g;
  const int64_t attr_rows = settings.per_face_attributes ? sh.faces : sh.vertices;
  if (need_screen) g.screen = Tensor::empty(screen.sizes(), screen.options());
  if (need_attrs) g.attrs = Tensor::empty(attrs.sizes(), attrs.options());
  dispatch_float(screen.dtype(), what, [&]<class T>() {
    using C = compute_t<T>;
    const SoftConstants<C> k = raster_cpu::soft_constants<C>(settings);
    const double radius = std::sqrt(static_cast<double>(k.radius2));
    // one record per entry: dL/d(x, y, z) of the 3 vertices, then the attribute gradients
    // (3 vertices × C per vertex, or C per face)
    const int64_t attr_len = k.per_face ? CH : 3 * CH, stride = 9 + attr_len;
    for (int64_t b = 0; b < sh.batch; ++b) {
      const T* scr = sc.data<T>() + b * sh.vertices * 3;
      const std::vector<C> attr = to_compute<C>(ac.data<T>() + b * attr_rows * CH, attr_rows * CH);
      const TileBins<C> bins = raster_cpu::bin_faces<C>(scr, face_ids.data(), sh.faces, H, W, settings.near,
                                                        settings.far, radius, settings.tile_size, what);
      const T* gimg = gc.data<T>() + b * (CH + 2) * plane;
      const T* out = img.data<T>() + b * (CH + 2) * plane;
      const double* state = st.data<double>() + b * plane * 3;
      std::vector<double> records(bins.entries() * stride);  // every record is written below
      int64_t tested = 0, evaluated = 0;
#pragma omp parallel for schedule(dynamic, 1) reduction(+ : tested, evaluated) if (worth_threads(bins))
      for (int64_t t = 0; t < bins.tiles(); ++t) {
        if (bins.tile_begin[t] == bins.tile_begin[t + 1]) continue;
        const raster_cpu::TileRect rect = bins.rect(t);
        const int64_t n = rect.pixels(), G = CH + 2;
        // per pixel of the tile: dL/d(attrs, alpha, depth), the outputs (attrs, depth) and
        // (m, 1/W, Π (1 − D)); pixels whose gradient is all zero are skipped
        std::vector<C> g_out(n * G), outs(n * (CH + 1)), px_state(n * 3);
        std::vector<char> active(n, 0);
        for (int64_t row = rect.row0; row < rect.row1; ++row)
          for (int64_t col = rect.col0; col < rect.col1; ++col) {
            const int64_t q = (row - rect.row0) * rect.width() + (col - rect.col0), p = row * W + col;
            for (int64_t c = 0; c < G; ++c) {
              g_out[q * G + c] = static_cast<C>(gimg[c * plane + p]);
              active[q] = active[q] || g_out[q * G + c] != C(0);
            }
            for (int64_t c = 0; c < CH; ++c) outs[q * (CH + 1) + c] = static_cast<C>(out[c * plane + p]);
            outs[q * (CH + 1) + CH] = static_cast<C>(out[(CH + 1) * plane + p]);
            px_state[3 * q] = static_cast<C>(state[3 * p]);
            px_state[3 * q + 1] = static_cast<C>(1.0 / state[3 * p + 1]);
            px_state[3 * q + 2] = static_cast<C>(state[3 * p + 2]);
          }
        std::vector<C> g_attr(attr_len);
        for (int64_t e = bins.tile_begin[t]; e < bins.tile_begin[t + 1]; ++e) {
          // this face's gradient over the tile's pixels, accumulated locally, then stored once
          C gx[3] = {0, 0, 0}, gy[3] = {0, 0, 0}, gz[3] = {0, 0, 0};
          std::fill(g_attr.begin(), g_attr.end(), C(0));
          for_each_fragment(bins, e, rect, k, active.data(), &tested, &evaluated,
                            [&](int64_t q, const FaceBox<C>& box, const raster::SoftFragment<C>& s) {
            const C* o = outs.data() + q * (CH + 1);
            raster::soft_pair_backward(box.tri, s, static_cast<C>(rect.col0 + q % rect.width()),
                                       static_cast<C>(rect.row0 + q / rect.width()), g_out.data() + q * G, 1, o, 1,
                                       o[CH], px_state[3 * q], px_state[3 * q + 1], px_state[3 * q + 2], k,
                                       attr.data(), box.face, box.v, CH, need_screen, g_attr.data(), gx, gy, gz);
          });
          double* rec = records.data() + bins.entry_slot[e] * stride;
          for (int j = 0; j < 3; ++j) {
            rec[3 * j] = static_cast<double>(gx[j]);
            rec[3 * j + 1] = static_cast<double>(gy[j]);
            rec[3 * j + 2] = static_cast<double>(gz[j]);
          }
          for (int64_t i = 0; i < attr_len; ++i) rec[9 + i] = static_cast<double>(g_attr[i]);
        }
      }
      // Reduce: each face's records in tile order, faces in increasing id.
      std::vector<double> g_screen(need_screen ? sh.vertices * 3 : 0, 0.0), g_attr(need_attrs ? attr_rows * CH : 0, 0.0);
      for (size_t i = 0; i < bins.boxes.size(); ++i) {
        const FaceBox<C>& box = bins.boxes[i];
        for (int64_t slot = bins.box_slot_begin[i]; slot < bins.box_slot_begin[i + 1]; ++slot) {
          const double* rec = records.data() + slot * stride;
          for (int j = 0; j < 3 && need_screen; ++j)
            for (int d = 0; d < 3; ++d) g_screen[box.v[j] * 3 + d] += rec[3 * j + d];
          if (!need_attrs) continue;
          if (k.per_face) {
            for (int64_t c = 0; c < CH; ++c) g_attr[box.face * CH + c] += rec[9 + c];
          } else {
            for (int j = 0; j < 3; ++j)
              for (int64_t c = 0; c < CH; ++c) g_attr[box.v[j] * CH + c] += rec[9 + j * CH + c];
          }
        }
      }
      if (need_screen) {
        T* dst = g.screen.data<T>() + b * sh.vertices * 3;
        for (int64_t i = 0; i < sh.vertices * 3; ++i) dst[i] = static_cast<T>(g_screen[i]);
      }
      if (need_attrs) {
        T* dst = g.attrs.data<T>() + b * attr_rows * CH;
        for (int64_t i = 0; i < attr_rows * CH; ++i) dst[i] = static_cast<T>(g_attr[i]);
      }
    }
  });
  return g;
}

}  // namespace hg::ops
