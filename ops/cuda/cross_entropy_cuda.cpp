// Host side of ops/cuda/cross_entropy_cuda.h: contiguous device operands, f64 per-position
// buffers, the kernels of ops/cuda/cross_entropy.cu. The op has already checked every argument.
#include "ops/cuda/cross_entropy_cuda.h"

#include "ops/cuda/cross_entropy_kernels.h"
#include "tensor/view.h"

namespace hg::cuda {

ops::CrossEntropyForward cross_entropy(const Tensor& logits, const Tensor& target, Reduction reduction,
                                       int64_t ignore_index, double eps, const ops::CrossEntropyLayout& l) {
  const Tensor xc = ops::contiguous(logits), tc = ops::contiguous(target);
  const TensorOptions f64(DType::f64, logits.device());
  const int device = logits.device().index;
  const CrossEntropyShape s{l.n, l.c, l.s, ignore_index, eps};
  ops::CrossEntropyForward r;
  r.count = l.count;
  r.lse = Tensor::empty({l.positions()}, f64);
  Tensor loss = Tensor::empty(target.sizes(), f64);  // target's shape: one value per position
  launch_cross_entropy_forward(xc.raw_data(), logits.dtype(), tc.data<int64_t>(), loss.data<double>(),
                               r.lse.data<double>(), s, device);
  if (reduction == Reduction::none) {
    r.loss = ops::to_dtype(loss, logits.dtype());
  } else {
    r.loss = Tensor::empty({}, logits.options());
    launch_cross_entropy_reduce(loss.data<double>(), l.positions(), reduction == Reduction::mean, l.count,
                                r.loss.raw_data(), logits.dtype(), device);
  }
  return r;
}

Tensor cross_entropy_backward(const Tensor& grad_out, const Tensor& logits, const Tensor& target, const Tensor& lse,
                              Reduction reduction, int64_t ignore_index, double eps, int64_t count,
                              const ops::CrossEntropyLayout& l) {
  const Tensor xc = ops::contiguous(logits), tc = ops::contiguous(target), lc = ops::contiguous(lse);
  const Tensor gc = ops::contiguous(ops::to_dtype(grad_out, DType::f64));
  const CrossEntropyShape s{l.n, l.c, l.s, ignore_index, eps};
  Tensor dx = Tensor::empty(logits.sizes(), logits.options());
  launch_cross_entropy_backward(dx.raw_data(), xc.raw_data(), logits.dtype(), tc.data<int64_t>(), lc.data<double>(),
                                gc.data<double>(), reduction == Reduction::none, reduction == Reduction::mean, count,
                                s, logits.device().index);
  return dx;
}

}  // namespace hg::cuda
