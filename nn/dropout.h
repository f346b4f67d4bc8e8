// Dropout: in training, y = x · mask / (1 − p) with mask ~ Bernoulli(1 − p) (autograd/dropout.h);
// in eval, y = x. The mask is drawn from `gen` (the default generator when null); the generator
// must outlive the module.
#pragma once
#include "nn/module.h"
#include "tensor/philox.h"

namespace hg::nn {

class Dropout : public Module {
 public:
  explicit Dropout(double p = 0.5, Generator* gen = nullptr);
  Tensor forward(const Tensor& x) override;
  void set_generator(Generator* gen) { gen_ = gen; }
  const double p;

 private:
  Generator* gen_;
};

}  // namespace hg::nn
