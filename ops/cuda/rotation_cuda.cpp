// Host side of ops/cuda/rotation_cuda.h.
#include "ops/cuda/rotation_cuda.h"

#include "ops/cuda/rotation_kernels.h"

namespace hg::cuda {

Tensor rodrigues_into(const Tensor& out, const Tensor& r) {
  launch_rodrigues(r.raw_data(), out.raw_data(), r.numel() / 3, r.dtype(), r.device().index);
  return out;
}

Tensor rodrigues_backward_into(const Tensor& out, const Tensor& r, const Tensor& g) {
  launch_rodrigues_backward(r.raw_data(), g.raw_data(), out.raw_data(), r.numel() / 3, r.dtype(), r.device().index);
  return out;
}

}  // namespace hg::cuda
