// CUDA cross-entropy (ops/loss.h), called by ops/cpu/cross_entropy.cpp through HG_ON_CUDA after its
// checks (the target values are validated on the host there, so errors are identical). Positions
// run one per thread in double, as on the CPU; the mean/sum is a fixed-tree reduction.
#pragma once
#include "ops/loss.h"

namespace hg::ops {
// The logits viewed as [N, C, S] (position p = n·S + s reads C values spaced S apart) and the
// number of non-ignored positions; computed by the CPU op's checks.
struct CrossEntropyLayout {
  int64_t n = 1, c = 1, s = 1;
  int64_t count = 0;
  int64_t positions() const { return n * s; }
};
}  // namespace hg::ops

namespace hg::cuda {

ops::CrossEntropyForward cross_entropy(const Tensor& logits, const Tensor& target, Reduction reduction,
                                       int64_t ignore_index, double label_smoothing, const ops::CrossEntropyLayout& l);
Tensor cross_entropy_backward(const Tensor& grad_out, const Tensor& logits, const Tensor& target, const Tensor& lse,
                              Reduction reduction, int64_t ignore_index, double label_smoothing, int64_t count,
                              const ops::CrossEntropyLayout& l);

}  // namespace hg::cuda
