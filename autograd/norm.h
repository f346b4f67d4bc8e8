// Differentiable normalisation: batch norm, layer norm (fused kernels in ops/norm.h) and
// normalize (composite). Semantics follow torch.nn.functional.
#pragma once
#include "tensor/tensor.h"

namespace hg {

// x: [N, C] or [N, C, d...]; weight, bias, running_mean, running_var: [C] or undefined.
// training: batch statistics (biased variance) normalise x, and the running stats (when given) are
// updated IN PLACE with running = (1 − momentum)·running + momentum·batch (unbiased variance for
// running_var). Inference: the running stats normalise x (both required).
// Differentiable w.r.t. x, weight and bias.
Tensor batch_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, const Tensor& running_mean,
                  const Tensor& running_var, bool training, double momentum = 0.1, double eps = 1e-5);

// Normalises over the trailing dims `normalized_shape` of x; weight/bias have that shape or are undefined.
Tensor layer_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight = Tensor(),
                  const Tensor& bias = Tensor(), double eps = 1e-5);

// x / max(‖x‖_p, eps) along `dim` (torch.nn.functional.normalize).
Tensor normalize(const Tensor& x, double p = 2.0, int64_t dim = 1, double eps = 1e-12);

}  // namespace hg
