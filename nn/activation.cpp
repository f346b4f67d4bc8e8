#include "nn/activation.h"

#include "autograd/pointwise.h"

namespace hg::nn {

Tensor ReLU::forward(const Tensor& x) { return relu(x); }
Tensor LeakyReLU::forward(const Tensor& x) { return leaky_relu(x, negative_slope); }

}  // namespace hg::nn
