// CPU batch norm. The input is viewed as [N, C, S] (S = product of the spatial dims, 1 for [N, C]);
// channel c owns the N strips x[n, c, 0:S]. Statistics: one thread per channel, two passes in
// double (mean, then the sum of squared deviations), in a fixed order (cpu::LaneSum: 16 partial
// sums, vectorised). Element-wise passes: one thread per (n, c) strip. The formulas are fn::bn_*
// (ops/batch_norm_functors.h) and the checks norm_detail::* (ops/cpu/norm_common.h), both shared
// with the CUDA kernels (ops/cuda/batch_norm.*), which HG_ON_CUDA hands device tensors.
#include <vector>

#include "ops/batch_norm_functors.h"
#include "ops/cpu/lane_sum.h"
#include "ops/cpu/norm_common.h"
#include "ops/cuda/dispatch.h"
#include "ops/device_check.h"
#include "ops/functors.h"
#include "ops/norm.h"
#include "ops/pointwise.h"
#include "tensor/factory.h"
#include "tensor/view.h"

#if HANDGRAD_WITH_CUDA
#include "ops/cuda/batch_norm_cuda.h"
#endif

namespace hg::ops {
namespace {

using norm_detail::check_param;
using norm_detail::grad_like;
using norm_detail::param_or;
using Layout = norm_detail::BatchNormLayout;

// Per-channel mean and biased variance of a contiguous [N, C, S] buffer.
template <class T>
void channel_stats(const T* x, const Layout& l, std::vector<double>& mean, std::vector<double>& var) {
  const double m = static_cast<double>(l.per_channel());
#pragma omp parallel for schedule(static) if (l.n * l.c * l.s > 32768 && l.c > 1)
  for (int64_t c = 0; c < l.c; ++c) {
    cpu::LaneSum<> sum;
    for (int64_t n = 0; n < l.n; ++n) {
      const T* p = x + (n * l.c + c) * l.s;
      sum.add(l.s, [p](int64_t i) { return static_cast<double>(p[i]); });
    }
    const double mu = sum.total() / m;
    cpu::LaneSum<> ss;
    for (int64_t n = 0; n < l.n; ++n) {
      const T* p = x + (n * l.c + c) * l.s;
      ss.add(l.s, [p, mu](int64_t i) {
        const double d = static_cast<double>(p[i]) - mu;
        return d * d;
      });
    }
    mean[c] = mu;
    var[c] = ss.total() / m;
  }
}

// running ← (1 − momentum) · running + momentum · batch (fn::bn_running_update), in place.
void update_running(const Tensor& running, const std::vector<double>& batch, double momentum) {
  std::vector<double> blended = running.to_vector<double>();
  for (size_t c = 0; c < blended.size(); ++c) blended[c] = fn::bn_running_update(blended[c], batch[c], momentum);
  copy_(running, from_vector(blended, running.sizes(), DType::f64));
}

// y[n, c, :] = (x[n, c, :] − mean[c]) · scale[c] + shift[c]   (fn::bn_normalize), then max(0, ·)
// when Relu (fn::Relu). y may be x (element-wise, in place).
template <bool Relu = false, class T>
void affine_per_channel(const T* x, T* y, const Layout& l, const std::vector<double>& mean,
                        const std::vector<double>& scale, const std::vector<double>& shift) {
  using A = compute_t<T>;
#pragma omp parallel for schedule(static) if (l.n * l.c * l.s > 32768)
  for (int64_t nc = 0; nc < l.n * l.c; ++nc) {
    const int64_t c = nc % l.c;
    const A mu = static_cast<A>(mean[c]), a = static_cast<A>(scale[c]), b = static_cast<A>(shift[c]);
    const T* p = x + nc * l.s;
    T* q = y + nc * l.s;
    for (int64_t i = 0; i < l.s; ++i) {
      const T v = static_cast<T>(fn::bn_normalize(static_cast<A>(p[i]), mu, a, b));
      q[i] = Relu ? fn::Relu{}(v) : v;
    }
  }
}

}  // namespace

NormForward batch_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, const Tensor& running_mean,
                       const Tensor& running_var, bool training, double momentum, double eps) {
  const char* what = "batch_norm";
  HG_ON_CUDA(x, cuda::batch_norm(x, weight, bias, running_mean, running_var, training, momentum, eps));
  require_cpu(what, x);
  const Layout l = norm_detail::check_batch_norm_args(x, weight, bias, running_mean, running_var, training, eps);
  const Shape pc{l.c};

  std::vector<double> mean(l.c), var(l.c), invstd(l.c);
  Tensor xc = contiguous(x);
  NormForward r;
  r.out = Tensor::empty(x.sizes(), x.options());
  dispatch_float(x.dtype(), what, [&]<class T>() {
    const T* xp = xc.data<T>();
    if (training) {
      channel_stats(xp, l, mean, var);
    } else {
      mean = running_mean.to_vector<double>();
      var = running_var.to_vector<double>();
    }
    for (int64_t c = 0; c < l.c; ++c) invstd[c] = fn::bn_invstd(var[c], eps);
    // y = (x − mean) · (w·invstd) + b
    const std::vector<double> w = param_or(weight, l.c, 1.0), b = param_or(bias, l.c, 0.0);
    std::vector<double> scale(l.c);
    for (int64_t c = 0; c < l.c; ++c) scale[c] = w[c] * invstd[c];
    affine_per_channel(xp, r.out.data<T>(), l, mean, scale, b);
  });

  if (training && running_mean.defined()) {
    const double m = static_cast<double>(l.per_channel());
    std::vector<double> unbiased(l.c);
    for (int64_t c = 0; c < l.c; ++c) unbiased[c] = fn::bn_unbiased_var(var[c], m);
    update_running(running_mean, mean, momentum);
    update_running(running_var, unbiased, momentum);
  }
  r.mean = from_vector(mean, pc, DType::f64);
  r.invstd = from_vector(invstd, pc, DType::f64);
  return r;
}

