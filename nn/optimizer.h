// Optimizer: the interface every optimiser (SGD, Adam, AdamW) and wrapper (LARS) implements.
//
// Optimisers do not know about Module: they take parameter groups of *named* tensors (the names
// key the per-parameter state in state_dict(), so a checkpoint survives a change of parameter
// order). Each group carries its own learning rate and weight decay plus the optimiser's other
// hyper-parameters by name; a schedule changes a group's lr between steps (set_lr / param_groups()).
//
// Contract shared by all implementations:
//   step()       updates every parameter whose .grad() is defined, in place on its storage,
//                without recording a graph; parameters without a gradient are skipped (their state
//                is untouched).
//   zero_grad()  resets every gradient to undefined (like torch's set_to_none=True), so the next
//                backward pass writes fresh gradients and step() skips parameters that got none.
//   state_dict() named tensors (moments, step counters as 0-d i64 tensors) + a JSON description of
//                the hyper-parameters and parameter names; load_state_dict() validates names, shapes
//                and dtypes and throws std::invalid_argument naming the first mismatch before it
//                changes anything.
#pragma once
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "tensor/tensor.h"

namespace hg::nn {

using NamedTensor = std::pair<std::string, Tensor>;
using NamedTensors = std::vector<NamedTensor>;

inline constexpr double kUseDefault = std::numeric_limits<double>::quiet_NaN();

struct ParamGroup {
  NamedTensors params;
  double lr = kUseDefault;            // NaN = the optimiser's default
  double weight_decay = kUseDefault;  // NaN = the optimiser's default
  // Other hyper-parameters by name ("momentum", "beta1", ...); a missing key takes the optimiser's
  // default, an unknown key is rejected. Booleans are stored as 0/1.
  std::map<std::string, double> hyper;
};
// One group holding `params`, every hyper-parameter at the optimiser's default.
std::vector<ParamGroup> single_group(NamedTensors params);

// What an optimiser saves in a checkpoint.
struct OptimizerState {
  // "<parameter name>/<slot>", e.g. "layer1.0.conv1.weight/exp_avg", "fc.bias/step".
  NamedTensors tensors;
  // {"type": "Adam", "groups": [{"lr": .., "weight_decay": .., "hyper": {..}, "params": [names]}], ...}
  nlohmann::json description;
};

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  virtual std::string type() const = 0;  // "SGD", "Adam", "AdamW", "LARS(Adam)", ...
  virtual void step() = 0;
  virtual std::vector<ParamGroup>& param_groups() = 0;
  virtual const std::vector<ParamGroup>& param_groups() const = 0;
  virtual OptimizerState state_dict() const = 0;
  virtual void load_state_dict(const OptimizerState& state) = 0;

  void zero_grad();
  double lr(size_t group = 0) const;
  void set_lr(size_t group, double lr);  // throws std::invalid_argument for a negative or non-finite lr
  void set_lr(double lr);                // every group
  std::vector<Tensor> parameters() const;  // every group's tensors, in order
};

// Argument checking shared by the optimisers: throws std::invalid_argument("<who>: invalid <what> <value> (<rule>)").
void check_hyper(bool ok, const std::string& who, const std::string& what, double value, const char* rule);
std::string format_number(double v);  // shortest round-tripping decimal form

}  // namespace hg::nn
