#include "nn/optimizer.h"

#include <cmath>
#include <sstream>
#include <stdexcept>

namespace hg::nn {

std::string format_number(double v) {
  std::ostringstream os;
  os.precision(17);
  os << v;
  std::string s = os.str();
  // Prefer the short form when it round-trips (0.1 rather than 0.10000000000000001).
  for (int p = 1; p < 17; ++p) {
    std::ostringstream o;
    o.precision(p);
    o << v;
    if (std::stod(o.str()) == v || std::isnan(v)) return o.str();
  }
  return s;
}

std::vector<ParamGroup> single_group(NamedTensors params) {
  ParamGroup g;
  g.params = std::move(params);
  return {g};
}

void check_hyper(bool ok, const std::string& who, const std::string& what, double value, const char* rule) {
  if (!ok) throw std::invalid_argument(who + ": invalid " + what + " " + format_number(value) + " (" + rule + ")");
}

void Optimizer::zero_grad() {
  for (auto& group : param_groups())
    for (auto& [name, p] : group.params) p.zero_grad();
}

double Optimizer::lr(size_t group) const {
  const auto& groups = param_groups();
  if (group >= groups.size())
    throw std::out_of_range(type() + ": no parameter group " + std::to_string(group) + " (have " +
                            std::to_string(groups.size()) + ")");
  return groups[group].lr;
}

void Optimizer::set_lr(size_t group, double lr) {
  auto& groups = param_groups();
  if (group >= groups.size())
    throw std::out_of_range(type() + ": no parameter group " + std::to_string(group) + " (have " +
                            std::to_string(groups.size()) + ")");
  check_hyper(std::isfinite(lr) && lr >= 0, type(), "learning rate", lr, "must be finite and >= 0");
  groups[group].lr = lr;
}

void Optimizer::set_lr(double lr) {
  for (size_t g = 0; g < param_groups().size(); ++g) set_lr(g, lr);
}

std::vector<Tensor> Optimizer::parameters() const {
  std::vector<Tensor> out;
  for (const auto& group : param_groups())
    for (const auto& [name, p] : group.params) out.push_back(p);
  return out;
}

}  // namespace hg::nn
