// 2-D max / average / adaptive-average pooling and their backwards on the CPU. Every (n, c) plane
// is independent, so planes are split over OpenMP threads; backwards scatter into their own plane
// only, so they need no atomics.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "ops/device_check.h"
#include "ops/pool.h"
#include "tensor/view.h"

namespace hg::ops {
namespace {

constexpr int64_t kParallelWork = 1 << 15;  // window reads below which one thread is faster

struct Window {
  int64_t kh, kw, sh, sw, ph, pw, dh, dw;
  bool ceil_mode;
  std::string str() const {
    auto two = [](int64_t a, int64_t b) { return std::to_string(a) + "x" + std::to_string(b); };
    return "kernel " + two(kh, kw) + ", stride " + two(sh, sw) + ", padding " + two(ph, pw) + ", dilation " +
           two(dh, dw) + (ceil_mode ? ", ceil_mode" : "");
  }
};

// The x shape as (planes, H, W); accepts [N, C, H, W] and [C, H, W].
struct Planes {
  int64_t count, H, W;
};
Planes planes_of(const char* what, const Shape& x) {
  if (x.size() != 3 && x.size() != 4)
    throw std::invalid_argument(std::string(what) + ": expected input [N, C, H, W] or [C, H, W], got " + shape_str(x));
  const int64_t H = x[x.size() - 2], W = x[x.size() - 1];
  if (H <= 0 || W <= 0) throw std::invalid_argument(std::string(what) + ": empty spatial dims in input " + shape_str(x));
  return {shape_numel(x) / (H * W), H, W};
}
Shape with_plane(const Shape& x, int64_t h, int64_t w) {
  Shape s = x;
  s[s.size() - 2] = h;
  s[s.size() - 1] = w;
  return s;
}

// torch's pooling_output_shape
int64_t pooled(int64_t in, int64_t k, int64_t s, int64_t p, int64_t d, bool ceil_mode) {
  const int64_t span = in + 2 * p - d * (k - 1) - 1 + (ceil_mode ? s - 1 : 0);
  int64_t out = (span >= 0 ? span / s : -((-span + s - 1) / s)) + 1;  // floor division
  if (ceil_mode && (out - 1) * s >= in + p) --out;
  return out;
}

Window make_window(const char* what, const Shape& x, Size2 kernel, Size2 stride, Size2 padding, Size2 dilation,
                   bool ceil_mode) {
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

Shape pooled_shape(const char* what, const Shape& x, const Window& w) {
  const Planes p = planes_of(what, x);
  const int64_t Ho = pooled(p.H, w.kh, w.sh, w.ph, w.dh, w.ceil_mode);
  const int64_t Wo = pooled(p.W, w.kw, w.sw, w.pw, w.dw, w.ceil_mode);
  if (Ho <= 0 || Wo <= 0)
    throw std::invalid_argument(std::string(what) + ": input " + shape_str(x) + " with " + w.str() +
                                ": output size would be " + std::to_string(Ho) + "x" + std::to_string(Wo));
  return with_plane(x, Ho, Wo);
}

// Runs body.operator()<T>(DType) for f32/f64; f16/bf16 through f32 with the first result converted back.
template <class R, class K>
R run_typed(const Tensor& x, const char* what, K&& kernel) {
  check_floating(what, x);
  require_cpu(what, x);
  const DType dt = x.dtype();
  if (dt == DType::f64) return kernel.template operator()<double>(DType::f64);
  R r = kernel.template operator()<float>(DType::f32);
  if (dt == DType::f32) return r;
  if constexpr (std::is_same_v<R, ValuesIndices>) r.values = to_dtype(r.values, dt);
  else r = to_dtype(r, dt);
  return r;
}

// Taps k of a window starting at `start` (step `dilation`, `kernel` taps) with start + k d in [0, extent).
struct Taps {
  int64_t start, lo, hi;
};
Taps inside_taps(int64_t start, int64_t dilation, int64_t kernel, int64_t extent) {
  auto ceil_div = [](int64_t n, int64_t d) { return n <= 0 ? int64_t(0) : (n + d - 1) / d; };
  const int64_t lo = std::min(kernel, ceil_div(-start, dilation));
  return {start, lo, std::max(lo, std::min(kernel, ceil_div(extent - start, dilation)))};
}

// For each kernel column b, the output columns j with j s - p + b d in [0, W).
struct Span {
  int64_t lo, hi;
};
std::vector<Span> column_spans(int64_t kw, int64_t dw, int64_t pw, int64_t W, int64_t sw, int64_t Wo) {
  auto ceil_div = [](int64_t n, int64_t d) { return n <= 0 ? int64_t(0) : (n + d - 1) / d; };
  std::vector<Span> spans(kw);
  for (int64_t b = 0; b < kw; ++b) {
    const int64_t offset = b * dw - pw;
    const int64_t lo = std::min(Wo, ceil_div(-offset, sw));
    spans[b] = {lo, std::max(lo, std::min(Wo, ceil_div(W - offset, sw)))};
  }
  return spans;
}

// Average-pooling window of output (i, j): the clipped input range and the divisor (see pool.h).
struct AvgCell {
  int64_t h0, h1, w0, w1;
  double divisor;
};
AvgCell avg_cell(const Window& w, int64_t H, int64_t W, int64_t i, int64_t j, bool count_include_pad) {
  int64_t h0 = i * w.sh - w.ph, w0 = j * w.sw - w.pw;
  int64_t h1 = std::min(h0 + w.kh, H + w.ph), w1 = std::min(w0 + w.kw, W + w.pw);
  const int64_t padded = (h1 - h0) * (w1 - w0);
  h0 = std::max<int64_t>(h0, 0), w0 = std::max<int64_t>(w0, 0);
  h1 = std::min(h1, H), w1 = std::min(w1, W);
  const int64_t real = std::max<int64_t>(0, h1 - h0) * std::max<int64_t>(0, w1 - w0);
  return {h0, h1, w0, w1, static_cast<double>(count_include_pad ? padded : real)};
}

// Adaptive cell i of `out` over `in`: [floor(i in / out), ceil((i + 1) in / out)).
int64_t cell_begin(int64_t i, int64_t in, int64_t out) { return (i * in) / out; }
int64_t cell_end(int64_t i, int64_t in, int64_t out) { return ((i + 1) * in + out - 1) / out; }

}  // namespace

ValuesIndices max_pool2d(const Tensor& x, Size2 kernel, Size2 stride, Size2 padding, Size2 dilation, bool ceil_mode) {
  const char* what = "max_pool2d";
  const Window w = make_window(what, x.sizes(), kernel, stride, padding, dilation, ceil_mode);
  const Shape out_shape = pooled_shape(what, x.sizes(), w);
  const Planes pl = planes_of(what, x.sizes());
  const int64_t Ho = out_shape[out_shape.size() - 2], Wo = out_shape.back();
  return run_typed<ValuesIndices>(x, what, [&]<class T>(DType dt) {
    const Tensor xc = contiguous(to_dtype(x, dt));
    Tensor y = Tensor::empty(out_shape, dt), idx = Tensor::empty(out_shape, DType::i64);
    const T* px = xc.data<T>();
    T* py = y.data<T>();
    int64_t* pi = idx.data<int64_t>();
    // Row taps of window row i inside the image; for kernel column b, the output columns j whose
    // tap b is inside. Each output row is then built tap by tap over all its columns (a, then b,
    // the same order as a window-by-window scan, so ties resolve to the same first maximum): the
    // inner loop is a branch-free select over j, which the compiler vectorises. A window-by-window
    // loop with an if on random data costs a branch miss per few taps.
    std::vector<Taps> rows(Ho);
    for (int64_t i = 0; i < Ho; ++i) rows[i] = inside_taps(i * w.sh - w.ph, w.dh, w.kh, pl.H);
    const std::vector<Span> spans = column_spans(w.kw, w.dw, w.pw, pl.W, w.sw, Wo);
    std::vector<int64_t> first_col(Wo);  // the first inside column tap of window column j (or -1)
    for (int64_t j = 0; j < Wo; ++j) {
      const Taps c = inside_taps(j * w.sw - w.pw, w.dw, w.kw, pl.W);
      first_col[j] = c.lo < c.hi ? c.start + c.lo * w.dw : -1;
    }
#pragma omp parallel for schedule(static) if (pl.count * Ho * Wo * w.kh * w.kw > kParallelWork)
    for (int64_t plane = 0; plane < pl.count; ++plane) {
      const T* __restrict in = px + plane * pl.H * pl.W;
      for (int64_t i = 0; i < Ho; ++i) {
        T* __restrict best = py + (plane * Ho + i) * Wo;
        int64_t* __restrict arg = pi + (plane * Ho + i) * Wo;
        const Taps r = rows[i];
        // start at -inf pointing at the first inside tap (so an all -inf window still points inside)
        const int64_t first_row = r.lo < r.hi ? (r.start + r.lo * w.dh) * pl.W : -1;
        for (int64_t j = 0; j < Wo; ++j) {
          best[j] = -std::numeric_limits<T>::infinity();
          arg[j] = first_row >= 0 && first_col[j] >= 0 ? first_row + first_col[j] : -1;
        }
        for (int64_t a = r.lo; a < r.hi; ++a) {
          const int64_t row = (r.start + a * w.dh) * pl.W;
          for (int64_t b = 0; b < w.kw; ++b) {
            const int64_t off = row + b * w.dw - w.pw;  // input index of tap b of column j: off + j sw
            const int64_t lo = spans[b].lo, hi = spans[b].hi, sw = w.sw;
            for (int64_t j = lo; j < hi; ++j) {
              const int64_t at = off + j * sw;
              const T v = in[at], cur = best[j];
              const bool take = (v > cur) | (v != v);  // NaN propagates (the last NaN wins, as in torch)
              best[j] = take ? v : cur;
              arg[j] = take ? at : arg[j];
            }
          }
        }
      }
    }
    return ValuesIndices{y, idx};
  });
}

Tensor max_pool2d_backward(const Tensor& gy, const Tensor& indices, const Shape& input_sizes) {
  const char* what = "max_pool2d_backward";
  const Planes pl = planes_of(what, input_sizes);
  if (gy.sizes() != indices.sizes() || gy.dim() != static_cast<int64_t>(input_sizes.size()) ||
      shape_numel(gy.sizes()) / std::max<int64_t>(1, gy.size(-1) * gy.size(-2)) != pl.count)
    throw std::invalid_argument(std::string(what) + ": grad_output " + gy.shape_string() + " and indices " +
                                indices.shape_string() + " do not match input " + shape_str(input_sizes));
  indices.check_dtype(DType::i64, what);
  const int64_t per_plane = gy.size(-1) * gy.size(-2);
  return run_typed<Tensor>(gy, what, [&]<class T>(DType dt) {
    const Tensor gc = contiguous(to_dtype(gy, dt)), ic = contiguous(indices);
    Tensor gx = Tensor::empty(input_sizes, dt);
    const T* pg = gc.data<T>();
    const int64_t* pi = ic.data<int64_t>();
    T* px = gx.data<T>();
    const int64_t HW = pl.H * pl.W;
    bool bad_index = false;
#pragma omp parallel for schedule(static) if (pl.count * (per_plane + HW) > kParallelWork) reduction(|| : bad_index)
    for (int64_t plane = 0; plane < pl.count; ++plane) {
      T* out = px + plane * HW;
      std::fill(out, out + HW, T(0));
      for (int64_t k = 0; k < per_plane; ++k) {
        const int64_t at = pi[plane * per_plane + k];
        if (at < 0 || at >= HW) {
          bad_index = bad_index || at >= HW;  // -1 = window entirely in the padding: no gradient
          continue;
        }
        out[at] += pg[plane * per_plane + k];
      }
    }
    if (bad_index)
      throw std::invalid_argument(std::string(what) + ": an index is outside the input plane " +
                                  shape_str(input_sizes));
    return gx;
  });
}

Tensor avg_pool2d(const Tensor& x, Size2 kernel, Size2 stride, Size2 padding, bool ceil_mode, bool count_include_pad) {
  const char* what = "avg_pool2d";
  const Window w = make_window(what, x.sizes(), kernel, stride, padding, 1, ceil_mode);
  const Shape out_shape = pooled_shape(what, x.sizes(), w);
  const Planes pl = planes_of(what, x.sizes());
  const int64_t Ho = out_shape[out_shape.size() - 2], Wo = out_shape.back();
  return run_typed<Tensor>(x, what, [&]<class T>(DType dt) {
    const Tensor xc = contiguous(to_dtype(x, dt));
    Tensor y = Tensor::empty(out_shape, dt);
    const T* px = xc.data<T>();
    T* py = y.data<T>();
    // The divisor of every window, and the clipped row range of every window row; the sums are
    // built tap by tap over whole output rows (see max_pool2d).
    std::vector<T> divisor(Ho * Wo);
    std::vector<AvgCell> cells(Ho);
    for (int64_t i = 0; i < Ho; ++i) {
      cells[i] = avg_cell(w, pl.H, pl.W, i, 0, count_include_pad);
      for (int64_t j = 0; j < Wo; ++j) {
        const double d = avg_cell(w, pl.H, pl.W, i, j, count_include_pad).divisor;
        divisor[i * Wo + j] = d > 0 ? static_cast<T>(d) : T(1);  // an empty window sums to 0
      }
    }
    const std::vector<Span> spans = column_spans(w.kw, 1, w.pw, pl.W, w.sw, Wo);
#pragma omp parallel for schedule(static) if (pl.count * Ho * Wo * w.kh * w.kw > kParallelWork)
    for (int64_t plane = 0; plane < pl.count; ++plane) {
      const T* in = px + plane * pl.H * pl.W;
      for (int64_t i = 0; i < Ho; ++i) {
        T* sum = py + (plane * Ho + i) * Wo;
        std::fill(sum, sum + Wo, T(0));
        for (int64_t ih = cells[i].h0; ih < cells[i].h1; ++ih)
          for (int64_t b = 0; b < w.kw; ++b) {
            const int64_t off = ih * pl.W + b - w.pw;  // in[off + j sw] = x[ih, j sw - pw + b]
            for (int64_t j = spans[b].lo; j < spans[b].hi; ++j) sum[j] += in[off + j * w.sw];
          }
        for (int64_t j = 0; j < Wo; ++j) sum[j] /= divisor[i * Wo + j];
      }
    }
    return y;
  });
}

Tensor avg_pool2d_backward(const Tensor& gy, const Shape& input_sizes, Size2 kernel, Size2 stride, Size2 padding,
                           bool ceil_mode, bool count_include_pad) {
  const char* what = "avg_pool2d_backward";
  const Window w = make_window(what, input_sizes, kernel, stride, padding, 1, ceil_mode);
  const Shape out_shape = pooled_shape(what, input_sizes, w);
  if (gy.sizes() != out_shape)
    throw std::invalid_argument(std::string(what) + ": grad_output " + gy.shape_string() + " does not match " +
                                shape_str(out_shape) + " (input " + shape_str(input_sizes) + ", " + w.str() + ")");
  const Planes pl = planes_of(what, input_sizes);
  const int64_t Ho = out_shape[out_shape.size() - 2], Wo = out_shape.back();
  return run_typed<Tensor>(gy, what, [&]<class T>(DType dt) {
    const Tensor gc = contiguous(to_dtype(gy, dt));
    Tensor gx = Tensor::empty(input_sizes, dt);
    const T* pg = gc.data<T>();
    T* px = gx.data<T>();
#pragma omp parallel for schedule(static) if (pl.count * Ho * Wo * w.kh * w.kw > kParallelWork)
    for (int64_t plane = 0; plane < pl.count; ++plane) {
      T* out = px + plane * pl.H * pl.W;
      std::fill(out, out + pl.H * pl.W, T(0));
      for (int64_t i = 0; i < Ho; ++i)
        for (int64_t j = 0; j < Wo; ++j) {
          const AvgCell c = avg_cell(w, pl.H, pl.W, i, j, count_include_pad);
          if (c.divisor <= 0) continue;
          const T share = static_cast<T>(pg[(plane * Ho + i) * Wo + j] / c.divisor);
          for (int64_t ih = c.h0; ih < c.h1; ++ih)
            for (int64_t iw = c.w0; iw < c.w1; ++iw) out[ih * pl.W + iw] += share;
        }
    }
    return gx;
  });
}

Tensor adaptive_avg_pool2d(const Tensor& x, int64_t out_h, int64_t out_w) {
  const char* what = "adaptive_avg_pool2d";
  const Planes pl = planes_of(what, x.sizes());
  if (out_h <= 0 || out_w <= 0)
    throw std::invalid_argument(std::string(what) + ": output size " + std::to_string(out_h) + "x" +
                                std::to_string(out_w) + " must be positive (input " + x.shape_string() + ")");
  const Shape out_shape = with_plane(x.sizes(), out_h, out_w);
  return run_typed<Tensor>(x, what, [&]<class T>(DType dt) {
    const Tensor xc = contiguous(to_dtype(x, dt));
    Tensor y = Tensor::empty(out_shape, dt);
    const T* px = xc.data<T>();
    T* py = y.data<T>();
#pragma omp parallel for schedule(static) if (pl.count * pl.H * pl.W > kParallelWork)
    for (int64_t plane = 0; plane < pl.count; ++plane) {
      const T* in = px + plane * pl.H * pl.W;
      for (int64_t i = 0; i < out_h; ++i) {
        const int64_t h0 = cell_begin(i, pl.H, out_h), h1 = cell_end(i, pl.H, out_h);
        for (int64_t j = 0; j < out_w; ++j) {
          const int64_t w0 = cell_begin(j, pl.W, out_w), w1 = cell_end(j, pl.W, out_w);
          T s = 0;
          for (int64_t ih = h0; ih < h1; ++ih)
            for (int64_t iw = w0; iw < w1; ++iw) s += in[ih * pl.W + iw];
          py[(plane * out_h + i) * out_w + j] = s / static_cast<T>((h1 - h0) * (w1 - w0));
        }
      }
    }
    return y;
  });
}

Tensor adaptive_avg_pool2d_backward(const Tensor& gy, const Shape& input_sizes) {
  const char* what = "adaptive_avg_pool2d_backward";
  const Planes pl = planes_of(what, input_sizes);
  if (gy.dim() != static_cast<int64_t>(input_sizes.size()) || gy.size(-1) <= 0 || gy.size(-2) <= 0 ||
      with_plane(input_sizes, gy.size(-2), gy.size(-1)) != gy.sizes())
    throw std::invalid_argument(std::string(what) + ": grad_output " + gy.shape_string() + " does not match input " +
                                shape_str(input_sizes));
  const int64_t out_h = gy.size(-2), out_w = gy.size(-1);
  return run_typed<Tensor>(gy, what, [&]<class T>(DType dt) {
    const Tensor gc = contiguous(to_dtype(gy, dt));
    Tensor gx = Tensor::empty(input_sizes, dt);
    const T* pg = gc.data<T>();
    T* px = gx.data<T>();
#pragma omp parallel for schedule(static) if (pl.count * pl.H * pl.W > kParallelWork)
    for (int64_t plane = 0; plane < pl.count; ++plane) {
      T* out = px + plane * pl.H * pl.W;
      std::fill(out, out + pl.H * pl.W, T(0));
      for (int64_t i = 0; i < out_h; ++i) {
        const int64_t h0 = cell_begin(i, pl.H, out_h), h1 = cell_end(i, pl.H, out_h);
        for (int64_t j = 0; j < out_w; ++j) {
          const int64_t w0 = cell_begin(j, pl.W, out_w), w1 = cell_end(j, pl.W, out_w);
          const T share = pg[(plane * out_h + i) * out_w + j] / static_cast<T>((h1 - h0) * (w1 - w0));
          for (int64_t ih = h0; ih < h1; ++ih)
            for (int64_t iw = w0; iw < w1; ++iw) out[ih * pl.W + iw] += share;
        }
      }
    }
    return gx;
  });
}

}  // namespace hg::ops
