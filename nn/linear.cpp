#include "nn/linear.h"

#include <cmath>

#include "autograd/linalg.h"
#include "nn/init.h"
#include "tensor/factory.h"

namespace hg::nn {

Linear::Linear(int64_t in, int64_t out, bool with_bias, Generator* gen)
    : Module("Linear"), in_features(in), out_features(out) {
  if (in <= 0 || out <= 0)
    throw std::invalid_argument("Linear: features must be positive, got in " + std::to_string(in) + ", out " +
                                std::to_string(out));
  weight = register_parameter("weight", Tensor::empty({out, in}));
  if (with_bias) bias = register_parameter("bias", Tensor::empty({out}));
  reset_parameters(gen);
}

void Linear::reset_parameters(Generator* gen) {
  init::kaiming_uniform_(weight, std::sqrt(5.0), init::FanMode::fan_in, init::Nonlinearity::leaky_relu, gen);
  if (bias.defined()) {
    const double bound = 1.0 / std::sqrt(static_cast<double>(in_features));
    init::uniform_(bias, -bound, bound, gen);
  }
}

Tensor Linear::forward(const Tensor& x) {
  if (x.dim() < 1 || x.size(-1) != in_features)
    throw std::invalid_argument("Linear(" + std::to_string(in_features) + " -> " + std::to_string(out_features) +
                                "): expected input [..., " + std::to_string(in_features) + "], got " +
                                x.shape_string());
  return linear(x, weight, bias);
}

}  // namespace hg::nn
