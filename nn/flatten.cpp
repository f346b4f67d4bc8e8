#include "nn/flatten.h"

#include "autograd/shape.h"

namespace hg::nn {

Tensor Flatten::forward(const Tensor& x) {
  const auto wrap = [&](int64_t d) { return d < 0 ? d + x.dim() : d; };
  const int64_t s = wrap(start_dim), e = wrap(end_dim);
  if (x.dim() == 0 || s < 0 || e >= x.dim() || s > e)
    throw std::invalid_argument("Flatten(start_dim " + std::to_string(start_dim) + ", end_dim " +
                                std::to_string(end_dim) + "): invalid for an input of shape " + x.shape_string());
  return flatten(x, s, e);
}

}  // namespace hg::nn
