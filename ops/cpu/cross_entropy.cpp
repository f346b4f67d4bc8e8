// CPU cross-entropy (log-softmax + negative log-likelihood, fused). The logits are viewed as
// [N, C, S] (S = product of the dims after the class dim); position p = n·S + s reads its C
// logits spaced S apart. Targets are validated up front, positions run in parallel, and the
// reduction sums the per-position losses in order (in double).
#include <algorithm>
#include <cmath>
#include <limits>

#include "ops/cuda/cross_entropy_cuda.h"
#include "ops/cuda/dispatch.h"
#include "ops/device_check.h"
#include "ops/loss.h"
#include "tensor/factory.h"
#include "tensor/view.h"

namespace hg::ops {
namespace {

// Checks shapes, dtypes and target values; returns the [N, C, S] layout and the number of
// non-ignored positions.
CrossEntropyLayout check_inputs(const Tensor& logits, const Tensor& target, int64_t ignore_index, double eps) {
  const char* what = "cross_entropy";
  check_same_device(what, logits, target);
  check_floating(what, logits);
  if (target.dtype() != DType::i64)
    throw std::invalid_argument(std::string(what) + ": target must hold i64 class indices, got dtype " +
                                dtype_name(target.dtype()));
  if (logits.dim() < 1)
    throw std::invalid_argument(std::string(what) + ": logits must be [C], [N, C] or [N, C, d...], got " +
                                logits.shape_string());
  Shape expected;  // logits' shape without the class dim
  CrossEntropyLayout l;
  if (logits.dim() == 1) {
    l.c = logits.size(0);
  } else {
    l.n = logits.size(0);
    l.c = logits.size(1);
    expected.push_back(l.n);
    for (int64_t d = 2; d < logits.dim(); ++d) {
      expected.push_back(logits.size(d));
      l.s *= logits.size(d);
    }
  }
  if (target.sizes() != expected)
    throw std::invalid_argument(std::string(what) + ": target shape " + target.shape_string() +
                                " does not match logits shape " + logits.shape_string() + " (expected target " +
                                shape_str(expected) + ")");
  if (!(eps >= 0.0 && eps <= 1.0))
    throw std::invalid_argument(std::string(what) + ": label_smoothing must be in [0, 1], got " + std::to_string(eps));
  for (int64_t t : target.to_vector<int64_t>()) {  // (one copy to the host for a CUDA target)
    if (t != ignore_index && (t < 0 || t >= l.c))
      throw std::invalid_argument(std::string(what) + ": target value " + std::to_string(t) + " is out of range for " +
                                  std::to_string(l.c) + " classes (ignore_index " + std::to_string(ignore_index) + ")");
    l.count += t != ignore_index;
  }
  return l;
}

}  // namespace

CrossEntropyForward cross_entropy(const Tensor& logits, const Tensor& target, Reduction reduction,
                                  int64_t ignore_index, double eps) {
  const CrossEntropyLayout l = check_inputs(logits, target, ignore_index, eps);
  HG_ON_CUDA(logits, cuda::cross_entropy(logits, target, reduction, ignore_index, eps, l));
  const int64_t np = l.positions();
  Tensor xc = contiguous(logits);
  const std::vector<int64_t> t = target.to_vector<int64_t>();
  std::vector<double> loss(np, 0.0), lse(np, 0.0);
  dispatch_float(logits.dtype(), "cross_entropy", [&]<class T>() {
    const T* xp = xc.data<T>();
#pragma omp parallel for schedule(static) if (np * l.c > 32768 && np > 1)
    for (int64_t p = 0; p < np; ++p) {
      const T* x = xp + (p / l.s) * l.c * l.s + p % l.s;  // x[c · S] is class c
      double m = -std::numeric_limits<double>::infinity(), total = 0;
      for (int64_t c = 0; c < l.c; ++c) {
        const double v = static_cast<double>(x[c * l.s]);
        m = std::max(m, v);
        total += v;
      }
      double se = 0;
      for (int64_t c = 0; c < l.c; ++c) se += std::exp(static_cast<double>(x[c * l.s]) - m);
      lse[p] = m + std::log(se);
      if (t[p] == ignore_index) continue;
      // (1 − ε)·(lse − x_t) + ε·(lse − mean_c x_c)
      loss[p] = (1.0 - eps) * (lse[p] - static_cast<double>(x[t[p] * l.s])) +
                eps * (lse[p] - total / static_cast<double>(l.c));
    }
  });
  CrossEntropyForward r;
  r.count = l.count;
  r.lse = from_vector(lse, {np}, DType::f64);
  if (reduction == Reduction::none) {
    r.loss = from_vector(loss, target.sizes(), logits.dtype());
  } else {
    double total = 0;
    for (double v : loss) total += v;
    if (reduction == Reduction::mean) total /= static_cast<double>(r.count);  // 0 / 0 = NaN, as torch
    r.loss = scalar_tensor(total, logits.dtype());
  }
  return r;
}

Tensor cross_entropy_backward(const Tensor& grad_out, const Tensor& logits, const Tensor& target,
                              const Tensor& lse_t, Reduction reduction, int64_t ignore_index, double eps,
                              int64_t count) {
  const CrossEntropyLayout l = check_inputs(logits, target, ignore_index, eps);
  check_same_device("cross_entropy_backward", logits, grad_out, lse_t);
  const int64_t want = reduction == Reduction::none ? l.positions() : 1;
  if (grad_out.numel() != want || lse_t.numel() != l.positions() || lse_t.dtype() != DType::f64)
    throw std::invalid_argument("cross_entropy_backward: expected a gradient of " + std::to_string(want) +
                                " values and f64 lse of " + std::to_string(l.positions()) + ", got " +
                                grad_out.shape_string() + " and " + lse_t.shape_string() + " " +
                                dtype_name(lse_t.dtype()));
  HG_ON_CUDA(logits, cuda::cross_entropy_backward(grad_out, logits, target, lse_t, reduction, ignore_index, eps, count, l));
  const int64_t np = l.positions();
  Tensor xc = contiguous(logits);
  const std::vector<int64_t> t = target.to_vector<int64_t>();
  const std::vector<double> lse = lse_t.to_vector<double>();
  // Per-position weight of the incoming gradient.
  std::vector<double> w;
  if (reduction == Reduction::none) {
    w = grad_out.to_vector<double>();
  } else {
    const double g = grad_out.item<double>();
    w.assign(np, reduction == Reduction::mean ? g / static_cast<double>(count) : g);
  }
  Tensor dx = Tensor::empty(logits.sizes(), logits.options());
  dispatch_float(logits.dtype(), "cross_entropy_backward", [&]<class T>() {
    const T* xp = xc.data<T>();
    T* dp = dx.data<T>();
    const double smooth = eps / static_cast<double>(l.c);
#pragma omp parallel for schedule(static) if (np * l.c > 32768 && np > 1)
    for (int64_t p = 0; p < np; ++p) {
      const int64_t base = (p / l.s) * l.c * l.s + p % l.s;
      const T* x = xp + base;
      T* d = dp + base;
      if (t[p] == ignore_index) {
        for (int64_t c = 0; c < l.c; ++c) d[c * l.s] = T(0);
        continue;
      }
      // w · (softmax_c − (1 − ε)·[c == t] − ε / C)
      for (int64_t c = 0; c < l.c; ++c) {
        const double sm = std::exp(static_cast<double>(x[c * l.s]) - lse[p]);
        const double hit = c == t[p] ? 1.0 - eps : 0.0;
        d[c * l.s] = static_cast<T>(w[p] * (sm - hit - smooth));
      }
    }
  });
  return dx;
}

}  // namespace hg::ops
