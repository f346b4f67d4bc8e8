// CPU interpolate (nearest and bilinear resizing of NCHW images) and its backward.
//
// Each output row and column is first turned into a "tap": the two source indices it reads and the
// weight of the second (see ops/sample.h for the coordinate rules; sampling::axis_tap in
// ops/sample_functors.h, shared with the CUDA kernels). Then every (n, c) plane is
// independent: planes run in parallel, and within a plane the backward accumulates in output order.
#include <cmath>
#include <vector>

#include "ops/cuda/dispatch.h"
#include "ops/cuda/sample_cuda.h"
#include "ops/device_check.h"
#include "ops/sample.h"
#include "ops/sample_functors.h"
#include "tensor/view.h"

namespace hg {

InterpolateMode parse_interpolate_mode(const std::string& name) {
  if (name == "nearest") return InterpolateMode::nearest;
  if (name == "bilinear") return InterpolateMode::bilinear;
  throw std::invalid_argument("interpolate: unknown mode '" + name + "' (allowed: nearest, bilinear)");
}

const char* interpolate_mode_name(InterpolateMode mode) {
  return mode == InterpolateMode::nearest ? "nearest" : "bilinear";
}

}  // namespace hg

namespace hg::ops {

namespace {

using sampling::Tap;

// The taps of every output index along an axis (ops/sample_functors.h).
template <class C>
std::vector<Tap<C>> axis_taps(int64_t in, int64_t out, InterpolateMode mode, bool align_corners, double scale_factor) {
  std::vector<Tap<C>> taps(out);
  for (int64_t d = 0; d < out; ++d)
    taps[d] = sampling::axis_tap<C>(d, in, out, mode == InterpolateMode::nearest, align_corners, scale_factor);
  return taps;
}

void check_args(const char* what, const Shape& in, int64_t out_h, int64_t out_w, InterpolateMode mode,
                bool align_corners) {
  if (in.size() != 4)
    throw std::invalid_argument(std::string(what) + ": expected an NCHW input, got shape " + shape_str(in));
  if (out_h <= 0 || out_w <= 0 || in[2] <= 0 || in[3] <= 0)
    throw std::invalid_argument(std::string(what) + ": input " + shape_str(in) + " and output size [" +
                                std::to_string(out_h) + ", " + std::to_string(out_w) + "] must be non-empty");
  if (mode == InterpolateMode::nearest && align_corners)
    throw std::invalid_argument(std::string(what) + ": align_corners can only be set with mode bilinear");
}

}  // namespace

// y[oy, ox] = (1 - wy)((1 - wx) x[y0, x0] + wx x[y0, x1]) + wy((1 - wx) x[y1, x0] + wx x[y1, x1])
// (nearest: y[oy, ox] = x[y0, x0]).
Tensor interpolate(const Tensor& x, int64_t out_h, int64_t out_w, InterpolateMode mode, bool align_corners,
                   double scale_h, double scale_w) {
  check_args("interpolate", x.sizes(), out_h, out_w, mode, align_corners);
  HG_ON_CUDA(x, cuda::interpolate(x, out_h, out_w, mode, align_corners, scale_h, scale_w));
  const int64_t planes = x.size(0) * x.size(1), h = x.size(2), w = x.size(3);
  const Tensor xc = contiguous(x);
  Tensor out = Tensor::empty({x.size(0), x.size(1), out_h, out_w}, x.options());
  dispatch_float(x.dtype(), "interpolate", [&]<class T>() {
    using C = compute_t<T>;
    const auto ty = axis_taps<C>(h, out_h, mode, align_corners, scale_h);
    const auto tx = axis_taps<C>(w, out_w, mode, align_corners, scale_w);
    const T* in = static_cast<const T*>(xc.raw_data());
    T* o = static_cast<T*>(out.raw_data());
#pragma omp parallel for schedule(static) if (out.numel() > 32768)
    for (int64_t p = 0; p < planes; ++p) {
      const T* src = in + p * h * w;
      T* dst = o + p * out_h * out_w;
      for (int64_t oy = 0; oy < out_h; ++oy) {
        const Tap<C>& a = ty[oy];
        const T* r0 = src + a.i0 * w;
        const T* r1 = src + a.i1 * w;
        for (int64_t ox = 0; ox < out_w; ++ox) {
          const Tap<C>& b = tx[ox];
          if (mode == InterpolateMode::nearest) {
            dst[oy * out_w + ox] = r0[b.i0];
            continue;
          }
          const C top = (C(1) - b.w1) * static_cast<C>(r0[b.i0]) + b.w1 * static_cast<C>(r0[b.i1]);
          const C bottom = (C(1) - b.w1) * static_cast<C>(r1[b.i0]) + b.w1 * static_cast<C>(r1[b.i1]);
          dst[oy * out_w + ox] = static_cast<T>((C(1) - a.w1) * top + a.w1 * bottom);
        }
      }
    }
  });
  return out;
}

// dL/dx[i, j] = sum over outputs (oy, ox) that read x[i, j] of (its weight) * dL/dy[oy, ox].
Tensor interpolate_backward(const Tensor& grad, const Shape& input_shape, InterpolateMode mode, bool align_corners,
                            double scale_h, double scale_w) {
  if (grad.dim() != 4 || input_shape.size() != 4 || grad.size(0) != input_shape[0] ||
      grad.size(1) != input_shape[1])
    throw std::invalid_argument("interpolate_backward: gradient shape " + grad.shape_string() +
                                " does not match input shape " + shape_str(input_shape));
  const int64_t out_h = grad.size(2), out_w = grad.size(3);
  check_args("interpolate_backward", input_shape, out_h, out_w, mode, align_corners);
  HG_ON_CUDA(grad, cuda::interpolate_backward(grad, input_shape, mode, align_corners, scale_h, scale_w));
  const int64_t planes = input_shape[0] * input_shape[1], h = input_shape[2], w = input_shape[3];
  const Tensor gc = contiguous(grad);
  Tensor gi = Tensor::empty(input_shape, grad.options());
  dispatch_float(grad.dtype(), "interpolate_backward", [&]<class T>() {
    using C = compute_t<T>;
    const auto ty = axis_taps<C>(h, out_h, mode, align_corners, scale_h);
    const auto tx = axis_taps<C>(w, out_w, mode, align_corners, scale_w);
    const T* go = static_cast<const T*>(gc.raw_data());
    T* o = static_cast<T*>(gi.raw_data());
#pragma omp parallel for schedule(static) if (grad.numel() > 32768)
    for (int64_t p = 0; p < planes; ++p) {
      std::vector<C> acc(h * w, C(0));
      const T* g = go + p * out_h * out_w;
      for (int64_t oy = 0; oy < out_h; ++oy) {
        const Tap<C>& a = ty[oy];
        for (int64_t ox = 0; ox < out_w; ++ox) {
          const Tap<C>& b = tx[ox];
          const C v = static_cast<C>(g[oy * out_w + ox]);
          if (mode == InterpolateMode::nearest) {
            acc[a.i0 * w + b.i0] += v;
            continue;
          }
          acc[a.i0 * w + b.i0] += (C(1) - a.w1) * (C(1) - b.w1) * v;
          acc[a.i0 * w + b.i1] += (C(1) - a.w1) * b.w1 * v;
          acc[a.i1 * w + b.i0] += a.w1 * (C(1) - b.w1) * v;
          acc[a.i1 * w + b.i1] += a.w1 * b.w1 * v;
        }
      }
      T* dst = o + p * h * w;
      for (int64_t k = 0; k < h * w; ++k) dst[k] = static_cast<T>(acc[k]);
    }
  });
  return gi;
}

}  // namespace hg::ops
