// Loss kernels (no graph) and the Reduction vocabulary shared by every loss (autograd/loss.h).
#pragma once
#include <string>

#include "tensor/tensor.h"

namespace hg {

// How a per-element loss is reduced: kept as is, averaged, or summed.
enum class Reduction { none, mean, sum };
// "none" | "mean" | "sum" (for the CLI and configs); throws std::invalid_argument naming the text.
Reduction parse_reduction(const std::string& text);
const char* reduction_name(Reduction r);

}  // namespace hg

namespace hg::ops {

// Cross-entropy of logits [N, C] or [N, C, d...] (also unbatched [C]) against class indices
// target (i64) [N] / [N, d...] / [] — class dim 1. Per position with lse = log Σ_c exp(x_c):
//   loss = (1 − ε)·(lse − x_t) + ε·(lse − mean_c x_c)     (ε = label_smoothing)
// and 0 where t == ignore_index. Reduction mean divides by the number of non-ignored positions
// (NaN when there are none, as torch). Other targets outside [0, C) throw naming the value.
struct CrossEntropyForward {
  Tensor loss;  // reduction none: target's shape; otherwise 0-d; logits' dtype
  Tensor lse;   // f64, one per position (saved for the backward)
  int64_t count = 0;  // non-ignored positions
};
CrossEntropyForward cross_entropy(const Tensor& logits, const Tensor& target, Reduction reduction,
                                  int64_t ignore_index, double label_smoothing);
// d loss / d x_c = w · (softmax_c − (1 − ε)·[c == t] − ε / C), with w = g (sum), g / count (mean)
// or g at that position (none), and 0 at ignored positions.
Tensor cross_entropy_backward(const Tensor& grad_out, const Tensor& logits, const Tensor& target,
                              const Tensor& lse, Reduction reduction, int64_t ignore_index, double label_smoothing,
                              int64_t count);

}  // namespace hg::ops