void batch_norm_inference_(const Tensor& x, const Tensor& weight, const Tensor& bias, const Tensor& running_mean,
                           const Tensor& running_var, double eps, bool relu) {
  const char* what = "batch_norm_inference_";
  if (!x.device().is_cpu()) {  // the composition, written back: the same values on any device
    Tensor y = batch_norm(x, weight, bias, running_mean, running_var, false, 0.0, eps).out;
    copy_(x, relu ? ops::relu(y) : y);
    return;
  }
  const Layout l = norm_detail::check_batch_norm_args(x, weight, bias, running_mean, running_var, false, eps);
  if (!x.is_contiguous()) throw std::invalid_argument(std::string(what) + ": x " + x.shape_string() + " must be contiguous");
  const std::vector<double> mean = running_mean.to_vector<double>(), var = running_var.to_vector<double>();
  const std::vector<double> w = param_or(weight, l.c, 1.0), b = param_or(bias, l.c, 0.0);
  std::vector<double> scale(l.c);
  for (int64_t c = 0; c < l.c; ++c) scale[c] = w[c] * fn::bn_invstd(var[c], eps);  // as batch_norm does
  dispatch_float(x.dtype(), what, [&]<class T>() {
    T* p = x.data<T>();
    if (relu) affine_per_channel<true>(p, p, l, mean, scale, b);
    else affine_per_channel<false>(p, p, l, mean, scale, b);
  });
}

NormGrads batch_norm_backward(const Tensor& grad_out, const Tensor& x, const Tensor& weight, const Tensor& mean_t,
                              const Tensor& invstd_t, bool training, NormNeeds needs) {
  const char* what = "batch_norm_backward";
  HG_ON_CUDA(x, cuda::batch_norm_backward(grad_out, x, weight, mean_t, invstd_t, training, needs));
  require_cpu(what, grad_out, x);
  const Layout l = norm_detail::check_batch_norm_backward_args(grad_out, x, weight, mean_t, invstd_t);
  const std::vector<double> mean = mean_t.to_vector<double>(), invstd = invstd_t.to_vector<double>();
  const std::vector<double> w = param_or(weight, l.c, 1.0);
  Tensor xc = contiguous(x), gc = contiguous(to_dtype(grad_out, x.dtype()));
  std::vector<double> sum_g(l.c, 0.0), sum_gx(l.c, 0.0);  // Σ g and Σ g·(x − mean) per channel
  NormGrads r;
  dispatch_float(x.dtype(), what, [&]<class T>() {
    using A = compute_t<T>;
    const T* xp = xc.data<T>();
    const T* gp = gc.data<T>();
#pragma omp parallel for schedule(static) if (l.n * l.c * l.s > 32768 && l.c > 1)
    for (int64_t c = 0; c < l.c; ++c) {
      cpu::LaneSum<> sg, sgx;
      const double mu = mean[c];
      for (int64_t n = 0; n < l.n; ++n) {
        const T* g = gp + (n * l.c + c) * l.s;
        const T* xq = xp + (n * l.c + c) * l.s;
        sg.add(l.s, [g](int64_t i) { return static_cast<double>(g[i]); });
        sgx.add(l.s, [g, xq, mu](int64_t i) { return static_cast<double>(g[i]) * (static_cast<double>(xq[i]) - mu); });
      }
      sum_g[c] = sg.total();
      sum_gx[c] = sgx.total();
    }
    if (!needs[0]) return;
    // training:  dx = w·invstd·g − w·invstd·Σg/M − (x − mean)·w·invstd³·Σg(x − mean)/M
    //          = g·k + (x − mean)·kx + k0 per channel;  inference: dx = g·w·invstd
    // (fn::bn_input_grad_coefficients, fn::bn_input_grad)
    const double m = static_cast<double>(l.per_channel());
    std::vector<fn::BnInputGradCoefficients> coef(l.c);
    for (int64_t c = 0; c < l.c; ++c)
      coef[c] = fn::bn_input_grad_coefficients(w[c], invstd[c], sum_g[c], sum_gx[c], m, training);
    r.input = Tensor::empty(x.sizes(), x.options());
    T* dx = r.input.data<T>();
#pragma omp parallel for schedule(static) if (l.n * l.c * l.s > 32768)
    for (int64_t nc = 0; nc < l.n * l.c; ++nc) {
      const int64_t c = nc % l.c;
      const A k = static_cast<A>(coef[c].k), kx = static_cast<A>(coef[c].kx), k0 = static_cast<A>(coef[c].k0);
      const A mu = static_cast<A>(mean[c]);
      const int64_t base = nc * l.s;
      for (int64_t i = 0; i < l.s; ++i)
        dx[base + i] =
            static_cast<T>(fn::bn_input_grad(static_cast<A>(gp[base + i]), static_cast<A>(xp[base + i]), mu, k, kx, k0));
    }
  });
  if (needs[1]) {  // dw = Σ g·x̂ = invstd · Σ g·(x − mean)
    std::vector<double> dw(l.c);
    for (int64_t c = 0; c < l.c; ++c) dw[c] = sum_gx[c] * invstd[c];
    r.weight = grad_like(dw, {l.c}, weight, x.dtype());
  }
  if (needs[2]) r.bias = from_vector(sum_g, {l.c}, x.dtype());  // db = Σ g
  return r;
}

}  // namespace hg::ops
