// Differentiable dropout (inverted scaling, as torch.nn.functional.dropout).
#pragma once
#include "tensor/philox.h"
#include "tensor/tensor.h"

namespace hg {

// training and 0 < p < 1: y = x · mask / (1 − p) with mask ~ Bernoulli(1 − p) drawn from `gen`
// (the default generator when null); p == 1 gives zeros; !training or p == 0 returns x itself.
// p outside [0, 1] throws std::invalid_argument.
Tensor dropout(const Tensor& x, double p = 0.5, bool training = true, Generator* gen = nullptr);

}  // namespace hg
