// Argument checks and output shapes of 2-D pooling, with the CPU op's messages (ops/cpu/pool.cpp
// has the same rules; see ops/pool.h). Host code, Tensor-level; used by ops/cuda/pool.cpp.
#pragma once
#include <stdexcept>
#include <string>

#include "ops/cuda/pool_functors.h"
#include "ops/pool.h"

namespace hg::cuda::pool_shape {

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
inline Shape with_plane(const Shape& x, int64_t h, int64_t w) {
  Shape s = x;
  s[s.size() - 2] = h;
  s[s.size() - 1] = w;
  return s;
}

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

inline Shape pooled_shape(const char* what, const Shape& x, const Window& w) {
  const Planes p = planes_of(what, x);
  const int64_t Ho = fn::pool_output_size(p.H, w.kh, w.sh, w.ph, w.dh, w.ceil_mode);
  const int64_t Wo = fn::pool_output_size(p.W, w.kw, w.sw, w.pw, w.dw, w.ceil_mode);
  if (Ho <= 0 || Wo <= 0)
    throw std::invalid_argument(std::string(what) + ": input " + shape_str(x) + " with " + w.str() +
                                ": output size would be " + std::to_string(Ho) + "x" + std::to_string(Wo));
  return with_plane(x, Ho, Wo);
}

inline void check_floating_input(const char* what, const Tensor& x) {
  if (!is_floating(x.dtype()))
    throw std::invalid_argument(std::string(what) + ": expected a floating dtype, got " + dtype_name(x.dtype()));
}

}  // namespace hg::cuda::pool_shape
