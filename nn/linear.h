// Linear: y = x · weightᵀ + bias, x [..., in_features] -> [..., out_features].
// Init (torch default): weight ~ U(±1/√in_features) (kaiming_uniform with a = √5), bias likewise.
#pragma once
#include "nn/module.h"
#include "tensor/philox.h"

namespace hg::nn {

class Linear : public Module {
 public:
  Linear(int64_t in_features, int64_t out_features, bool bias = true, Generator* gen = nullptr);
  Tensor forward(const Tensor& x) override;
  // Redraws the parameters with the default init above.
  void reset_parameters(Generator* gen = nullptr);

  const int64_t in_features, out_features;
  Tensor weight;  // [out, in]
  Tensor bias;    // [out], or undefined
};

}  // namespace hg::nn
