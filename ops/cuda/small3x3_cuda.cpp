// Host side of ops/cuda/small3x3_cuda.h.
#include "ops/cuda/small3x3_cuda.h"

#include "ops/cuda/small3x3_kernels.h"
#include "ops/pointwise.h"

namespace hg::cuda {

int64_t small3x3_into(fn::Small3x3 op, const Tensor& out, const Tensor& in) {
  const int64_t batches = in.numel() / 9;
  if (batches == 0) return -1;
  const bool inverse = op == fn::Small3x3::inverse;
  Tensor first;
  if (inverse) {
    first = Tensor::empty({1}, TensorOptions(DType::i64, in.device()));
    ops::fill_(first, -1.0);  // all ones: no singular matrix yet
  }
  launch_small3x3(op, static_cast<const double*>(in.raw_data()), static_cast<double*>(out.raw_data()), batches,
                  inverse ? static_cast<unsigned long long*>(first.raw_data()) : nullptr, in.device().index);
  return inverse ? first.item<int64_t>() : -1;  // the inverse's one synchronisation
}

}  // namespace hg::cuda
