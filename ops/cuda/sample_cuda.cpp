// Host side of the CUDA resampling and padding ops (ops/cuda/sample_cuda.h, pad_cuda.h): makes the
// operands contiguous on the device, builds the small per-axis index lists of the gather
// backwards from the shared functors (ops/sample_functors.h, ops/pad_functors.h) and launches the
// kernels of ops/cuda/sample.cu and pad.cu. The ops have already checked their arguments.
#include <vector>

#include "ops/cuda/copy_kernels.h"
#include "ops/cuda/pad_cuda.h"
#include "ops/cuda/sample_cuda.h"
#include "ops/cuda/sample_kernels.h"
#include "ops/cuda/tensor_args.h"
#include "ops/sample_functors.h"
#include "tensor/factory.h"
#include "tensor/view.h"

namespace hg::cuda {
namespace {

Tensor device_contiguous(const Tensor& t, DType dtype) { return ops::contiguous(ops::to_dtype(t, dtype)); }

// A host vector as a 1-D device tensor of `dtype`.
template <class V>
Tensor upload(const std::vector<V>& v, DType dtype, Device device) {
  return ops::to_device(from_vector(v, {static_cast<int64_t>(v.size())}, dtype), device);
}

// CSR lists "input index -> (output index, weight)" of one axis, in increasing output index.
struct AxisLists {
  std::vector<int64_t> begin, src;
  std::vector<double> weight;
};

AxisLists invert(int64_t in, const std::vector<std::vector<std::pair<int64_t, double>>>& per_input) {
  AxisLists l;
  l.begin.assign(in + 1, 0);
  for (int64_t i = 0; i < in; ++i) {
    l.begin[i + 1] = l.begin[i] + static_cast<int64_t>(per_input[i].size());
    for (const auto& [o, w] : per_input[i]) {
      l.src.push_back(o);
      l.weight.push_back(w);
    }
  }
  return l;
}

// Interpolate: output d reads taps i0 (weight 1 − w1) and i1 (weight w1); nearest reads i0 with 1.
template <class C>
AxisLists interpolate_lists(int64_t in, int64_t out, bool nearest, bool align_corners, double scale) {
  std::vector<std::vector<std::pair<int64_t, double>>> per_input(in);
  for (int64_t d = 0; d < out; ++d) {
    const sampling::Tap<C> t = sampling::axis_tap<C>(d, in, out, nearest, align_corners, scale);
    if (nearest) {
      per_input[t.i0].emplace_back(d, 1.0);
      continue;
    }
    per_input[t.i0].emplace_back(d, static_cast<double>(C(1) - t.w1));
    per_input[t.i1].emplace_back(d, static_cast<double>(t.w1));
  }
  return invert(in, per_input);
}

// Pad: output position p reads src[p] (−1 = the constant, read by nobody).
AxisLists pad_lists(int64_t in, const std::vector<int64_t>& src) {
  std::vector<std::vector<std::pair<int64_t, double>>> per_input(in);
  for (size_t p = 0; p < src.size(); ++p)
    if (src[p] >= 0) per_input[src[p]].emplace_back(static_cast<int64_t>(p), 1.0);
  return invert(in, per_input);
}

// Uploads both axes' lists and runs the gather into a new tensor of `shape`.
Tensor gather(const Tensor& grad_c, const Shape& shape, int64_t planes, int64_t h, int64_t w, int64_t oh, int64_t ow,
              const AxisLists& rows, const AxisLists& cols, bool weighted, const char* what) {
  const Device dev = grad_c.device();
  const DType weight_dtype = grad_c.dtype() == DType::f64 ? DType::f64 : DType::f32;  // the compute type
  const Tensor rb = upload(rows.begin, DType::i64, dev), rs = upload(rows.src, DType::i64, dev);
  const Tensor cb = upload(cols.begin, DType::i64, dev), cs = upload(cols.src, DType::i64, dev);
  Tensor rw, cw;
  if (weighted) rw = upload(rows.weight, weight_dtype, dev), cw = upload(cols.weight, weight_dtype, dev);
  Tensor out = Tensor::empty(shape, grad_c.options());
  SeparableGather g{planes,           h, w, oh, ow, rb.data<int64_t>(), rs.data<int64_t>(),
                    weighted ? rw.raw_data() : nullptr, cb.data<int64_t>(), cs.data<int64_t>(),
                    weighted ? cw.raw_data() : nullptr};
  launch_separable_gather(out.raw_data(), grad_c.raw_data(), grad_c.dtype(), g, what, dev.index);
  return out;
}

GridSampleShape grid_shape(const Tensor& x, const Tensor& grid, InterpolateMode mode, GridPadding padding,
                           bool align_corners) {
  return {x.size(0), x.size(1), x.size(2), x.size(3), grid.size(1), grid.size(2),
          mode == InterpolateMode::nearest, padding == GridPadding::border, align_corners};
}

}  // namespace

Tensor interpolate(const Tensor& x, int64_t out_h, int64_t out_w, InterpolateMode mode, bool align_corners,
                   double scale_h, double scale_w) {
  const Tensor xc = ops::contiguous(x);
  Tensor out = Tensor::empty({x.size(0), x.size(1), out_h, out_w}, x.options());
  const InterpolateShape s{x.size(0) * x.size(1), x.size(2), x.size(3), out_h, out_w,
                           mode == InterpolateMode::nearest, align_corners, scale_h, scale_w};
  launch_interpolate(out.raw_data(), xc.raw_data(), x.dtype(), s, x.device().index);
  return out;
}

Tensor interpolate_backward(const Tensor& grad, const Shape& input_shape, InterpolateMode mode, bool align_corners,
                            double scale_h, double scale_w) {
  const bool nearest = mode == InterpolateMode::nearest;
  const int64_t h = input_shape[2], w = input_shape[3], oh = grad.size(2), ow = grad.size(3);
  AxisLists rows, cols;
  if (grad.dtype() == DType::f64) {
    rows = interpolate_lists<double>(h, oh, nearest, align_corners, scale_h);
    cols = interpolate_lists<double>(w, ow, nearest, align_corners, scale_w);
  } else {
    rows = interpolate_lists<float>(h, oh, nearest, align_corners, scale_h);
    cols = interpolate_lists<float>(w, ow, nearest, align_corners, scale_w);
  }
  return gather(ops::contiguous(grad), input_shape, input_shape[0] * input_shape[1], h, w, oh, ow, rows, cols,
                !nearest, "interpolate_backward");
}

Tensor affine_grid(const Tensor& theta, const Shape& size, bool align_corners) {
  const Tensor tc = ops::contiguous(theta);
  Tensor grid = Tensor::empty({size[0], size[2], size[3], 2}, theta.options());
  launch_affine_grid(grid.raw_data(), tc.raw_data(), theta.dtype(), size[0], size[2], size[3], align_corners,
                     theta.device().index);
  return grid;
}

Tensor affine_grid_backward(const Tensor& grad, const Shape& size, bool align_corners) {
  const Tensor gc = ops::contiguous(grad);
  Tensor dtheta = Tensor::empty({size[0], 2, 3}, grad.options());
  launch_affine_grid_backward(dtheta.raw_data(), gc.raw_data(), grad.dtype(), size[0], size[2], size[3],
                              align_corners, grad.device().index);
  return dtheta;
}

Tensor grid_sample(const Tensor& x, const Tensor& grid, InterpolateMode mode, GridPadding padding,
                   bool align_corners) {
  const Tensor xc = ops::contiguous(x), gc = ops::contiguous(grid);
  const GridSampleShape s = grid_shape(x, grid, mode, padding, align_corners);
  Tensor out = Tensor::empty({s.n, s.c, s.ho, s.wo}, x.options());
  launch_grid_sample(out.raw_data(), xc.raw_data(), gc.raw_data(), x.dtype(), s, x.device().index);
  return out;
}

ops::GridSampleGrads grid_sample_backward(const Tensor& grad, const Tensor& x, const Tensor& grid,
                                          InterpolateMode mode, GridPadding padding, bool align_corners,
                                          bool need_input, bool need_grid) {
  const Tensor xc = ops::contiguous(x), gc = ops::contiguous(grid), goc = device_contiguous(grad, x.dtype());
  const GridSampleShape s = grid_shape(x, grid, mode, padding, align_corners);
  const int device = x.device().index;
  ops::GridSampleGrads res;
  if (need_input) {
    res.input = Tensor::empty(x.sizes(), x.options());
    const size_t bytes = grid_sample_input_grad_scratch(s, device);
    const Tensor scratch = Tensor::empty({static_cast<int64_t>(bytes)}, TensorOptions(DType::u8, x.device()));
    launch_grid_sample_input_grad(res.input.raw_data(), gc.raw_data(), goc.raw_data(), x.dtype(), s,
                                  scratch.raw_data(), bytes, device);
  }
  if (need_grid) {
    res.grid = Tensor::empty(grid.sizes(), grid.options());
    if (mode == InterpolateMode::nearest) launch_fill(strided_arg(res.grid), 0.0, device);  // piecewise constant
    else launch_grid_sample_grid_grad(res.grid.raw_data(), xc.raw_data(), gc.raw_data(), goc.raw_data(), x.dtype(),
                                      s, device);
  }
  return res;
}

Tensor pad(const Tensor& x, const ops::PadGeometry& g, double value) {
  const Tensor xc = ops::contiguous(x);
  const Tensor rows = upload(g.src_row, DType::i64, x.device()), cols = upload(g.src_col, DType::i64, x.device());
  Tensor out = Tensor::empty(g.out_shape, x.options());
  const PadShape s{g.planes, g.h, g.w, g.oh, g.ow, rows.data<int64_t>(), cols.data<int64_t>()};
  launch_pad(out.raw_data(), xc.raw_data(), x.dtype(), s, value, x.device().index);
  return out;
}

Tensor pad_backward(const Tensor& grad, const Shape& input_shape, const ops::PadGeometry& g) {
  return gather(ops::contiguous(grad), input_shape, g.planes, g.h, g.w, g.oh, g.ow, pad_lists(g.h, g.src_row),
                pad_lists(g.w, g.src_col), false, "pad_backward");
}

}  // namespace hg::cuda
