#include "nn/dropout.h"

#include "autograd/dropout.h"

namespace hg::nn {

Dropout::Dropout(double p, Generator* gen) : Module("Dropout"), p(p), gen_(gen) {
  if (!(p >= 0.0 && p <= 1.0)) throw std::invalid_argument("Dropout: p must be in [0, 1], got " + std::to_string(p));
}

Tensor Dropout::forward(const Tensor& x) { return dropout(x, p, is_training(), gen_); }

}  // namespace hg::nn
