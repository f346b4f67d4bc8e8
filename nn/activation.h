// Parameter-free element-wise layers: ReLU (max(x, 0)), LeakyReLU (x if x > 0 else slope · x),
// Identity (x itself).
#pragma once
#include "nn/module.h"

namespace hg::nn {

class ReLU : public Module {
 public:
  ReLU() : Module("ReLU") {}
  Tensor forward(const Tensor& x) override;
};

class LeakyReLU : public Module {
 public:
  explicit LeakyReLU(double negative_slope = 0.01) : Module("LeakyReLU"), negative_slope(negative_slope) {}
  Tensor forward(const Tensor& x) override;
  const double negative_slope;
};

class Identity : public Module {
 public:
  Identity() : Module("Identity") {}
  Tensor forward(const Tensor& x) override { return x; }
};

}  // namespace hg::nn
