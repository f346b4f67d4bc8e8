// StatefulOptimizer: the common machinery of SGD and Adam/AdamW — parameter groups resolved against
// defaults, per-parameter state slots keyed by parameter name, the step loop and state_dict I/O.
//
// A subclass supplies its defaults, its state slots, a validate() for a group's hyper-parameters and
// update(), which changes one parameter in place given its gradient and state.
//
// Devices: a parameter's tensor slots (moments, momentum buffers) live on the parameter's device —
// load_state_dict puts them there, and step() moves them there first when the parameter has moved
// since (Module::to(device) after the optimiser was made). Counter slots stay 0-d i64 CPU tensors
// (host scalars the update reads) on every device.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "nn/optimizer.h"

namespace hg::nn {

struct StateSlot {
  std::string name;      // "momentum_buffer", "exp_avg", "step", ...
  bool counter = false;  // a 0-d i64 step count (else a tensor shaped and typed like the parameter)
};

class StatefulOptimizer : public Optimizer {
 public:
  std::string type() const override { return type_; }
  std::vector<ParamGroup>& param_groups() override { return groups_; }
  const std::vector<ParamGroup>& param_groups() const override { return groups_; }
  // Validates every group, then updates each parameter that has a gradient (under NoGradGuard).
  void step() override;
  OptimizerState state_dict() const override;  // copies: later steps do not change a saved state
  void load_state_dict(const OptimizerState& state) override;

  // One parameter's state (empty before its first update).
  const std::map<std::string, Tensor>& state(const std::string& param) const;

 protected:
  // `defaults` holds "lr", "weight_decay" and every hyper-parameter name the optimiser knows.
  StatefulOptimizer(std::string type, std::vector<ParamGroup> groups, std::map<std::string, double> defaults,
                    std::vector<StateSlot> slots);
  // Throws std::invalid_argument naming a bad value. Called at construction and before each step.
  virtual void validate(const ParamGroup& group) const;
  virtual void update(const ParamGroup& group, const Tensor& param, const Tensor& grad,
                      std::map<std::string, Tensor>& state) = 0;
  // Call at the end of a subclass constructor (validate() is virtual, so the base cannot).
  void validate_all() const;

 private:
  // Moves the tensor slots of `st` to p's device (counters stay on the CPU).
  void follow_parameter(std::map<std::string, Tensor>& st, const Tensor& p) const;

  std::string type_;
  std::vector<ParamGroup> groups_;
  std::vector<StateSlot> slots_;
  std::map<std::string, std::map<std::string, Tensor>> state_;  // parameter name -> slot -> tensor
};

}  // namespace hg::nn
