// Differentiable losses (torch.nn.functional semantics). Reduction (none | mean | sum) and
// parse_reduction come from ops/loss.h. Shape and dtype errors throw std::invalid_argument naming
// the shapes / values.
#pragma once
#include "ops/loss.h"
#include "tensor/tensor.h"

namespace hg {

// Cross-entropy of logits [N, C] / [N, C, d...] / [C] against i64 class indices [N] / [N, d...] / [],
// fused log-softmax + NLL (one node). Positions whose target is ignore_index count neither in the
// loss nor in the mean's denominator. With label smoothing ε the target distribution is
// (1 − ε)·onehot + ε/C. Gradient w.r.t. logits only.
Tensor cross_entropy(const Tensor& logits, const Tensor& target, Reduction reduction = Reduction::mean,
                     int64_t ignore_index = -100, double label_smoothing = 0.0);

// (input − target)², |input − target|, and smooth L1:
//   0.5·d²/β where |d| < β, |d| − 0.5·β elsewhere (β = 0 is L1).
// input and target must have the same shape; gradients flow to both.
Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::mean);
Tensor l1_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::mean);
Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::mean,
                      double beta = 1.0);

// Cosine similarity along `dim` of a and b (broadcast together), torch 1.13's definition:
//   Σ a·b / sqrt(max(Σ a², eps²) · max(Σ b², eps²))
// i.e. a·b / (max(‖a‖, eps)·max(‖b‖, eps)). As in torch, the eps clamp is applied outside the
// graph: where it binds, the gradient is that of the clamped value with the squared norm's own
// derivative (torch clamps under no_grad, in place).
Tensor cosine_similarity(const Tensor& a, const Tensor& b, int64_t dim = 1, double eps = 1e-8);

}  // namespace hg
