// CPU layer norm. The input is viewed as [rows, M] with M = prod(normalized_shape); each row is
// normalised on its own (one thread per block of rows, two passes in double). The parameter
// gradients sum over rows: each thread owns a block of columns and walks the rows in order, so the
// sums do not depend on the thread count.
#include <algorithm>
#include <cmath>

#include "ops/cpu/norm_common.h"
#include "ops/cuda/dispatch.h"
#include "ops/device_check.h"
#include "ops/layer_norm_functors.h"
#include "ops/norm.h"

#if HANDGRAD_WITH_CUDA
#include "ops/cuda/batch_norm_cuda.h"
#endif

namespace hg::ops {
namespace {

using norm_detail::check_param;
using norm_detail::grad_like;
using norm_detail::param_or;
using norm_detail::layer_norm_row_length;

}  // namespace

NormForward layer_norm(const Tensor& x, const Shape& ns, const Tensor& weight, const Tensor& bias, double eps) {
  const char* what = "layer_norm";
  check_floating(what, x);
  const int64_t m = layer_norm_row_length(what, x, ns);
  check_param(what, "weight", weight, ns, x);
  check_param(what, "bias", bias, ns, x);
  HG_ON_CUDA(x, cuda::layer_norm(x, ns, weight, bias, eps));
  require_cpu(what, x);
  const int64_t rows = m ? x.numel() / m : 0;
  const std::vector<double> w = param_or(weight, m, 1.0), b = param_or(bias, m, 0.0);
  std::vector<double> mean(rows), rstd(rows);
  Tensor xc = contiguous(x);
  NormForward r;
  r.out = Tensor::empty(x.sizes(), x.options());
  dispatch_float(x.dtype(), what, [&]<class T>() {
    const T* xp = xc.data<T>();
    T* yp = r.out.data<T>();
#pragma omp parallel for schedule(static) if (rows * m > 32768 && rows > 1)
    for (int64_t i = 0; i < rows; ++i) {
      const T* p = xp + i * m;
      double sum = 0;
      for (int64_t j = 0; j < m; ++j) sum += static_cast<double>(p[j]);
      const double mu = sum / static_cast<double>(m);
      double ss = 0;
      for (int64_t j = 0; j < m; ++j) {
        const double d = static_cast<double>(p[j]) - mu;
        ss += d * d;
      }
      const double rs = fn::ln_rstd(ss, static_cast<double>(m), eps);
      mean[i] = mu;
      rstd[i] = rs;
      T* q = yp + i * m;
      for (int64_t j = 0; j < m; ++j) q[j] = static_cast<T>(fn::ln_normalize(static_cast<double>(p[j]), mu, rs, w[j], b[j]));
    }
  });
  r.mean = from_vector(mean, {rows}, DType::f64);
  r.invstd = from_vector(rstd, {rows}, DType::f64);
  return r;
}

NormGrads layer_norm_backward(const Tensor& grad_out, const Tensor& x, const Shape& ns, const Tensor& weight,
                              const Tensor& mean_t, const Tensor& rstd_t, NormNeeds needs) {
  const char* what = "layer_norm_backward";
  check_same_device(what, grad_out, x);
  check_same_shape(what, grad_out, x);
  check_floating(what, x);
  const int64_t m = layer_norm_row_length(what, x, ns);
  const int64_t rows = m ? x.numel() / m : 0;
  check_param(what, "weight", weight, ns, x);
  norm_detail::check_saved_stats(what, mean_t, rstd_t, rows, x);
  check_same_device(what, x, mean_t, rstd_t);
  HG_ON_CUDA(x, cuda::layer_norm_backward(grad_out, x, ns, weight, mean_t, rstd_t, needs));
  require_cpu(what, grad_out, x);
  const std::vector<double> w = param_or(weight, m, 1.0);
  const std::vector<double> mean = mean_t.to_vector<double>(), rstd = rstd_t.to_vector<double>();
  Tensor xc = contiguous(x), gc = contiguous(to_dtype(grad_out, x.dtype()));
  NormGrads r;
  std::vector<double> dw(needs[1] ? m : 0, 0.0), db(needs[2] ? m : 0, 0.0);
  dispatch_float(x.dtype(), what, [&]<class T>() {
    const T* xp = xc.data<T>();
    const T* gp = gc.data<T>();
    if (needs[0]) {  // dx = rstd·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)),  ĝ = g·w
      r.input = Tensor::empty(x.sizes(), x.options());
      T* dx = r.input.data<T>();
#pragma omp parallel for schedule(static) if (rows * m > 32768 && rows > 1)
      for (int64_t i = 0; i < rows; ++i) {
        const T* p = xp + i * m;
        const T* g = gp + i * m;
        double a = 0, bsum = 0;
        for (int64_t j = 0; j < m; ++j) {
          const double gh = static_cast<double>(g[j]) * w[j];
          a += gh;
          bsum += gh * fn::ln_xhat(static_cast<double>(p[j]), mean[i], rstd[i]);
        }
        a /= static_cast<double>(m);
        bsum /= static_cast<double>(m);
        for (int64_t j = 0; j < m; ++j) {
          const double xh = fn::ln_xhat(static_cast<double>(p[j]), mean[i], rstd[i]);
          dx[i * m + j] = static_cast<T>(fn::ln_input_grad(static_cast<double>(g[j]), w[j], xh, rstd[i], a, bsum));
        }
      }
    }
    if (needs[1] || needs[2]) {  // dw = Σ_rows g·x̂, db = Σ_rows g; threads own column blocks
      constexpr int64_t kCols = 64;
      const int64_t blocks = (m + kCols - 1) / kCols;
#pragma omp parallel for schedule(static) if (rows * m > 32768 && blocks > 1)
      for (int64_t bk = 0; bk < blocks; ++bk) {
        const int64_t j0 = bk * kCols, j1 = std::min(m, j0 + kCols);
        for (int64_t i = 0; i < rows; ++i)
          for (int64_t j = j0; j < j1; ++j) {
            const double g = static_cast<double>(gp[i * m + j]);
            if (needs[1]) dw[j] += g * fn::ln_xhat(static_cast<double>(xp[i * m + j]), mean[i], rstd[i]);
            if (needs[2]) db[j] += g;
          }
      }
    }
  });
  if (needs[1]) r.weight = grad_like(dw, ns, weight, x.dtype());
  if (needs[2]) r.bias = from_vector(db, ns, x.dtype());
  return r;
}

}  // namespace hg::ops
