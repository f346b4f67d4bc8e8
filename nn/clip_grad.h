// Gradient clipping (torch.nn.utils.clip_grad_norm_ / clip_grad_value_ semantics).
//
// clip_grad_norm_: with n_i = ‖g_i‖_p of every defined gradient,
//   total = (Σ n_i^p)^(1/p)        (p = 1 or 2),   total = max_i n_i   (p = ∞)
//   coef  = max_norm / (total + 1e-6);   if coef < 1: every g_i <- coef·g_i
// and returns `total` (the norm before clipping). Parameters without a gradient are ignored; with
// none at all the total is 0. With error_if_nonfinite, an inf/NaN total throws std::runtime_error;
// otherwise an inf total gives coef = 0 (as in torch) and a NaN total leaves the gradients unchanged
// (torch would multiply them by NaN). Under mixed precision, call GradScaler::unscale_ first.
//
// clip_grad_value_: every gradient element is clamped to [−clip, clip].
#pragma once
#include <limits>
#include <vector>

#include "nn/optimizer.h"

namespace hg::nn {

double clip_grad_norm_(const std::vector<Tensor>& params, double max_norm, double norm_type = 2.0,
                       bool error_if_nonfinite = false);
double clip_grad_norm_(const Optimizer& optimizer, double max_norm, double norm_type = 2.0,
                       bool error_if_nonfinite = false);
void clip_grad_value_(const std::vector<Tensor>& params, double clip);

}  // namespace hg::nn
