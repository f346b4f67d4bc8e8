// Host side of the CUDA softmax: contiguous operands, the [outer, d, inner] view, the launch.
#include "ops/cuda/softmax_cuda.h"
#include "ops/cuda/softmax_kernels.h"
#include "ops/cuda/tensor_args.h"
#include "tensor/view.h"

namespace hg::cuda {
namespace {

SoftmaxLayout layout_of(const Tensor& x, int64_t dim) {
  SoftmaxLayout l;
  if (x.dim() == 0) return l;  // a single element
  for (int64_t i = 0; i < dim; ++i) l.outer *= x.size(i);
  l.d = x.size(dim);
  for (int64_t i = dim + 1; i < x.dim(); ++i) l.inner *= x.size(i);
  return l;
}

}  // namespace

Tensor softmax_forward(const Tensor& x, int64_t dim, bool log) {
  const Tensor xc = ops::contiguous(x);
  Tensor y = Tensor::empty(x.sizes(), x.options());
  if (x.numel() > 0) launch_softmax_forward(strided_arg(xc), strided_arg(y), layout_of(x, dim), log, x.device().index);
  return y;
}

Tensor softmax_backward(const Tensor& grad_out, const Tensor& y, int64_t dim, bool log) {
  const Tensor yc = ops::contiguous(y), gc = ops::contiguous(ops::to_dtype(grad_out, y.dtype()));
  Tensor dx = Tensor::empty(y.sizes(), y.options());
  if (y.numel() > 0)
    launch_softmax_backward(strided_arg(gc), strided_arg(yc), strided_arg(dx), layout_of(y, dim), log,
                            y.device().index);
  return dx;
}

}  // namespace hg::cuda
