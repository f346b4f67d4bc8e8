// The per-element arithmetic of interpolate, affine_grid and grid_sample (ops/sample.h), written
// once as HG_HOST_DEVICE functions: the CPU kernels (ops/cpu/interpolate.cpp, affine_grid.cpp,
// grid_sample.cpp) and the CUDA kernels (ops/cuda/sample.cu) call the same code, so the CPU tests
// cover the arithmetic the GPU runs. No Tensor, no Eigen: nvcc compiles this header as C++17.
// Modes are passed as flags (nearest, border, align_corners) so this header needs no op header.
#pragma once
#include <cmath>
#include <cstdint>

#include "tensor/host_device.h"

namespace hg::sampling {

// ---- interpolate: one output index along an axis -> the two source indices it reads ----

template <class C>
struct Tap {
  int64_t i0 = 0, i1 = 0;  // source indices
  C w1 = 0;                // weight of i1; i0 gets 1 − w1
};

// torch's nearest rule, in float as torch computes it: min(floor(d · scale), in − 1), with
// scale = 1 / scale_factor when one was given, else in / out.
HG_HOST_DEVICE int64_t nearest_source(int64_t d, int64_t in, int64_t out, double scale_factor) {
  using std::floor;
  if (out == in) return d;
  if (out == 2 * in) return d >> 1;
  const float scale = scale_factor > 0 ? static_cast<float>(1.0 / scale_factor)
                                       : static_cast<float>(in) / static_cast<float>(out);
  const int64_t s = static_cast<int64_t>(floor(static_cast<float>(d) * scale));
  return s < in - 1 ? s : in - 1;
}

// The tap of output index d (ops/sample.h): nearest reads one index; bilinear blends floor(s) and
// the next index (the last index repeats at the edge) with s
//   align_corners:  d · (in − 1)/(out − 1)   (0 when out == 1)
//   otherwise:      max((d + 0.5) · scale − 0.5, 0)
template <class C>
HG_HOST_DEVICE Tap<C> axis_tap(int64_t d, int64_t in, int64_t out, bool nearest, bool align_corners,
                               double scale_factor) {
  Tap<C> t;
  if (nearest) {
    t.i0 = t.i1 = nearest_source(d, in, out, scale_factor);
    return t;
  }
  if (out == in) {  // same size: a copy
    t.i0 = t.i1 = d;
    return t;
  }
  C scale;  // source units per destination unit
  if (align_corners) scale = out > 1 ? static_cast<C>(in - 1) / static_cast<C>(out - 1) : C(0);
  else scale = scale_factor > 0 ? static_cast<C>(1.0 / scale_factor) : static_cast<C>(in) / static_cast<C>(out);
  C src = align_corners ? scale * static_cast<C>(d) : scale * (static_cast<C>(d) + C(0.5)) - C(0.5);
  if (src < C(0)) src = C(0);  // (only reachable without align_corners)
  t.i0 = static_cast<int64_t>(src);
  t.i1 = t.i0 + (t.i0 < in - 1 ? 1 : 0);
  const C frac = src - static_cast<C>(t.i0);
  t.w1 = frac < C(0) ? C(0) : (frac > C(1) ? C(1) : frac);
  return t;
}

// ---- affine_grid ----

// Normalised coordinate of pixel i of n: −1 + 2i/(n−1), scaled by (n−1)/n without align_corners
// (so the outer pixel edges, not centres, sit at −1 and 1); 0 when n == 1.
HG_HOST_DEVICE double base_coord(int64_t i, int64_t n, bool align_corners) {
  if (n <= 1) return 0.0;
  const double v = -1.0 + 2.0 * static_cast<double>(i) / static_cast<double>(n - 1);
  return align_corners ? v : v * static_cast<double>(n - 1) / static_cast<double>(n);
}

// ---- grid_sample ----

template <class C>
struct SamplePoint {
  C ix = 0, iy = 0;        // pixel coordinates (after border clamping)
  int64_t x0 = 0, y0 = 0;  // bilinear: floor(ix), floor(iy); nearest: the rounded pixel
  C dix = 0, diy = 0;      // d ix / d grid_x, d iy / d grid_y (0 where border clamps)
  bool outside = false;    // no pixel of the image is touched (zeros padding, or a NaN)
};

// Pixel coordinate of grid value g along an axis of `size` pixels; *d gets d(pixel)/d(g).
//   align_corners:  (g + 1)/2 · (size − 1)        −1, 1 -> centres of the corner pixels
//   otherwise:      ((g + 1) · size − 1)/2        −1, 1 -> outer edges of the corner pixels
// Border padding clamps to [0, size − 1] (the ends count as clamped: derivative 0).
template <class C>
HG_HOST_DEVICE C unnormalize(C g, int64_t size, bool align_corners, bool border, C* d) {
  C ix;
  if (align_corners) {
    ix = ((g + C(1)) / C(2)) * static_cast<C>(size - 1);
    *d = static_cast<C>(size - 1) / C(2);
  } else {
    ix = ((g + C(1)) * static_cast<C>(size) - C(1)) / C(2);
    *d = static_cast<C>(size) / C(2);
  }
  if (border) {
    const C hi = static_cast<C>(size - 1);
    if (ix <= C(0)) { ix = C(0); *d = C(0); }
    else if (ix >= hi) { ix = hi; *d = C(0); }
  }
  return ix;
}

// Grid value (gx, gy) -> the point it samples in an h × w image.
template <class C>
HG_HOST_DEVICE SamplePoint<C> resolve_point(C gx, C gy, int64_t h, int64_t w, bool nearest, bool border,
                                            bool align_corners) {
  using std::floor;
  using std::nearbyint;
  SamplePoint<C> s;
  s.ix = unnormalize(gx, w, align_corners, border, &s.dix);
  s.iy = unnormalize(gy, h, align_corners, border, &s.diy);
  // Outside [−1, size) no bilinear corner (and no rounded pixel) lies in the image; this also
  // keeps floor() of huge values and NaNs away from the integer conversion.
  s.outside = !(s.ix >= C(-1) && s.ix < static_cast<C>(w) && s.iy >= C(-1) && s.iy < static_cast<C>(h));
  if (s.outside) return s;
  if (nearest) {  // round half to even, as torch (nearbyint in the default rounding mode)
    s.x0 = static_cast<int64_t>(nearbyint(s.ix));
    s.y0 = static_cast<int64_t>(nearbyint(s.iy));
  } else {
    s.x0 = static_cast<int64_t>(floor(s.ix));
    s.y0 = static_cast<int64_t>(floor(s.iy));
  }
  return s;
}

// Bilinear corner weights: nw = wx0·wy0, ne = wx1·wy0, sw = wx0·wy1, se = wx1·wy1 with
// wx0 = x0 + 1 − ix, wx1 = ix − x0, wy0 = y0 + 1 − iy, wy1 = iy − y0.
template <class C>
struct Corners {
  C wx0, wx1, wy0, wy1;
  HG_HOST_DEVICE explicit Corners(const SamplePoint<C>& s)
      : wx0(static_cast<C>(s.x0 + 1) - s.ix), wx1(s.ix - static_cast<C>(s.x0)),
        wy0(static_cast<C>(s.y0 + 1) - s.iy), wy1(s.iy - static_cast<C>(s.y0)) {}
};

// Corner k of a point (0 nw, 1 ne, 2 sw, 3 se; nearest uses only k = 0): its pixel and weight.
template <class C>
HG_HOST_DEVICE C corner(const SamplePoint<C>& s, bool nearest, int k, int64_t* y, int64_t* x) {
  *y = s.y0 + (k >> 1);
  *x = s.x0 + (k & 1);
  if (nearest) return C(1);
  const Corners<C> q(s);
  return ((k & 1) ? q.wx1 : q.wx0) * ((k >> 1) ? q.wy1 : q.wy0);
}

HG_HOST_DEVICE bool inside_image(int64_t y, int64_t x, int64_t h, int64_t w) {
  return y >= 0 && y < h && x >= 0 && x < w;
}

// Pixel (y, x) of a row-major h × w plane in the compute type, 0 outside the image.
template <class C, class T>
HG_HOST_DEVICE C pixel_or_zero(const T* plane, int64_t h, int64_t w, int64_t y, int64_t x) {
  return inside_image(y, x, h, w) ? static_cast<C>(plane[y * w + x]) : C(0);
}

// The sampled value of one plane (row-major h × w, element type T):
// bilinear Σ_k v_k w_k over the in-image corners, nearest the rounded pixel, 0 outside.
template <class C, class T>
HG_HOST_DEVICE C sample_plane(const T* plane, int64_t h, int64_t w, const SamplePoint<C>& s, bool nearest) {
  if (s.outside) return C(0);
  if (nearest) return pixel_or_zero<C>(plane, h, w, s.y0, s.x0);
  const Corners<C> q(s);
  return pixel_or_zero<C>(plane, h, w, s.y0, s.x0) * q.wx0 * q.wy0 +
         pixel_or_zero<C>(plane, h, w, s.y0, s.x0 + 1) * q.wx1 * q.wy0 +
         pixel_or_zero<C>(plane, h, w, s.y0 + 1, s.x0) * q.wx0 * q.wy1 +
         pixel_or_zero<C>(plane, h, w, s.y0 + 1, s.x0 + 1) * q.wx1 * q.wy1;
}

// d(sampled value)/d(ix, iy) of one plane at a bilinear point (zero outside the image):
//   dy/dix = (v_ne − v_nw) wy0 + (v_se − v_sw) wy1,   dy/diy = (v_sw − v_nw) wx0 + (v_se − v_ne) wx1
template <class C, class T>
HG_HOST_DEVICE void sample_plane_slope(const T* plane, int64_t h, int64_t w, const SamplePoint<C>& s, C* d_ix,
                                       C* d_iy) {
  const Corners<C> q(s);
  const C nw = pixel_or_zero<C>(plane, h, w, s.y0, s.x0), ne = pixel_or_zero<C>(plane, h, w, s.y0, s.x0 + 1);
  const C sw = pixel_or_zero<C>(plane, h, w, s.y0 + 1, s.x0), se = pixel_or_zero<C>(plane, h, w, s.y0 + 1, s.x0 + 1);
  *d_ix = (ne - nw) * q.wy0 + (se - sw) * q.wy1;
  *d_iy = (sw - nw) * q.wx0 + (se - ne) * q.wx1;
}

}  // namespace hg::sampling
