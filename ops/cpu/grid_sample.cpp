// CPU grid_sample (bilinear / nearest, zeros / border padding) and its backward w.r.t. the input
// and the grid.
//
// Every grid point is first resolved to a SamplePoint (pixel coordinates, the top-left corner and
// d(pixel)/d(grid)); then
//   forward:     each point reads its C channels                     (points in parallel)
//   d input:     each (n, c) plane adds its points' weighted grads   (planes in parallel, points in order)
//   d grid:      each point sums over its channels                   (points in parallel, channels in order)
// so nothing depends on the thread count.
#include <cmath>
#include <vector>

#include "ops/device_check.h"
#include "ops/sample.h"
#include "tensor/factory.h"
#include "tensor/view.h"

namespace hg {

GridPadding parse_grid_padding(const std::string& name) {
  if (name == "zeros") return GridPadding::zeros;
  if (name == "border") return GridPadding::border;
  throw std::invalid_argument("grid_sample: unknown padding mode '" + name + "' (allowed: zeros, border)");
}

const char* grid_padding_name(GridPadding padding) { return padding == GridPadding::zeros ? "zeros" : "border"; }

}  // namespace hg

namespace hg::ops {

namespace {

template <class C>
struct SamplePoint {
  C ix = 0, iy = 0;          // pixel coordinates (after border clamping)
  int64_t x0 = 0, y0 = 0;    // bilinear: floor(ix), floor(iy); nearest: the rounded pixel
  C dix = 0, diy = 0;        // d ix / d grid_x, d iy / d grid_y (0 where border clamps)
  bool outside = false;      // no pixel of the image is touched (zeros padding, or a NaN)
};

// Pixel coordinate of grid value g along an axis of `size` pixels; *d gets d(pixel)/d(g).
template <class C>
C unnormalize(C g, int64_t size, bool align_corners, GridPadding padding, C* d) {
  C ix;
  if (align_corners) {
    ix = ((g + C(1)) / C(2)) * static_cast<C>(size - 1);  // -1, 1 -> centres of the corner pixels
    *d = static_cast<C>(size - 1) / C(2);
  } else {
    ix = ((g + C(1)) * static_cast<C>(size) - C(1)) / C(2);  // -1, 1 -> outer edges of the corner pixels
    *d = static_cast<C>(size) / C(2);
  }
  if (padding == GridPadding::border) {  // clamp to [0, size - 1]; the ends count as clamped
    const C hi = static_cast<C>(size - 1);
    if (ix <= C(0)) { ix = C(0); *d = C(0); }
    else if (ix >= hi) { ix = hi; *d = C(0); }
  }
  return ix;
}

template <class C>
SamplePoint<C> resolve(C gx, C gy, int64_t h, int64_t w, InterpolateMode mode, GridPadding padding,
                       bool align_corners) {
  SamplePoint<C> s;
  s.ix = unnormalize(gx, w, align_corners, padding, &s.dix);
  s.iy = unnormalize(gy, h, align_corners, padding, &s.diy);
  // Outside [-1, size) no bilinear corner (and no rounded pixel) lies in the image; this also
  // keeps floor() of huge values and NaNs away from the integer conversion.
  s.outside = !(s.ix >= C(-1) && s.ix < static_cast<C>(w) && s.iy >= C(-1) && s.iy < static_cast<C>(h));
  if (s.outside) return s;
  if (mode == InterpolateMode::nearest) {  // round half to even, as torch (std::nearbyint)
    s.x0 = static_cast<int64_t>(std::nearbyint(s.ix));
    s.y0 = static_cast<int64_t>(std::nearbyint(s.iy));
  } else {
    s.x0 = static_cast<int64_t>(std::floor(s.ix));
    s.y0 = static_cast<int64_t>(std::floor(s.iy));
  }
  return s;
}

void check_args(const char* what, const Tensor& x, const Tensor& grid, InterpolateMode mode) {
  check_same_device(what, x, grid);
  require_cpu(what, x, grid);
  if (x.dim() != 4 || grid.dim() != 4 || grid.size(3) != 2 || grid.size(0) != x.size(0))
    throw std::invalid_argument(std::string(what) + ": expected input [N, C, H, W] and grid [N, Ho, Wo, 2], got " +
                                x.shape_string() + " and " + grid.shape_string());
  if (x.size(2) <= 0 || x.size(3) <= 0)
    throw std::invalid_argument(std::string(what) + ": empty image " + x.shape_string() + " (grid " +
                                grid.shape_string() + ")");
  check_floating(what, x);
  if (x.dtype() != grid.dtype())
    throw std::invalid_argument(std::string(what) + ": input and grid dtypes differ (" + dtype_name(x.dtype()) +
                                " and " + dtype_name(grid.dtype()) + ")");
}

// The resolved points of the whole grid, in [n][ho][wo] order.
template <class T, class C = compute_t<T>>
std::vector<SamplePoint<C>> resolve_all(const Tensor& grid_c, int64_t h, int64_t w, InterpolateMode mode,
                                        GridPadding padding, bool align_corners) {
  const int64_t count = grid_c.numel() / 2;
  const T* g = static_cast<const T*>(grid_c.raw_data());
  std::vector<SamplePoint<C>> pts(count);
#pragma omp parallel for schedule(static) if (count > 16384)
  for (int64_t k = 0; k < count; ++k)
    pts[k] = resolve<C>(static_cast<C>(g[2 * k]), static_cast<C>(g[2 * k + 1]), h, w, mode, padding, align_corners);
  return pts;
}

// Bilinear corner weights: nw = (x1 - ix)(y1 - iy), ne = (ix - x0)(y1 - iy), sw = (x1 - ix)(iy - y0),
// se = (ix - x0)(iy - y0), with x1 = x0 + 1, y1 = y0 + 1.
template <class C>
struct Corners {
  C wx0, wx1, wy0, wy1;  // x1 - ix, ix - x0, y1 - iy, iy - y0
  explicit Corners(const SamplePoint<C>& s)
      : wx0(static_cast<C>(s.x0 + 1) - s.ix), wx1(s.ix - static_cast<C>(s.x0)),
        wy0(static_cast<C>(s.y0 + 1) - s.iy), wy1(s.iy - static_cast<C>(s.y0)) {}
};

}  // namespace

Tensor grid_sample(const Tensor& x, const Tensor& grid, InterpolateMode mode, GridPadding padding,
                   bool align_corners) {
  check_args("grid_sample", x, grid, mode);
  const int64_t n = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
  const int64_t ho = grid.size(1), wo = grid.size(2), per_image = ho * wo;
  const Tensor xc = contiguous(x), gc = contiguous(grid);
  Tensor out = Tensor::empty({n, c, ho, wo}, x.options());
  dispatch_float(x.dtype(), "grid_sample", [&]<class T>() {
    using C = compute_t<T>;
    const auto pts = resolve_all<T>(gc, h, w, mode, padding, align_corners);
    const T* in = static_cast<const T*>(xc.raw_data());
    T* o = static_cast<T*>(out.raw_data());
#pragma omp parallel for schedule(static) if (out.numel() > 32768)
    for (int64_t k = 0; k < n * per_image; ++k) {
      const SamplePoint<C>& s = pts[k];
      const int64_t b = k / per_image, p = k % per_image;
      // value of pixel (y, x) of a plane, 0 outside the image
      auto at = [&](const T* plane, int64_t y, int64_t xx) -> C {
        return (y >= 0 && y < h && xx >= 0 && xx < w) ? static_cast<C>(plane[y * w + xx]) : C(0);
      };
      for (int64_t ch = 0; ch < c; ++ch) {
        const T* plane = in + (b * c + ch) * h * w;
        C v = 0;
        if (!s.outside) {
          if (mode == InterpolateMode::nearest) {
            v = at(plane, s.y0, s.x0);
          } else {
            const Corners<C> q(s);
            v = at(plane, s.y0, s.x0) * q.wx0 * q.wy0 + at(plane, s.y0, s.x0 + 1) * q.wx1 * q.wy0 +
                at(plane, s.y0 + 1, s.x0) * q.wx0 * q.wy1 + at(plane, s.y0 + 1, s.x0 + 1) * q.wx1 * q.wy1;
          }
        }
        o[(b * c + ch) * per_image + p] = static_cast<T>(v);
      }
    }
  });
  return out;
}

// With y = sum_corners v_k w_k(ix, iy):
//   dL/dx[corner k]  += w_k g
//   dL/dgrid_x = sum_c g (dy/dix) * dix/dgrid_x,  dy/dix = (v_ne - v_nw) wy0 + (v_se - v_sw) wy1
//   dL/dgrid_y = sum_c g (dy/diy) * diy/dgrid_y,  dy/diy = (v_sw - v_nw) wx0 + (v_se - v_ne) wx1
GridSampleGrads grid_sample_backward(const Tensor& grad, const Tensor& x, const Tensor& grid, InterpolateMode mode,
                                     GridPadding padding, bool align_corners, bool need_input, bool need_grid) {
  check_args("grid_sample_backward", x, grid, mode);
  const int64_t n = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
  const int64_t ho = grid.size(1), wo = grid.size(2), per_image = ho * wo;
  if (grad.sizes() != Shape{n, c, ho, wo})
    throw std::invalid_argument("grid_sample_backward: gradient shape " + grad.shape_string() +
                                " does not match input " + x.shape_string() + " and grid " + grid.shape_string());
  const Tensor xc = contiguous(x), gc = contiguous(grid), goc = contiguous(to_dtype(grad, x.dtype()));
  GridSampleGrads res;
  dispatch_float(x.dtype(), "grid_sample_backward", [&]<class T>() {
    using C = compute_t<T>;
    const auto pts = resolve_all<T>(gc, h, w, mode, padding, align_corners);
    const T* in = static_cast<const T*>(xc.raw_data());
    const T* go = static_cast<const T*>(goc.raw_data());
    auto inside = [&](int64_t y, int64_t xx) { return y >= 0 && y < h && xx >= 0 && xx < w; };

    if (need_input) {
      res.input = Tensor::empty(x.sizes(), x.options());
      T* gi = static_cast<T*>(res.input.raw_data());
#pragma omp parallel for schedule(static) if (n * c * per_image > 32768)
      for (int64_t plane = 0; plane < n * c; ++plane) {
        const int64_t b = plane / c;
        std::vector<C> acc(h * w, C(0));
        auto add = [&](int64_t y, int64_t xx, C v) {
          if (inside(y, xx)) acc[y * w + xx] += v;
        };
        const T* g = go + plane * per_image;
        for (int64_t p = 0; p < per_image; ++p) {
          const SamplePoint<C>& s = pts[b * per_image + p];
          if (s.outside) continue;
          const C gv = static_cast<C>(g[p]);
          if (mode == InterpolateMode::nearest) {
            add(s.y0, s.x0, gv);
            continue;
          }
          const Corners<C> q(s);
          add(s.y0, s.x0, q.wx0 * q.wy0 * gv);
          add(s.y0, s.x0 + 1, q.wx1 * q.wy0 * gv);
          add(s.y0 + 1, s.x0, q.wx0 * q.wy1 * gv);
          add(s.y0 + 1, s.x0 + 1, q.wx1 * q.wy1 * gv);
        }
        T* dst = gi + plane * h * w;
        for (int64_t k = 0; k < h * w; ++k) dst[k] = static_cast<T>(acc[k]);
      }
    }

    if (need_grid) {
      res.grid = zeros(grid.sizes(), grid.options());
      if (mode == InterpolateMode::nearest) return;  // piecewise constant: zero almost everywhere
      T* gg = static_cast<T*>(res.grid.raw_data());
#pragma omp parallel for schedule(static) if (n * c * per_image > 32768)
      for (int64_t k = 0; k < n * per_image; ++k) {
        const SamplePoint<C>& s = pts[k];
        if (s.outside) continue;
        const int64_t b = k / per_image, p = k % per_image;
        const Corners<C> q(s);
        C gix = 0, giy = 0;
        for (int64_t ch = 0; ch < c; ++ch) {
          const T* plane = in + (b * c + ch) * h * w;
          auto at = [&](int64_t y, int64_t xx) -> C { return inside(y, xx) ? static_cast<C>(plane[y * w + xx]) : C(0); };
          const C nw = at(s.y0, s.x0), ne = at(s.y0, s.x0 + 1), sw = at(s.y0 + 1, s.x0), se = at(s.y0 + 1, s.x0 + 1);
          const C gv = static_cast<C>(go[(b * c + ch) * per_image + p]);
          gix += gv * ((ne - nw) * q.wy0 + (se - sw) * q.wy1);
          giy += gv * ((sw - nw) * q.wx0 + (se - ne) * q.wx1);
        }
        gg[2 * k] = static_cast<T>(gix * s.dix);
        gg[2 * k + 1] = static_cast<T>(giy * s.diy);
      }
    }
  });
  return res;
}

}  // namespace hg::ops
