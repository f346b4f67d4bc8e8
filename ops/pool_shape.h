// Argument checks and output shapes of 2-D pooling (ops/pool.h), one set for both backends: the CPU
// kernels (ops/cpu/pool.cpp) and the host side of the CUDA ones (ops/cuda/pool.cpp) call these, so
// a bad call fails with the same message on either device. Host code, Tensor-level (not for nvcc);
// the index arithmetic itself is in ops/pool_functors.h.
#pragma once
#include <algorithm>
#include <stdexcept>
#include <string>

#include "ops/device_check.h"
#include "ops/pool.h"
#include "ops/pool_functors.h"

namespace hg::ops::pool_shape {

struct Window {
  int64_t kh, kw, sh, sw, ph, pw, dh, dw;
  bool ceil_mode;
  std::string str() const {
    auto two = [](int64_t a, int64_t b) { return std::to_string(a) + "x" + std::to_string(b); };
    return "kernel " + two(kh, kw) + ", stride " + two(sh, sw) + ", padding " + two(ph, pw) + ", dilation " +
           two(dh, dw) + (ceil_mode ? ", ceil_mode" : "");
  }
};

// x as (planes, H, W); accepts [N, C, H, W] and [C, H, W].
struct Planes {
  int64_t count, H, W;
};
inline Planes planes_of(const char* what, const Shape& x) {
  if (x.size() != 3 && x.size() != 4)
    throw std::invalid_argument(std::string(what) + ": expected input [N, C, H, W] or [C, H, W], got " + shape_str(x));
  const int64_t H = x[x.size() - 2], W = x[x.size() - 1];
  if (H <= 0 || W <= 0) throw std::invalid_argument(std::string(what) + ": empty spatial dims in input " + shape_str(x));
  return {shape_numel(x) / (H * W), H, W};
}
// x with its last two dims replaced by h x w.
inline Shape with_plane(const Shape& x, int64_t h, int64_t w) {
  Shape s = x;
  s[s.size() - 2] = h;
  s[s.size() - 1] = w;
  return s;
}

// The window with stride 0 meaning "= kernel"; kernel, stride and dilation must be positive and
// the padding at most half the kernel (torch's rule).
inline Window make_window(const char* what, const Shape& x, Size2 kernel, Size2 stride, Size2 padding,
                          Size2 dilation, bool ceil_mode) {
  Window w{kernel.h, kernel.w, stride.h == 0 ? kernel.h : stride.h, stride.w == 0 ? kernel.w : stride.w,
           padding.h, padding.w, dilation.h, dilation.w, ceil_mode};
  auto bad = [&](const std::string& why) {
    return std::invalid_argument(std::string(what) + ": input " + shape_str(x) + " with " + w.str() + ": " + why);
  };
  if (w.kh <= 0 || w.kw <= 0 || w.sh <= 0 || w.sw <= 0 || w.dh <= 0 || w.dw <= 0 || w.ph < 0 || w.pw < 0)
    throw bad("kernel, stride and dilation must be positive and padding non-negative");
  if (w.ph > w.kh / 2 || w.pw > w.kw / 2) throw bad("padding must be at most half the kernel");
  return w;
}

// The pooled shape (fn::pool_output_size per spatial dim); throws when it would be empty.
inline Shape pooled_shape(const char* what, const Shape& x, const Window& w) {
  const Planes p = planes_of(what, x);
  const int64_t Ho = fn::pool_output_size(p.H, w.kh, w.sh, w.ph, w.dh, w.ceil_mode);
  const int64_t Wo = fn::pool_output_size(p.W, w.kw, w.sw, w.pw, w.dw, w.ceil_mode);
  if (Ho <= 0 || Wo <= 0)
    throw std::invalid_argument(std::string(what) + ": input " + shape_str(x) + " with " + w.str() +
                                ": output size would be " + std::to_string(Ho) + "x" + std::to_string(Wo));
  return with_plane(x, Ho, Wo);
}

// The backend-independent checks of a pooling operand: a floating dtype (ops::check_floating).
inline void check_floating_input(const char* what, const Tensor& x) { check_floating(what, x); }

// max_pool2d_backward: grad_output and indices of one shape with the input's planes, i64 indices.
inline Planes check_max_pool_backward_args(const char* what, const Tensor& gy, const Tensor& indices,
                                           const Shape& input_sizes) {
  const Planes pl = planes_of(what, input_sizes);
  if (gy.sizes() != indices.sizes() || gy.dim() != static_cast<int64_t>(input_sizes.size()) ||
      shape_numel(gy.sizes()) / std::max<int64_t>(1, gy.size(-1) * gy.size(-2)) != pl.count)
    throw std::invalid_argument(std::string(what) + ": grad_output " + gy.shape_string() + " and indices " +
                                indices.shape_string() + " do not match input " + shape_str(input_sizes));
  indices.check_dtype(DType::i64, what);
  return pl;
}

// avg_pool2d_backward: grad_output must have the forward's output shape; returns that shape.
inline Shape check_avg_pool_backward_args(const char* what, const Tensor& gy, const Shape& input_sizes,
                                          const Window& w) {
  const Shape out_shape = pooled_shape(what, input_sizes, w);
  if (gy.sizes() != out_shape)
    throw std::invalid_argument(std::string(what) + ": grad_output " + gy.shape_string() + " does not match " +
                                shape_str(out_shape) + " (input " + shape_str(input_sizes) + ", " + w.str() + ")");
  return out_shape;
}

// adaptive_avg_pool2d: the output plane must be non-empty; returns the output shape.
inline Shape adaptive_pooled_shape(const char* what, const Shape& x, int64_t out_h, int64_t out_w) {
  planes_of(what, x);
  if (out_h <= 0 || out_w <= 0)
    throw std::invalid_argument(std::string(what) + ": output size " + std::to_string(out_h) + "x" +
                                std::to_string(out_w) + " must be positive (input " + shape_str(x) + ")");
  return with_plane(x, out_h, out_w);
}

// adaptive_avg_pool2d_backward: grad_output is the input shape with a non-empty output plane.
inline Planes check_adaptive_backward_args(const char* what, const Tensor& gy, const Shape& input_sizes) {
  const Planes pl = planes_of(what, input_sizes);
  if (gy.dim() != static_cast<int64_t>(input_sizes.size()) || gy.size(-1) <= 0 || gy.size(-2) <= 0 ||
      with_plane(input_sizes, gy.size(-2), gy.size(-1)) != gy.sizes())
    throw std::invalid_argument(std::string(what) + ": grad_output " + gy.shape_string() + " does not match input " +
                                shape_str(input_sizes));
  return pl;
}

}  // namespace hg::ops::pool_shape
