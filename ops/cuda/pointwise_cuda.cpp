// Host side of ops/cuda/pointwise_cuda.h: StridedArgs from the tensors, then the launchers.
#include "ops/cuda/pointwise_cuda.h"

#include "ops/cuda/copy_kernels.h"
#include "ops/cuda/pointwise_kernels.h"
#include "ops/cuda/tensor_args.h"

namespace hg::cuda {

Tensor where_into(const Tensor& out, const Tensor& cond, const Tensor& a, const Tensor& b) {
  launch_where(strided_arg(out), strided_arg(cond), strided_arg(a), strided_arg(b), out.device().index);
  return out;
}

void fill(const Tensor& dst, double value) { launch_fill(strided_arg(dst), value, dst.device().index); }

}  // namespace hg::cuda
