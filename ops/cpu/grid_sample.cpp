// CPU grid_sample (bilinear / nearest, zeros / border padding) and its backward w.r.t. the input
// and the grid.
//
// Every grid point is first resolved to a SamplePoint (pixel coordinates, the top-left corner and
// d(pixel)/d(grid)); then (per-point arithmetic shared with the CUDA kernels: ops/sample_functors.h)
//   forward:     each point reads its C channels                     (points in parallel)
//   d input:     each (n, c) plane adds its points' weighted grads   (planes in parallel, points in order)
//   d grid:      each point sums over its channels                   (points in parallel, channels in order)
// so nothing depends on the thread count.
#include <cmath>
#include <vector>

#include "ops/cuda/dispatch.h"
#include "ops/cuda/sample_cuda.h"
#include "ops/device_check.h"
#include "ops/sample.h"
#include "ops/sample_functors.h"
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

using sampling::SamplePoint;

void check_args(const char* what, const Tensor& x, const Tensor& grid) {
  check_same_device(what, x, grid);
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
    pts[k] = sampling::resolve_point<C>(static_cast<C>(g[2 * k]), static_cast<C>(g[2 * k + 1]), h, w,
                                        mode == InterpolateMode::nearest, padding == GridPadding::border,
                                        align_corners);
  return pts;
}

}  // namespace

Tensor grid_sample(const Tensor& x, const Tensor& grid, InterpolateMode mode, GridPadding padding,
                   bool align_corners) {
  check_args("grid_sample", x, grid);
  HG_ON_CUDA(x, cuda::grid_sample(x, grid, mode, padding, align_corners));
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
      for (int64_t ch = 0; ch < c; ++ch) {
        const C v = sampling::sample_plane<C>(in + (b * c + ch) * h * w, h, w, s, mode == InterpolateMode::nearest);
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
  check_args("grid_sample_backward", x, grid);
  const int64_t n = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
  const int64_t ho = grid.size(1), wo = grid.size(2), per_image = ho * wo;
  if (grad.sizes() != Shape{n, c, ho, wo})
    throw std::invalid_argument("grid_sample_backward: gradient shape " + grad.shape_string() +
                                " does not match input " + x.shape_string() + " and grid " + grid.shape_string());
  check_same_device("grid_sample_backward", x, grad);
  HG_ON_CUDA(x, cuda::grid_sample_backward(grad, x, grid, mode, padding, align_corners, need_input, need_grid));
  const bool nearest = mode == InterpolateMode::nearest;
  const Tensor xc = contiguous(x), gc = contiguous(grid), goc = contiguous(to_dtype(grad, x.dtype()));
  GridSampleGrads res;
  dispatch_float(x.dtype(), "grid_sample_backward", [&]<class T>() {
    using C = compute_t<T>;
    const auto pts = resolve_all<T>(gc, h, w, mode, padding, align_corners);
    const T* in = static_cast<const T*>(xc.raw_data());
    const T* go = static_cast<const T*>(goc.raw_data());

    if (need_input) {
      res.input = Tensor::empty(x.sizes(), x.options());
      T* gi = static_cast<T*>(res.input.raw_data());
#pragma omp parallel for schedule(static) if (n * c * per_image > 32768)
      for (int64_t plane = 0; plane < n * c; ++plane) {
        const int64_t b = plane / c;
        std::vector<C> acc(h * w, C(0));
        const T* g = go + plane * per_image;
        for (int64_t p = 0; p < per_image; ++p) {
          const SamplePoint<C>& s = pts[b * per_image + p];
          if (s.outside) continue;
          const C gv = static_cast<C>(g[p]);
          for (int k = 0; k < (nearest ? 1 : 4); ++k) {  // corners nw, ne, sw, se in this order
            int64_t y, xx;
            const C wk = sampling::corner(s, nearest, k, &y, &xx);
            if (sampling::inside_image(y, xx, h, w)) acc[y * w + xx] += wk * gv;
          }
        }
        T* dst = gi + plane * h * w;
        for (int64_t k = 0; k < h * w; ++k) dst[k] = static_cast<T>(acc[k]);
      }
    }

    if (need_grid) {
      res.grid = zeros(grid.sizes(), grid.options());
      if (nearest) return;  // piecewise constant: zero almost everywhere
      T* gg = static_cast<T*>(res.grid.raw_data());
#pragma omp parallel for schedule(static) if (n * c * per_image > 32768)
      for (int64_t k = 0; k < n * per_image; ++k) {
        const SamplePoint<C>& s = pts[k];
        if (s.outside) continue;
        const int64_t b = k / per_image, p = k % per_image;
        C gix = 0, giy = 0;
        for (int64_t ch = 0; ch < c; ++ch) {
          C d_ix, d_iy;
          sampling::sample_plane_slope<C>(in + (b * c + ch) * h * w, h, w, s, &d_ix, &d_iy);
          const C gv = static_cast<C>(go[(b * c + ch) * per_image + p]);
          gix += gv * d_ix;
          giy += gv * d_iy;
        }
        gg[2 * k] = static_cast<T>(gix * s.dix);
        gg[2 * k + 1] = static_cast<T>(giy * s.diy);
      }
    }
  });
  return res;
}

}  // namespace hg::ops
