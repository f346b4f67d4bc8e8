#include "nn/clip_grad.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "autograd/node.h"
#include "nn/optim_foreach.h"
#include "nn/optim_functors.h"
#include "ops/pointwise.h"
#include "ops/reduce.h"
#include "tensor/view.h"

namespace hg::nn {

double clip_grad_norm_(const std::vector<Tensor>& params, double max_norm, double p, bool error_if_nonfinite) {
  check_hyper(max_norm >= 0, "clip_grad_norm_", "max_norm", max_norm, "must be >= 0");
  const bool inf = std::isinf(p) && p > 0;
  if (!(p == 1.0 || p == 2.0 || inf))
    throw std::invalid_argument("clip_grad_norm_: unsupported norm_type " + format_number(p) + " (use 1, 2 or inf)");
  NoGradGuard no_grad;
  std::vector<Tensor> grads;
  for (const auto& w : params)
    if (w.grad().defined()) grads.push_back(w.grad());
  double total = 0;
  for (const auto& g : grads) {
    const double n = ops::norm(g, p).item<double>();
    if (inf) total = (std::isnan(n) || n > total) ? n : total;  // NaN sticks
    else total += p == 2.0 ? n * n : n;
  }
  if (p == 2.0) total = std::sqrt(total);
  if (error_if_nonfinite && !std::isfinite(total))
    throw std::runtime_error("clip_grad_norm_: the total norm of the gradients is " + format_number(total));
  const double coef = max_norm / (total + 1e-6);
  if (coef < 1.0)
    for (const auto& g : grads) foreach_update<1>("clip_grad_norm_", fn::ScaleBy{coef}, g);
  return total;
}

double clip_grad_norm_(const Optimizer& optimizer, double max_norm, double norm_type, bool error_if_nonfinite) {
  return clip_grad_norm_(optimizer.parameters(), max_norm, norm_type, error_if_nonfinite);
}

void clip_grad_value_(const std::vector<Tensor>& params, double clip) {
  check_hyper(clip >= 0, "clip_grad_value_", "clip", clip, "must be >= 0");
  NoGradGuard no_grad;
  for (const auto& w : params)
    if (w.grad().defined()) ops::copy_(w.grad(), ops::clamp(w.grad(), -clip, clip));
}

}  // namespace hg::nn
