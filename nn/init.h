// Parameter initialisation, in place, drawing from a hg::Generator (the default generator when
// null), so a model built from the same seed is the same model. Formulas follow torch.nn.init:
//
//   fan_in  = size(1) · receptive field,  fan_out = size(0) · receptive field,
//             receptive field = product of sizes from dim 2 on (1 for a matrix)
//   gain    : linear/conv/sigmoid 1, relu √2, leaky_relu(a) √(2 / (1 + a²)), tanh 5/3
//   kaiming_normal_  : N(0, std²),      std   = gain / √fan
//   kaiming_uniform_ : U(−bound, bound), bound = √3 · gain / √fan
//
// torch's default Linear/Conv2d weight init is kaiming_uniform_(a = √5, fan_in, leaky_relu), which
// gives bound = 1 / √fan_in; their bias is U(±1 / √fan_in).
#pragma once
#include "tensor/philox.h"
#include "tensor/tensor.h"

namespace hg::nn::init {

enum class FanMode { fan_in, fan_out };
enum class Nonlinearity { linear, conv, sigmoid, tanh, relu, leaky_relu };

double calculate_gain(Nonlinearity nonlinearity, double negative_slope = 0.01);
// Throws std::invalid_argument for tensors with fewer than 2 dims (fans are undefined).
int64_t fan_in(const Tensor& t);
int64_t fan_out(const Tensor& t);

// Each overwrites t (any floating dtype, CPU) and returns it. `a` is leaky_relu's negative slope.
const Tensor& uniform_(const Tensor& t, double lo, double hi, Generator* gen = nullptr);
const Tensor& normal_(const Tensor& t, double mean, double stddev, Generator* gen = nullptr);
const Tensor& constant_(const Tensor& t, double value);
const Tensor& zeros_(const Tensor& t);
const Tensor& ones_(const Tensor& t);
const Tensor& kaiming_uniform_(const Tensor& t, double a = 0.0, FanMode mode = FanMode::fan_in,
                               Nonlinearity nonlinearity = Nonlinearity::leaky_relu, Generator* gen = nullptr);
const Tensor& kaiming_normal_(const Tensor& t, double a = 0.0, FanMode mode = FanMode::fan_in,
                              Nonlinearity nonlinearity = Nonlinearity::leaky_relu, Generator* gen = nullptr);

}  // namespace hg::nn::init
