// CPU softmax / log-softmax and their backward passes. Every "row" is the D elements along `dim`
// at a fixed (outer, inner) position, spaced `inner` apart in the contiguous input. Rows run in
// parallel and each row runs in order. When inner == 1 the stride is the compile-time constant 1
// so the loops vectorise (the common last-dim case).
#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>

#include "ops/cuda/dispatch.h"
#include "ops/device_check.h"
#include "ops/softmax.h"
#include "ops/softmax_functors.h"
#include "tensor/view.h"

#if HANDGRAD_WITH_CUDA
#include "ops/cuda/softmax_cuda.h"
#endif

namespace hg::ops {
namespace {

struct RowLayout {
  int64_t outer = 1, d = 1, inner = 1;
};

RowLayout layout_of(const Tensor& x, int64_t dim) {
  RowLayout l;
  if (x.dim() == 0) return l;
  for (int64_t i = 0; i < dim; ++i) l.outer *= x.size(i);
  l.d = x.size(dim);
  for (int64_t i = dim + 1; i < x.dim(); ++i) l.inner *= x.size(i);
  return l;
}

using Unit = std::integral_constant<int64_t, 1>;

// Calls row(offset of the row's first element, stride) for every row, in parallel.
template <class Row>
void for_each_row(const RowLayout& l, Row&& row) {
  const int64_t rows = l.outer * l.inner;
  const bool par = rows > 1 && rows * l.d > 32768;
  if (l.inner == 1) {
#pragma omp parallel for schedule(static) if (par)
    for (int64_t r = 0; r < rows; ++r) row(r * l.d, Unit{});
  } else {
#pragma omp parallel for schedule(static) if (par)
    for (int64_t r = 0; r < rows; ++r) row((r / l.inner) * l.d * l.inner + r % l.inner, l.inner);
  }
}

template <bool Log>
Tensor softmax_forward(const Tensor& x, int64_t dim_in, const char* what) {
  check_floating(what, x);
  const int64_t dim = x.dim() == 0 ? 0 : wrap_dim(dim_in, x.dim(), what);
  HG_ON_CUDA(x, cuda::softmax_forward(x, dim, Log));
  require_cpu(what, x);
  const RowLayout l = layout_of(x, dim);
  Tensor xc = contiguous(x);
  Tensor y = Tensor::empty(x.sizes(), x.options());
  if (x.numel() == 0) return y;
  dispatch_float(x.dtype(), what, [&]<class T>() {
    using A = compute_t<T>;
    const T* xp = xc.data<T>();
    T* yp = y.data<T>();
    const int64_t n = l.d;
    for_each_row(l, [&](int64_t base, auto s) {
      const T* p = xp + base;
      T* q = yp + base;
      A m = -std::numeric_limits<A>::infinity();
      for (int64_t k = 0; k < n; ++k) m = fn::softmax_max(m, static_cast<A>(p[k * s]));
      double sum = 0;  // Σ exp(x − m)
      for (int64_t k = 0; k < n; ++k) {
        const A e = fn::softmax_exp(static_cast<A>(p[k * s]), m);
        if constexpr (!Log) q[k * s] = static_cast<T>(e);
        sum += static_cast<double>(e);
      }
      if constexpr (Log) {  // y = x − m − log Σ
        const A shift = m + static_cast<A>(std::log(sum));
        for (int64_t k = 0; k < n; ++k) q[k * s] = static_cast<T>(fn::log_softmax_value(static_cast<A>(p[k * s]), shift));
      } else {  // y = exp(x − m) / Σ
        const A inv = static_cast<A>(1.0 / sum);
        for (int64_t k = 0; k < n; ++k) q[k * s] = static_cast<T>(static_cast<A>(q[k * s]) * inv);
      }
    });
  });
  return y;
}

template <bool Log>
Tensor softmax_backward_impl(const Tensor& grad_out, const Tensor& y, int64_t dim_in, const char* what) {
  check_same_device(what, grad_out, y);
  check_same_shape(what, grad_out, y);
  check_floating(what, y);
  const int64_t dim = y.dim() == 0 ? 0 : wrap_dim(dim_in, y.dim(), what);
  HG_ON_CUDA(y, cuda::softmax_backward(grad_out, y, dim, Log));
  require_cpu(what, grad_out, y);
  const RowLayout l = layout_of(y, dim);
  Tensor yc = contiguous(y), gc = contiguous(to_dtype(grad_out, y.dtype()));
  Tensor dx = Tensor::empty(y.sizes(), y.options());
  if (y.numel() == 0) return dx;
  dispatch_float(y.dtype(), what, [&]<class T>() {
    using A = compute_t<T>;
    const T* yp = yc.data<T>();
    const T* gp = gc.data<T>();
    T* out = dx.data<T>();
    const int64_t n = l.d;
    for_each_row(l, [&](int64_t base, auto s) {
      const T* yr = yp + base;
      const T* g = gp + base;
      T* o = out + base;
      double acc = 0;  // softmax: Σ g·y; log_softmax: Σ g
      for (int64_t k = 0; k < n; ++k) {
        if constexpr (Log) acc += static_cast<double>(g[k * s]);
        else acc += static_cast<double>(g[k * s]) * static_cast<double>(yr[k * s]);
      }
      const A a = static_cast<A>(acc);
      for (int64_t k = 0; k < n; ++k) {
        const A gk = static_cast<A>(g[k * s]), yk = static_cast<A>(yr[k * s]);
        if constexpr (Log) o[k * s] = static_cast<T>(fn::log_softmax_grad(yk, gk, a));
        else o[k * s] = static_cast<T>(fn::softmax_grad(yk, gk, a));
      }
    });
  });
  return dx;
}

}  // namespace

Tensor softmax(const Tensor& x, int64_t dim) { return softmax_forward<false>(x, dim, "softmax"); }
Tensor log_softmax(const Tensor& x, int64_t dim) { return softmax_forward<true>(x, dim, "log_softmax"); }
Tensor softmax_backward(const Tensor& grad_out, const Tensor& y, int64_t dim) {
  return softmax_backward_impl<false>(grad_out, y, dim, "softmax_backward");
}
Tensor log_softmax_backward(const Tensor& grad_out, const Tensor& y, int64_t dim) {
  return softmax_backward_impl<true>(grad_out, y, dim, "log_softmax_backward");
}

}  // namespace hg::ops
