// Host side of the CUDA pooling: the CPU op's checks (ops/pool_shape.h), contiguous operands,
// the kernels of ops/cuda/pool.cu. max_pool2d_backward accumulates f16/bf16 gradients in f32 and
// rounds once, like the CPU op (scattered sums would otherwise round at every addition).
#include <stdexcept>
#include <string>

#include "ops/cuda/pool_cuda.h"
#include "ops/cuda/pool_kernels.h"
#include "ops/cuda/tensor_args.h"
#include "ops/device_check.h"
#include "ops/pool_shape.h"
#include "tensor/factory.h"
#include "tensor/view.h"

namespace hg::cuda {
namespace {

using namespace ops::pool_shape;

PoolGeometry geometry(const Planes& p, int64_t Ho, int64_t Wo, const Window& w) {
  return {p.count, p.H, p.W, Ho, Wo, w.kh, w.kw, w.sh, w.sw, w.ph, w.pw, w.dh, w.dw};
}
PoolGeometry adaptive_geometry(const Planes& p, int64_t Ho, int64_t Wo) {
  return {p.count, p.H, p.W, Ho, Wo, 1, 1, 1, 1, 0, 0, 1, 1};
}

}  // namespace

ops::ValuesIndices max_pool2d(const Tensor& x, Size2 kernel, Size2 stride, Size2 padding, Size2 dilation,
                              bool ceil_mode) {
  const char* what = "max_pool2d";
  const Window w = make_window(what, x.sizes(), kernel, stride, padding, dilation, ceil_mode);
  const Shape out_shape = pooled_shape(what, x.sizes(), w);
  const Planes pl = planes_of(what, x.sizes());
  check_floating_input(what, x);
  const Tensor xc = ops::contiguous(x);
  ops::ValuesIndices r{Tensor::empty(out_shape, x.options()),
                       Tensor::empty(out_shape, TensorOptions(DType::i64, x.device()))};
  launch_max_pool(strided_arg(xc), strided_arg(r.values), strided_arg(r.indices),
                  geometry(pl, out_shape[out_shape.size() - 2], out_shape.back(), w), x.device().index);
  return r;
}

Tensor max_pool2d_backward(const Tensor& gy, const Tensor& indices, const Shape& input_sizes) {
  const char* what = "max_pool2d_backward";
  const Planes pl = check_max_pool_backward_args(what, gy, indices, input_sizes);
  check_floating_input(what, gy);
  ops::check_same_device(what, gy, indices);
  const DType dt = gy.dtype(), work = dt == DType::f64 ? DType::f64 : DType::f32;
  const Tensor gc = ops::contiguous(ops::to_dtype(gy, work)), ic = ops::contiguous(indices);
  Tensor gx = Tensor::empty(input_sizes, TensorOptions(work, gy.device()));
  Tensor bad = zeros({1}, TensorOptions(DType::i32, gy.device()));
  launch_max_pool_backward(strided_arg(gc), strided_arg(ic), strided_arg(gx),
                           adaptive_geometry(pl, gy.size(-2), gy.size(-1)), static_cast<int32_t*>(bad.raw_data()),
                           gy.device().index);
  if (bad.to_vector<int32_t>()[0] != 0)  // waits for the kernel: the CPU op throws here too
    throw std::invalid_argument(std::string(what) + ": an index is outside the input plane " +
                                shape_str(input_sizes));
  return ops::to_dtype(gx, dt);
}

Tensor avg_pool2d(const Tensor& x, Size2 kernel, Size2 stride, Size2 padding, bool ceil_mode, bool count_include_pad) {
  const char* what = "avg_pool2d";
  const Window w = make_window(what, x.sizes(), kernel, stride, padding, 1, ceil_mode);
  const Shape out_shape = pooled_shape(what, x.sizes(), w);
  const Planes pl = planes_of(what, x.sizes());
  check_floating_input(what, x);
  const Tensor xc = ops::contiguous(x);
  Tensor y = Tensor::empty(out_shape, x.options());
  launch_avg_pool(strided_arg(xc), strided_arg(y), geometry(pl, out_shape[out_shape.size() - 2], out_shape.back(), w),
                  count_include_pad, x.device().index);
  return y;
}

Tensor avg_pool2d_backward(const Tensor& gy, const Shape& input_sizes, Size2 kernel, Size2 stride, Size2 padding,
                           bool ceil_mode, bool count_include_pad) {
  const char* what = "avg_pool2d_backward";
  const Window w = make_window(what, input_sizes, kernel, stride, padding, 1, ceil_mode);
  const Shape out_shape = check_avg_pool_backward_args(what, gy, input_sizes, w);
  const Planes pl = planes_of(what, input_sizes);
  check_floating_input(what, gy);
  const Tensor gc = ops::contiguous(gy);
  Tensor gx = Tensor::empty(input_sizes, gy.options());
  launch_avg_pool_backward(strided_arg(gc), strided_arg(gx),
                           geometry(pl, out_shape[out_shape.size() - 2], out_shape.back(), w), count_include_pad,
                           gy.device().index);
  return gx;
}

Tensor adaptive_avg_pool2d(const Tensor& x, int64_t out_h, int64_t out_w) {
  const char* what = "adaptive_avg_pool2d";
  const Shape out_shape = adaptive_pooled_shape(what, x.sizes(), out_h, out_w);
  const Planes pl = planes_of(what, x.sizes());
  check_floating_input(what, x);
  const Tensor xc = ops::contiguous(x);
  Tensor y = Tensor::empty(out_shape, x.options());
  launch_adaptive_avg_pool(strided_arg(xc), strided_arg(y), adaptive_geometry(pl, out_h, out_w), x.device().index);
  return y;
}

Tensor adaptive_avg_pool2d_backward(const Tensor& gy, const Shape& input_sizes) {
  const char* what = "adaptive_avg_pool2d_backward";
  const Planes pl = check_adaptive_backward_args(what, gy, input_sizes);
  check_floating_input(what, gy);
  const Tensor gc = ops::contiguous(gy);
  Tensor gx = Tensor::empty(input_sizes, gy.options());
  launch_adaptive_avg_pool_backward(strided_arg(gc), strided_arg(gx), adaptive_geometry(pl, gy.size(-2), gy.size(-1)),
                                    gy.device().index);
  return gx;
}

}  // namespace hg::cuda
