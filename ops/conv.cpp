// conv2d: argument checks and dtype dispatch; the arithmetic is in ops/cpu/conv2d.cpp.
#include "ops/conv.h"

#include "ops/cpu/conv2d.h"
#include "ops/cuda/dispatch.h"
#include "ops/device_check.h"
#include "ops/reduce.h"
#include "tensor/view.h"

#if HANDGRAD_WITH_CUDA
#include "ops/cuda/conv_cuda.h"
#endif

namespace hg::ops {
namespace {

std::string two(int64_t a, int64_t b) { return std::to_string(a) + "x" + std::to_string(b); }

[[noreturn]] void fail(const char* what, const Shape& x, const Shape& w, const std::string& why) {
  throw std::invalid_argument(std::string(what) + ": input " + shape_str(x) + " and weight " + shape_str(w) + ": " +
                              why);
}

void check_params(const char* what, const Shape& x, const Shape& w, const Conv2dParams& p) {
  if (p.stride_h <= 0 || p.stride_w <= 0 || p.dilation_h <= 0 || p.dilation_w <= 0 || p.pad_h < 0 || p.pad_w < 0 ||
      p.groups <= 0)
    fail(what, x, w, "invalid parameters (" + p.str() + ")");
}

// Checks x [N, C, H, W] against w [O, C/G, kh, kw]; returns [N, O, Ho, Wo].
Shape output_shape(const char* what, const Shape& x, const Shape& w, const Conv2dParams& p) {
  if (x.size() != 4) fail(what, x, w, "expected input [N, C, H, W]");
  if (w.size() != 4) fail(what, x, w, "expected weight [O, C/groups, kh, kw]");
  check_params(what, x, w, p);
  const int64_t C = x[1], O = w[0];
  if (C % p.groups != 0 || O % p.groups != 0)
    fail(what, x, w, "groups " + std::to_string(p.groups) + " must divide input channels " + std::to_string(C) +
                         " and output channels " + std::to_string(O));
  if (w[1] * p.groups != C)
    fail(what, x, w, "input has " + std::to_string(C) + " channels but weight expects " + std::to_string(w[1]) +
                         " x groups " + std::to_string(p.groups) + " = " + std::to_string(w[1] * p.groups));
  if (w[2] <= 0 || w[3] <= 0) fail(what, x, w, "empty kernel");
  const int64_t Ho = p.out_h(x[2], w[2]), Wo = p.out_w(x[3], w[3]);
  if (Ho <= 0 || Wo <= 0)
    fail(what, x, w, "output size would be " + two(Ho, Wo) + " (input too small for the kernel with " + p.str() + ")");
  return {x[0], O, Ho, Wo};
}

cpu::ConvGeometry geometry(const Shape& x, const Shape& w, const Conv2dParams& p) {
  return {x[1], x[2], x[3], w[2], w[3], p.out_h(x[2], w[2]), p.out_w(x[3], w[3]),
          p.stride_h, p.stride_w, p.pad_h, p.pad_w, p.dilation_h, p.dilation_w};
}

void check_dtypes(const char* what, const Tensor& a, const Tensor& b) {
  check_floating(what, a);
  if (a.dtype() != b.dtype())
    throw std::invalid_argument(std::string(what) + ": dtypes differ (" + dtype_name(a.dtype()) + " " +
                                a.shape_string() + " and " + dtype_name(b.dtype()) + " " + b.shape_string() + ")");
}

// Runs kernel<T>(inputs...) for f32/f64; f16/bf16 inputs go through f32 and the result is converted back.
template <class K>
Tensor run_typed(DType dt, const char* what, K&& kernel) {
  if (dt == DType::f32) return kernel.template operator()<float>(DType::f32);
  if (dt == DType::f64) return kernel.template operator()<double>(DType::f64);
  if (dt == DType::f16 || dt == DType::bf16) return to_dtype(kernel.template operator()<float>(DType::f32), dt);
  throw std::invalid_argument(std::string(what) + ": expected a floating dtype, got " + dtype_name(dt));
}

}  // namespace
}  // namespace hg::ops

std::string hg::Conv2dParams::str() const {
  return "stride " + ops::two(stride_h, stride_w) + ", pad " + ops::two(pad_h, pad_w) + ", dilation " +
         ops::two(dilation_h, dilation_w) + ", groups " + std::to_string(groups);
}

