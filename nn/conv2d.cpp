#include "nn/conv2d.h"

#include <cmath>

#include "autograd/conv.h"
#include "nn/init.h"

namespace hg::nn {

static std::string describe(int64_t in, int64_t out, int64_t k, const Conv2dOptions& o) {
  return "Conv2d(" + std::to_string(in) + " -> " + std::to_string(out) + ", kernel " + std::to_string(k) +
         ", stride " + std::to_string(o.stride) + ", padding " + std::to_string(o.padding) + ", dilation " +
         std::to_string(o.dilation) + ", groups " + std::to_string(o.groups) + ")";
}

Conv2d::Conv2d(int64_t in, int64_t out, int64_t k, Conv2dOptions o, Generator* gen)
    : Module("Conv2d"), in_channels(in), out_channels(out), kernel_size(k), options(o) {
  if (in <= 0 || out <= 0 || k <= 0 || o.stride <= 0 || o.padding < 0 || o.dilation <= 0 || o.groups <= 0 ||
      in % o.groups != 0 || out % o.groups != 0)
    throw std::invalid_argument(describe(in, out, k, o) +
                                ": sizes must be positive and both channel counts divisible by groups");
  weight = register_parameter("weight", Tensor::empty({out, in / o.groups, k, k}));
  if (o.bias) bias = register_parameter("bias", Tensor::empty({out}));
  reset_parameters(gen);
}

void Conv2d::reset_parameters(Generator* gen) {
  init::kaiming_uniform_(weight, std::sqrt(5.0), init::FanMode::fan_in, init::Nonlinearity::leaky_relu, gen);
  if (bias.defined()) {
    const double bound = 1.0 / std::sqrt(static_cast<double>(init::fan_in(weight)));
    init::uniform_(bias, -bound, bound, gen);
  }
}

Tensor Conv2d::forward(const Tensor& x) {
  if (x.dim() != 4 || x.size(1) != in_channels)
    throw std::invalid_argument(describe(in_channels, out_channels, kernel_size, options) +
                                ": expected input [N, " + std::to_string(in_channels) + ", H, W], got " +
                                x.shape_string());
  return conv2d(x, weight, bias, Conv2dParams::square(options.stride, options.padding, options.dilation, options.groups));
}

}  // namespace hg::nn
