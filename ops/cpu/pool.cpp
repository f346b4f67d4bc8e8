// 2-D max / average / adaptive-average pooling and their backwards on the CPU. Every (n, c) plane
// is independent, so planes are split over OpenMP threads; backwards scatter into their own plane
// only, so they need no atomics. The checks are ops/pool_shape.h and the index arithmetic (output
// sizes, inside taps, average cells and divisors, adaptive cells, the max rule) ops/pool_functors.h,
// both shared with the CUDA kernels (ops/cuda/pool.{cpp,cu}), which HG_ON_CUDA hands device tensors.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "ops/cuda/dispatch.h"
#include "ops/device_check.h"
#include "ops/pool.h"
#include "ops/pool_functors.h"
#include "ops/pool_shape.h"
#include "tensor/view.h"

#if HANDGRAD_WITH_CUDA
#include "ops/cuda/pool_cuda.h"
#endif

namespace hg::ops {
namespace {

using namespace pool_shape;

constexpr int64_t kParallelWork = 1 << 15;  // window reads below which one thread is faster

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

// For each kernel column b, the output columns j whose tap b, j·s − p + b·d, is inside [0, W): the
// same inside-taps rule with the output columns as the taps (start b·d − p, step s, Wo of them).
std::vector<fn::PoolTaps> column_spans(int64_t kw, int64_t dw, int64_t pw, int64_t W, int64_t sw, int64_t Wo) {
  std::vector<fn::PoolTaps> spans(kw);
  for (int64_t b = 0; b < kw; ++b) spans[b] = fn::pool_inside_taps(b * dw - pw, sw, Wo, W);
  return spans;
}

// fn::avg_pool_cell for output (i, j) of window w over an H x W plane.
fn::AvgPoolCell avg_cell(const Window& w, int64_t H, int64_t W, int64_t i, int64_t j, bool count_include_pad) {
  return fn::avg_pool_cell(i, j, H, W, w.kh, w.kw, w.sh, w.sw, w.ph, w.pw, count_include_pad);
}

// The window, output shape and planes of a pooling call over input sizes `in` (checked in this order).
struct PoolGeometry {
  Window w;
  Shape out_shape;
  Planes pl;
  int64_t Ho = 0, Wo = 0;
};
PoolGeometry pool_geometry(const char* what, const Shape& in, Size2 kernel, Size2 stride, Size2 padding,
                           Size2 dilation, bool ceil_mode) {
  PoolGeometry g;
  g.w = make_window(what, in, kernel, stride, padding, dilation, ceil_mode);
  g.out_shape = pooled_shape(what, in, g.w);
  g.pl = planes_of(what, in);
  g.Ho = g.out_shape[g.out_shape.size() - 2];
  g.Wo = g.out_shape.back();
  return g;
}

// The inside kernel rows of every output row's window.
std::vector<fn::PoolTaps> row_taps(const Window& w, int64_t H, int64_t Ho) {
  std::vector<fn::PoolTaps> rows(Ho);
  for (int64_t i = 0; i < Ho; ++i) rows[i] = fn::pool_inside_taps(i * w.sh - w.ph, w.dh, w.kh, H);
  return rows;
}

}  // namespace

ValuesIndices max_pool2d(const Tensor& x, Size2 kernel, Size2 stride, Size2 padding, Size2 dilation, bool ceil_mode) {
  HG_ON_CUDA(x, cuda::max_pool2d(x, kernel, stride, padding, dilation, ceil_mode));
  const char* what = "max_pool2d";
  const PoolGeometry pg = pool_geometry(what, x.sizes(), kernel, stride, padding, dilation, ceil_mode);
  const auto& [w, out_shape, pl, Ho, Wo] = pg;
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
    const std::vector<fn::PoolTaps> rows = row_taps(w, pl.H, Ho);
    const std::vector<fn::PoolTaps> spans = column_spans(w.kw, w.dw, w.pw, pl.W, w.sw, Wo);
    std::vector<int64_t> first_col(Wo);  // the first inside column tap of window column j (or -1)
    for (int64_t j = 0; j < Wo; ++j) {
      const int64_t start = j * w.sw - w.pw;
      const fn::PoolTaps c = fn::pool_inside_taps(start, w.dw, w.kw, pl.W);
      first_col[j] = c.lo < c.hi ? start + c.lo * w.dw : -1;
    }
#pragma omp parallel for schedule(static) if (pl.count * Ho * Wo * w.kh * w.kw > kParallelWork)
    for (int64_t plane = 0; plane < pl.count; ++plane) {
      const T* __restrict in = px + plane * pl.H * pl.W;
      for (int64_t i = 0; i < Ho; ++i) {
        T* __restrict best = py + (plane * Ho + i) * Wo;
        int64_t* __restrict arg = pi + (plane * Ho + i) * Wo;
        const fn::PoolTaps r = rows[i];
        const int64_t row_start = i * w.sh - w.ph;
        // start at -inf pointing at the first inside tap (so an all -inf window still points inside)
        const int64_t first_row = r.lo < r.hi ? (row_start + r.lo * w.dh) * pl.W : -1;
        for (int64_t j = 0; j < Wo; ++j) {
          best[j] = -std::numeric_limits<T>::infinity();
          arg[j] = first_row >= 0 && first_col[j] >= 0 ? first_row + first_col[j] : -1;
        }
        for (int64_t a = r.lo; a < r.hi; ++a) {
          const int64_t row = (row_start + a * w.dh) * pl.W;
          for (int64_t b = 0; b < w.kw; ++b) {
            const int64_t off = row + b * w.dw - w.pw;  // input index of tap b of column j: off + j sw
            const int64_t lo = spans[b].lo, hi = spans[b].hi, sw = w.sw;
            for (int64_t j = lo; j < hi; ++j) {
              const int64_t at = off + j * sw;
              const T v = in[at], cur = best[j];
              const bool take = fn::max_pool_takes(v, cur);  // NaN propagates (the last NaN wins, as in torch)
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

Tensor max_pool2d_values(const Tensor& x, Size2 kernel, Size2 stride, Size2 padding, Size2 dilation, bool ceil_mode) {
  if (!x.device().is_cpu()) return max_pool2d(x, kernel, stride, padding, dilation, ceil_mode).values;
  const char* what = "max_pool2d";
  const PoolGeometry pg = pool_geometry(what, x.sizes(), kernel, stride, padding, dilation, ceil_mode);
  const auto& [w, out_shape, pl, Ho, Wo] = pg;
  return run_typed<Tensor>(x, what, [&]<class T>(DType dt) {
    const Tensor xc = contiguous(to_dtype(x, dt));
    Tensor y = Tensor::empty(out_shape, dt);
    const T* px = xc.data<T>();
    T* py = y.data<T>();
    const std::vector<fn::PoolTaps> rows = row_taps(w, pl.H, Ho);
    const std::vector<fn::PoolTaps> spans = column_spans(w.kw, w.dw, w.pw, pl.W, w.sw, Wo);
    // Separable: the max over the window's inside rows, column by column (contiguous, vectorised),
    // then the max over its inside columns of that row. max is order-free for values (a NaN anywhere
    // gives NaN), so this equals max_pool2d's values.
#pragma omp parallel for schedule(static) if (pl.count * Ho * Wo * w.kh * w.kw > kParallelWork)
    for (int64_t plane = 0; plane < pl.count; ++plane) {
      std::vector<T> column_max(static_cast<size_t>(pl.W));
      const T* __restrict in = px + plane * pl.H * pl.W;
      for (int64_t i = 0; i < Ho; ++i) {
        T* __restrict best = py + (plane * Ho + i) * Wo;
        T* __restrict col = column_max.data();
        const fn::PoolTaps r = rows[i];
        std::fill(col, col + pl.W, -std::numeric_limits<T>::infinity());
        for (int64_t a = r.lo; a < r.hi; ++a) {
          const T* __restrict row = in + (i * w.sh - w.ph + a * w.dh) * pl.W;
          for (int64_t q = 0; q < pl.W; ++q) col[q] = fn::max_pool_takes(row[q], col[q]) ? row[q] : col[q];
        }
        std::fill(best, best + Wo, -std::numeric_limits<T>::infinity());
        for (int64_t b = 0; b < w.kw; ++b) {
          const int64_t off = b * w.dw - w.pw, sw = w.sw;
          for (int64_t j = spans[b].lo; j < spans[b].hi; ++j) {
            const T v = col[off + j * sw];
            best[j] = fn::max_pool_takes(v, best[j]) ? v : best[j];
          }
        }
      }
    }
    return y;
  });
}

Tensor max_pool2d_backward(const Tensor& gy, const Tensor& indices, const Shape& input_sizes) {
  HG_ON_CUDA(gy, cuda::max_pool2d_backward(gy, indices, input_sizes));
  const char* what = "max_pool2d_backward";
  const Planes pl = check_max_pool_backward_args(what, gy, indices, input_sizes);
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
  HG_ON_CUDA(x, cuda::avg_pool2d(x, kernel, stride, padding, ceil_mode, count_include_pad));
  const char* what = "avg_pool2d";
  const PoolGeometry pg = pool_geometry(what, x.sizes(), kernel, stride, padding, 1, ceil_mode);
  const auto& [w, out_shape, pl, Ho, Wo] = pg;
  return run_typed<Tensor>(x, what, [&]<class T>(DType dt) {
    const Tensor xc = contiguous(to_dtype(x, dt));
    Tensor y = Tensor::empty(out_shape, dt);
    const T* px = xc.data<T>();
    T* py = y.data<T>();
    // The divisor of every window, and the clipped row range of every window row; the sums are
    // built tap by tap over whole output rows (see max_pool2d).
    std::vector<T> divisor(Ho * Wo);
    std::vector<fn::AvgPoolCell> cells(Ho);
    for (int64_t i = 0; i < Ho; ++i) {
      cells[i] = avg_cell(w, pl.H, pl.W, i, 0, count_include_pad);
      for (int64_t j = 0; j < Wo; ++j) {
        const int64_t d = avg_cell(w, pl.H, pl.W, i, j, count_include_pad).divisor;
        divisor[i * Wo + j] = d > 0 ? static_cast<T>(d) : T(1);  // an empty window sums to 0
      }
    }
    const std::vector<fn::PoolTaps> spans = column_spans(w.kw, 1, w.pw, pl.W, w.sw, Wo);
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
  HG_ON_CUDA(gy, cuda::avg_pool2d_backward(gy, input_sizes, kernel, stride, padding, ceil_mode, count_include_pad));
  const char* what = "avg_pool2d_backward";
  const Window w = make_window(what, input_sizes, kernel, stride, padding, 1, ceil_mode);
  const Shape out_shape = check_avg_pool_backward_args(what, gy, input_sizes, w);
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
          const fn::AvgPoolCell c = avg_cell(w, pl.H, pl.W, i, j, count_include_pad);
          if (c.divisor <= 0) continue;  // a window without pixels passes no gradient
          const T share = static_cast<T>(pg[(plane * Ho + i) * Wo + j] / static_cast<double>(c.divisor));
          for (int64_t ih = c.h0; ih < c.h1; ++ih)
            for (int64_t iw = c.w0; iw < c.w1; ++iw) out[ih * pl.W + iw] += share;
        }
    }
    return gx;
  });
}

Tensor adaptive_avg_pool2d(const Tensor& x, int64_t out_h, int64_t out_w) {
  HG_ON_CUDA(x, cuda::adaptive_avg_pool2d(x, out_h, out_w));
  const char* what = "adaptive_avg_pool2d";
  const Shape out_shape = adaptive_pooled_shape(what, x.sizes(), out_h, out_w);
  const Planes pl = planes_of(what, x.sizes());
  return run_typed<Tensor>(x, what, [&]<class T>(DType dt) {
    const Tensor xc = contiguous(to_dtype(x, dt));
    Tensor y = Tensor::empty(out_shape, dt);
    const T* px = xc.data<T>();
    T* py = y.data<T>();
#pragma omp parallel for schedule(static) if (pl.count * pl.H * pl.W > kParallelWork)
    for (int64_t plane = 0; plane < pl.count; ++plane) {
      const T* in = px + plane * pl.H * pl.W;
      for (int64_t i = 0; i < out_h; ++i) {
        const int64_t h0 = fn::adaptive_begin(i, pl.H, out_h), h1 = fn::adaptive_end(i, pl.H, out_h);
        for (int64_t j = 0; j < out_w; ++j) {
          const int64_t w0 = fn::adaptive_begin(j, pl.W, out_w), w1 = fn::adaptive_end(j, pl.W, out_w);
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
  HG_ON_CUDA(gy, cuda::adaptive_avg_pool2d_backward(gy, input_sizes));
  const char* what = "adaptive_avg_pool2d_backward";
  const Planes pl = check_adaptive_backward_args(what, gy, input_sizes);
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
        const int64_t h0 = fn::adaptive_begin(i, pl.H, out_h), h1 = fn::adaptive_end(i, pl.H, out_h);
        for (int64_t j = 0; j < out_w; ++j) {
          const int64_t w0 = fn::adaptive_begin(j, pl.W, out_w), w1 = fn::adaptive_end(j, pl.W, out_w);
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