namespace hg::ops {

Shape conv2d_output_shape(const Tensor& x, const Tensor& w, const Tensor& bias, const Conv2dParams& p) {
  Shape out = output_shape("conv2d", x.sizes(), w.sizes(), p);
  if (bias.defined() && (bias.dim() != 1 || bias.size(0) != w.size(0)))
    throw std::invalid_argument("conv2d: bias " + bias.shape_string() + " does not match weight " + w.shape_string() +
                                " (expected [" + std::to_string(w.size(0)) + "])");
  return out;
}

Tensor conv2d(const Tensor& x, const Tensor& w, const Tensor& bias, const Conv2dParams& p) {
  const char* what = "conv2d";
  const Shape out_shape = conv2d_output_shape(x, w, bias, p);
  check_same_device(what, x, w);
  check_dtypes(what, x, w);
  if (bias.defined()) {
    check_same_device(what, x, bias);
    check_dtypes(what, x, bias);
  }
  HG_ON_CUDA(x, cuda::conv2d(x, w, bias, p));
  require_cpu(what, x, w);
  const cpu::ConvGeometry g = geometry(x.sizes(), w.sizes(), p);
  return run_typed(x.dtype(), what, [&]<class T>(DType dt) {
    const Tensor xc = contiguous(to_dtype(x, dt)), wc = contiguous(to_dtype(w, dt));
    const Tensor bc = bias.defined() ? contiguous(to_dtype(bias, dt)) : Tensor();
    Tensor y = Tensor::empty(out_shape, dt);
    if (y.numel() > 0)
      cpu::conv2d_forward<T>(xc.data<T>(), wc.data<T>(), bc.defined() ? bc.data<T>() : nullptr, y.data<T>(),
                             out_shape[0], out_shape[1], p.groups, g);
    return y;
  });
}

Tensor conv2d_backward_input(const Tensor& gy, const Tensor& w, const Shape& input_sizes, const Conv2dParams& p) {
  const char* what = "conv2d_backward_input";
  const Shape expect = output_shape(what, input_sizes, w.sizes(), p);
  if (gy.sizes() != expect)
    throw std::invalid_argument(std::string(what) + ": grad_output " + gy.shape_string() + " does not match " +
                                shape_str(expect) + " (input " + shape_str(input_sizes) + ", weight " +
                                w.shape_string() + ")");
  check_same_device(what, gy, w);
  check_dtypes(what, gy, w);
  HG_ON_CUDA(gy, cuda::conv2d_backward_input(gy, w, input_sizes, p));
  require_cpu(what, gy, w);
  const cpu::ConvGeometry g = geometry(input_sizes, w.sizes(), p);
  return run_typed(gy.dtype(), what, [&]<class T>(DType dt) {
    const Tensor gc = contiguous(to_dtype(gy, dt)), wc = contiguous(to_dtype(w, dt));
    Tensor gx = Tensor::empty(input_sizes, dt);
    if (gx.numel() > 0)
      cpu::conv2d_backward_input<T>(gc.data<T>(), wc.data<T>(), gx.data<T>(), input_sizes[0], w.size(0), p.groups, g);
    return gx;
  });
}

Tensor conv2d_backward_weight(const Tensor& gy, const Tensor& x, const Shape& weight_sizes, const Conv2dParams& p) {
  const char* what = "conv2d_backward_weight";
  const Shape expect = output_shape(what, x.sizes(), weight_sizes, p);
  if (gy.sizes() != expect)
    throw std::invalid_argument(std::string(what) + ": grad_output " + gy.shape_string() + " does not match " +
                                shape_str(expect) + " (input " + x.shape_string() + ", weight " +
                                shape_str(weight_sizes) + ")");
  check_same_device(what, gy, x);
  check_dtypes(what, gy, x);
  HG_ON_CUDA(gy, cuda::conv2d_backward_weight(gy, x, weight_sizes, p));
  require_cpu(what, gy, x);
  const cpu::ConvGeometry g = geometry(x.sizes(), weight_sizes, p);
  return run_typed(gy.dtype(), what, [&]<class T>(DType dt) {
    const Tensor gc = contiguous(to_dtype(gy, dt)), xc = contiguous(to_dtype(x, dt));
    Tensor gw = Tensor::empty(weight_sizes, dt);
    if (gw.numel() > 0) {
      if (xc.numel() == 0) {  // empty batch: no contribution
        std::fill(gw.data<T>(), gw.data<T>() + gw.numel(), T(0));
      } else {
        cpu::conv2d_backward_weight<T>(gc.data<T>(), xc.data<T>(), gw.data<T>(), x.size(0), weight_sizes[0],
                                       p.groups, g);
      }
    }
    return gw;
  });
}

Tensor conv2d_backward_bias(const Tensor& gy) {
  check_dim("conv2d_backward_bias", gy, 4, "grad_output [N, O, Ho, Wo]");
  check_floating("conv2d_backward_bias", gy);
  HG_ON_CUDA(gy, cuda::conv2d_backward_bias(gy));
  return sum(gy, {0, 2, 3});
}

}  // namespace hg::ops
