// LARS: layer-wise adaptive rate scaling, as a wrapper around any optimiser (REFERENCE.md §8).
//
// Before each inner step, every parameter w with gradient g (not excluded, see below) gets
//   trust  = η·‖w‖ / (‖g‖ + λ·‖w‖ + ε)                      (‖·‖ = L2 norm over the whole tensor)
//   factor = trust                     mode "scale" (SimCLR's LARS)
//   factor = min(trust / lr, 1)        mode "clip"  (NVIDIA apex LARC, as PeCLR used with η = 0.02)
//   factor = 1                         when ‖w‖ = 0 or ‖g‖ = 0 (and in clip mode when lr = 0)
//   g     <- factor·(g + λ·w)          (weight decay is kept even when factor = 1)
// where λ is the weight decay and lr the learning rate of the parameter's group, both read from the
// inner optimiser's param_groups() at every step (so a schedule that changes lr is seen by "clip").
//
// Weight decay: LARS applies it (inside the rescaled gradient, as above) and the inner optimiser
// must not apply it again, so during the inner step() every group's weight_decay is temporarily set
// to 0 and restored afterwards (also if the step throws). Configure λ once, in the inner optimiser's
// groups; it stays visible there and in state_dict(). With an AdamW inner optimiser this turns its
// decoupled decay into LARS's gradient-side decay.
//
// Exclusion: parameters for which `exclude(name, tensor)` is true (e.g. biases and BatchNorm
// weights, as SimCLR does) are neither adapted nor decayed: their gradient reaches the inner
// optimiser unchanged, with weight decay 0.
//
// Then the inner optimiser steps as usual (SGD with momentum for SimCLR, Adam for PeCLR). The
// rescaled gradient is written into .grad() in place (so after step() it holds factor·(g + λ·w)).
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "nn/optimizer.h"

namespace hg::nn {

enum class LarsMode { scale, clip };

using ParamPredicate = std::function<bool(const std::string& name, const Tensor& param)>;
ParamPredicate exclude_none();
ParamPredicate exclude_1d();  // every parameter with at most one dimension (biases, norm-layer weights)
// Parameters whose name contains any of `patterns` as a substring, e.g. {"bias", "bn"}.
ParamPredicate exclude_names_containing(std::vector<std::string> patterns);
ParamPredicate exclude_either(ParamPredicate a, ParamPredicate b);

struct LarsOptions {
  double trust_coefficient = 0.001;  // η: 0.001 for SimCLR's LARS, 0.02 for PeCLR's LARC clip mode
  double eps = 1e-8;                 // ε
  LarsMode mode = LarsMode::scale;
  ParamPredicate exclude = exclude_none();
};

class LARS : public Optimizer {
 public:
  LARS(std::unique_ptr<Optimizer> inner, LarsOptions options);

  std::string type() const override { return "LARS(" + inner_->type() + ")"; }
  void step() override;
  std::vector<ParamGroup>& param_groups() override { return inner_->param_groups(); }
  const std::vector<ParamGroup>& param_groups() const override { return inner_->param_groups(); }
  // The inner optimiser's state, with {"lars": {trust_coefficient, eps, mode}} added to the description.
  OptimizerState state_dict() const override;
  void load_state_dict(const OptimizerState& state) override;

  Optimizer& inner() { return *inner_; }
  const LarsOptions& options() const { return options_; }
  // The factor applied to a parameter's gradient at the last step (1 for excluded ones); for logging.
  double last_factor(const std::string& param) const;
  // The factor for one parameter (exposed for tests): see the formulas above.
  static double factor(double w_norm, double g_norm, double weight_decay, double lr, const LarsOptions& o);

 private:
  std::unique_ptr<Optimizer> inner_;
  LarsOptions options_;
  std::vector<std::pair<std::string, double>> last_factors_;
};

}  // namespace hg::nn
