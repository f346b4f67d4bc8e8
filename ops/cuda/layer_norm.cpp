// Host side of the CUDA layer norm: the CPU op's checks (ops/cpu/layer_norm.cpp runs them before
// dispatching here), device scratch for the doubles, and the kernels of ops/cuda/layer_norm.cu.
#include "ops/cuda/batch_norm_cuda.h"
#include "ops/cuda/layer_norm_kernels.h"
#include "ops/cuda/tensor_args.h"
#include "tensor/view.h"

namespace hg::cuda {
namespace {

Tensor doubles(const Shape& s, Device d) { return Tensor::empty(s, TensorOptions(DType::f64, d)); }
double* ptr(const Tensor& t) { return t.defined() ? static_cast<double*>(t.raw_data()) : nullptr; }
Tensor as_doubles(const Tensor& t) { return t.defined() ? ops::contiguous(ops::to_dtype(t, DType::f64)) : t; }

}  // namespace

// Checked by ops::layer_norm: x floating, normalized_shape matches, weight/bias shapes and device.
ops::NormForward layer_norm(const Tensor& x, const Shape& ns, const Tensor& weight, const Tensor& bias, double eps) {
  const int64_t m = shape_numel(ns), rows = m ? x.numel() / m : 0;
  const Device dev = x.device();
  const Tensor xc = ops::contiguous(x), w = as_doubles(weight), b = as_doubles(bias);
  ops::NormForward r;
  r.out = Tensor::empty(x.sizes(), x.options());
  r.mean = doubles({rows}, dev);
  r.invstd = doubles({rows}, dev);
  launch_ln_forward(strided_arg(xc), strided_arg(r.out), rows, m, ptr(w), ptr(b), eps, ptr(r.mean), ptr(r.invstd),
                    dev.index);
  return r;
}

// Checked by ops::layer_norm_backward (shapes, devices, saved statistics).
ops::NormGrads layer_norm_backward(const Tensor& grad_out, const Tensor& x, const Shape& ns, const Tensor& weight,
                                   const Tensor& mean_t, const Tensor& rstd_t, ops::NormNeeds needs) {
  const int64_t m = shape_numel(ns), rows = m ? x.numel() / m : 0;
  const Device dev = x.device();
  const Tensor xc = ops::contiguous(x), gc = ops::contiguous(ops::to_dtype(grad_out, x.dtype()));
  const Tensor w = as_doubles(weight), mean = as_doubles(mean_t), rstd = as_doubles(rstd_t);
  ops::NormGrads r;
  if (needs[0]) {
    r.input = Tensor::empty(x.sizes(), x.options());
    launch_ln_input_grad(strided_arg(gc), strided_arg(xc), strided_arg(r.input), rows, m, ptr(w), ptr(mean),
                         ptr(rstd), dev.index);
  }
  if (needs[1] || needs[2]) {
    const Tensor dw = needs[1] ? doubles(ns, dev) : Tensor(), db = needs[2] ? doubles(ns, dev) : Tensor();
    launch_ln_param_grads(strided_arg(gc), strided_arg(xc), rows, m, ptr(mean), ptr(rstd), ptr(dw), ptr(db),
                          dev.index);
    if (needs[1]) r.weight = ops::to_dtype(dw, weight.defined() ? weight.dtype() : x.dtype());
    if (needs[2]) r.bias = ops::to_dtype(db, x.dtype());
  }
  return r;
}

}  // namespace hg::cuda
