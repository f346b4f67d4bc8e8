// Dropout with its derivative: the scaled mask is saved and multiplies the gradient too.
#include "autograd/dropout.h"

#include <string>

#include "autograd/node.h"
#include "ops/device_check.h"
#include "ops/pointwise.h"
#include "tensor/factory.h"

namespace hg {

static const Differentiable kDropout("dropout", "y = x m/(1-p), m ~ Bernoulli(1-p): dx = g m/(1-p)");
Tensor dropout(const Tensor& x, double p, bool training, Generator* gen) {
  if (!(p >= 0.0 && p <= 1.0))
    throw std::invalid_argument("dropout: p must be in [0, 1], got " + std::to_string(p));
  ops::check_floating("dropout", x);
  if (!training || p == 0.0) return x;
  // m/(1 − p) with m ~ Bernoulli(1 − p); all zeros when p == 1 (nothing is kept)
  Tensor scaled_mask = p == 1.0 ? zeros(x.sizes(), x.options())
                                : ops::mul(bernoulli(x.sizes(), 1.0 - p, x.options(), gen), 1.0 / (1.0 - p));
  return record(kDropout, {x}, ops::mul(x, scaled_mask),
                [scaled_mask](const Tensor& g) { return Grads{ops::mul(g, scaled_mask)}; });
}

}  // namespace hg
