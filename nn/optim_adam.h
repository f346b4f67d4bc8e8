// Adam and AdamW (torch.optim.Adam / torch.optim.AdamW semantics, without amsgrad).
//
// For each parameter w with gradient g, at its t-th update (t = 1, 2, ...; λ = weight_decay):
//   Adam  (L2 decay, added to the gradient):  g <- g + λ·w
//   AdamW (decoupled decay, on the weights):  w <- w − lr·λ·w
//   m <- β1·m + (1 − β1)·g
//   v <- β2·v + (1 − β2)·g²
//   w <- w − lr/(1 − β1^t) · m / ( sqrt(v)/sqrt(1 − β2^t) + ε )      (ε outside the square root)
// State per parameter: "step" (0-d i64 t), "exp_avg" (m), "exp_avg_sq" (v).
// Hyper-parameter names in ParamGroup::hyper: "beta1", "beta2", "eps".
#pragma once
#include "nn/optim_stateful.h"

namespace hg::nn {

struct AdamOptions {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0;  // AdamW's constructor uses 1e-2 when given AdamWOptions
};
struct AdamWOptions : AdamOptions {
  AdamWOptions() { weight_decay = 1e-2; }
};

class Adam : public StatefulOptimizer {
 public:
  Adam(NamedTensors params, AdamOptions defaults);
  Adam(std::vector<ParamGroup> groups, AdamOptions defaults);

 protected:
  Adam(const char* type, bool decoupled, std::vector<ParamGroup> groups, AdamOptions defaults);
  void validate(const ParamGroup& group) const override;
  void update(const ParamGroup& group, const Tensor& param, const Tensor& grad,
              std::map<std::string, Tensor>& state) override;

 private:
  bool decoupled_;
};

class AdamW : public Adam {
 public:
  AdamW(NamedTensors params, AdamWOptions defaults);
  AdamW(std::vector<ParamGroup> groups, AdamWOptions defaults);
};

}  // namespace hg::nn
