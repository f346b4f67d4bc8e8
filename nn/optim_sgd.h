// SGD with momentum, dampening, Nesterov momentum and L2 weight decay (torch.optim.SGD semantics).
//
// For each parameter w with gradient g, per step (μ = momentum, τ = dampening, λ = weight_decay):
//   g   <- g + λ·w
//   buf <- g                        at the first step (with μ ≠ 0)
//   buf <- μ·buf + (1 − τ)·g         afterwards
//   d   <- g + μ·buf  if nesterov,  buf  otherwise  (d = g when μ = 0: no buffer is kept)
//   w   <- w − lr·d
// State per parameter: "momentum_buffer" (shaped like w) once momentum is used.
// Hyper-parameter names in ParamGroup::hyper: "momentum", "dampening", "nesterov" (0/1).
#pragma once
#include "nn/optim_stateful.h"

namespace hg::nn {

struct SGDOptions {
  double lr = 1e-3;
  double momentum = 0;
  double dampening = 0;
  double weight_decay = 0;
  bool nesterov = false;
};

class SGD : public StatefulOptimizer {
 public:
  SGD(NamedTensors params, SGDOptions defaults);
  SGD(std::vector<ParamGroup> groups, SGDOptions defaults);

 protected:
  void validate(const ParamGroup& group) const override;
  void update(const ParamGroup& group, const Tensor& param, const Tensor& grad,
              std::map<std::string, Tensor>& state) override;
};

}  // namespace hg::nn
