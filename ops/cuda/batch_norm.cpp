// Host side of the CUDA batch norm: argument checks (shared with the CPU op, ops/cpu/norm_common.h),
// device scratch for the per-channel doubles, and the kernel sequence of ops/cuda/batch_norm.cu.
#include "ops/cpu/norm_common.h"
#include "ops/cuda/batch_norm_cuda.h"
#include "ops/cuda/batch_norm_kernels.h"
#include "ops/cuda/tensor_args.h"
#include "ops/device_check.h"

namespace hg::cuda {
namespace {

using ops::norm_detail::BatchNormLayout;

Tensor doubles(int64_t n, Device d) { return Tensor::empty({n}, TensorOptions(DType::f64, d)); }
double* ptr(const Tensor& t) { return t.defined() ? static_cast<double*>(t.raw_data()) : nullptr; }
// A parameter as contiguous device doubles (undefined stays undefined).
Tensor as_doubles(const Tensor& t) { return t.defined() ? ops::contiguous(ops::to_dtype(t, DType::f64)) : t; }
ChannelLayout channels(const BatchNormLayout& l) { return {l.n, l.c, l.s}; }

}  // namespace

ops::NormForward batch_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, const Tensor& running_mean,
                            const Tensor& running_var, bool training, double momentum, double eps) {
  const BatchNormLayout l =
      ops::norm_detail::check_batch_norm_args(x, weight, bias, running_mean, running_var, training, eps);
  const Device dev = x.device();
  const int device = dev.index;
  const Tensor xc = ops::contiguous(x);
  ops::NormForward r;
  Tensor var;
  if (training) {
    r.mean = doubles(l.c, dev);
    var = doubles(l.c, dev);
    launch_bn_stats(strided_arg(xc), channels(l), ptr(r.mean), ptr(var), device);
  } else {  // copies: the saved mean must not alias the running buffer
    r.mean = ops::clone(ops::to_dtype(running_mean, DType::f64));
    var = as_doubles(running_var);
  }
  r.invstd = doubles(l.c, dev);
  const Tensor scale = doubles(l.c, dev), shift = doubles(l.c, dev);
  const Tensor w = as_doubles(weight), b = as_doubles(bias);
  launch_bn_coefficients(ptr(var), ptr(w), ptr(b), eps, l.c, ptr(r.invstd), ptr(scale), ptr(shift), device);
  r.out = Tensor::empty(x.sizes(), x.options());
  launch_bn_normalize(strided_arg(xc), strided_arg(r.out), channels(l), ptr(r.mean), ptr(scale), ptr(shift), device);
  if (training && running_mean.defined()) {
    launch_bn_running_update(strided_arg(running_mean), ptr(r.mean), momentum, 0.0, device);
    launch_bn_running_update(strided_arg(running_var), ptr(var), momentum, static_cast<double>(l.per_channel()),
                             device);
  }
  return r;
}

ops::NormGrads batch_norm_backward(const Tensor& grad_out, const Tensor& x, const Tensor& weight, const Tensor& mean_t,
                                   const Tensor& invstd_t, bool training, ops::NormNeeds needs) {
  const BatchNormLayout l = ops::norm_detail::check_batch_norm_backward_args(grad_out, x, weight, mean_t, invstd_t);
  const Device dev = x.device();
  const int device = dev.index;
  const Tensor xc = ops::contiguous(x), gc = ops::contiguous(ops::to_dtype(grad_out, x.dtype()));
  const Tensor mean = as_doubles(mean_t), invstd = as_doubles(invstd_t), w = as_doubles(weight);
  const Tensor sum_g = doubles(l.c, dev), sum_gx = doubles(l.c, dev);
  launch_bn_grad_sums(strided_arg(gc), strided_arg(xc), channels(l), ptr(mean), ptr(sum_g), ptr(sum_gx), device);
  ops::NormGrads r;
  const double m = static_cast<double>(l.per_channel());
  Tensor k, kx, k0, dw;
  if (needs[0]) k = doubles(l.c, dev), kx = doubles(l.c, dev), k0 = doubles(l.c, dev);
  if (needs[1]) dw = doubles(l.c, dev);
  if (needs[0] || needs[1])
    launch_bn_backward_coefficients(ptr(w), ptr(invstd), ptr(sum_g), ptr(sum_gx), m, training, l.c, ptr(k), ptr(kx),
                                    ptr(k0), ptr(dw), device);
  if (needs[0]) {
    r.input = Tensor::empty(x.sizes(), x.options());
    launch_bn_input_grad(strided_arg(gc), strided_arg(xc), strided_arg(r.input), channels(l), ptr(mean), ptr(k),
                         ptr(kx), ptr(k0), device);
  }
  if (needs[1]) r.weight = ops::to_dtype(dw, weight.defined() ? weight.dtype() : x.dtype());  // dw = Σ g·x̂
  if (needs[2]) r.bias = ops::to_dtype(sum_g, x.dtype());                                      // db = Σ g
  return r;
}

}  // namespace hg::cuda
