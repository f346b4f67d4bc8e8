#include "nn/optim_stateful.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <stdexcept>

#include "autograd/node.h"
#include "tensor/view.h"

namespace hg::nn {

namespace {

std::string join_names(const std::vector<std::string>& names) {
  std::string s = "[";
  for (size_t i = 0; i < names.size(); ++i) s += (i ? ", " : "") + names[i];
  return s + "]";
}

std::vector<std::string> names_of(const ParamGroup& g) {
  std::vector<std::string> out;
  for (const auto& [name, p] : g.params) out.push_back(name);
  return out;
}

}  // namespace

StatefulOptimizer::StatefulOptimizer(std::string type, std::vector<ParamGroup> groups,
                                     std::map<std::string, double> defaults, std::vector<StateSlot> slots)
    : type_(std::move(type)), groups_(std::move(groups)), slots_(std::move(slots)) {
  if (groups_.empty()) throw std::invalid_argument(type_ + ": no parameter groups");
  std::set<std::string> seen;
  std::set<const TensorImpl*> seen_tensors;
  for (size_t gi = 0; gi < groups_.size(); ++gi) {
    ParamGroup& g = groups_[gi];
    const std::string where = type_ + ": group " + std::to_string(gi);
    for (const auto& [name, p] : g.params) {
      if (name.empty() || name.find('/') != std::string::npos)
        throw std::invalid_argument(where + ": parameter name '" + name + "' must be non-empty and contain no '/'");
      if (!p.defined()) throw std::invalid_argument(where + ": parameter '" + name + "' is undefined");
      if (!is_floating(p.dtype()))
        throw std::invalid_argument(where + ": parameter '" + name + "' has non-floating dtype " +
                                    dtype_name(p.dtype()));
      if (!seen.insert(name).second) throw std::invalid_argument(where + ": duplicate parameter name '" + name + "'");
      if (!seen_tensors.insert(p.impl_ptr().get()).second)
        throw std::invalid_argument(where + ": parameter '" + name + "' is the same tensor as an earlier one");
    }
    if (std::isnan(g.lr)) g.lr = defaults.at("lr");
    if (std::isnan(g.weight_decay)) g.weight_decay = defaults.at("weight_decay");
    for (const auto& [key, value] : g.hyper)
      if (key == "lr" || key == "weight_decay" || !defaults.count(key))
        throw std::invalid_argument(where + ": unknown hyper-parameter '" + key + "'");
    for (const auto& [key, value] : defaults)
      if (key != "lr" && key != "weight_decay" && !g.hyper.count(key)) g.hyper[key] = value;
  }
}

void StatefulOptimizer::validate(const ParamGroup& g) const {
  check_hyper(std::isfinite(g.lr) && g.lr >= 0, type_, "learning rate", g.lr, "must be finite and >= 0");
  check_hyper(std::isfinite(g.weight_decay) && g.weight_decay >= 0, type_, "weight_decay", g.weight_decay,
              "must be finite and >= 0");
}

void StatefulOptimizer::validate_all() const {
  for (const auto& g : groups_) validate(g);
}

void StatefulOptimizer::step() {
  validate_all();
  NoGradGuard no_grad;
  for (const auto& g : groups_)
    for (const auto& [name, p] : g.params) {
      const Tensor grad = p.grad();
      if (!grad.defined()) continue;
      if (grad.sizes() != p.sizes())
        throw std::invalid_argument(type_ + ": gradient of '" + name + "' has shape " + grad.shape_string() +
                                    ", parameter " + p.shape_string());
      std::map<std::string, Tensor>& st = state_[name];
      follow_parameter(st, p);
      update(g, p, grad, st);
    }
}

void StatefulOptimizer::follow_parameter(std::map<std::string, Tensor>& st, const Tensor& p) const {
  for (auto& [slot, t] : st) {
    const bool counter =
        std::any_of(slots_.begin(), slots_.end(), [&](const StateSlot& s) { return s.name == slot && s.counter; });
    if (!counter && t.device() != p.device()) t = ops::to_device(t, p.device());
  }
}

const std::map<std::string, Tensor>& StatefulOptimizer::state(const std::string& param) const {
  static const std::map<std::string, Tensor> empty;
  auto it = state_.find(param);
  return it == state_.end() ? empty : it->second;
}

OptimizerState StatefulOptimizer::state_dict() const {
  OptimizerState out;
  out.description["type"] = type_;
  out.description["groups"] = nlohmann::json::array();
  for (const auto& g : groups_) {
    nlohmann::json jg;
    jg["lr"] = g.lr;
    jg["weight_decay"] = g.weight_decay;
    jg["hyper"] = g.hyper;
    jg["params"] = names_of(g);
    out.description["groups"].push_back(jg);
    for (const auto& [name, p] : g.params) {
      auto it = state_.find(name);
      if (it == state_.end()) continue;
      for (const auto& [slot, t] : it->second) out.tensors.emplace_back(name + "/" + slot, ops::clone(t));
    }
  }
  return out;
}

void StatefulOptimizer::load_state_dict(const OptimizerState& st) {
  const std::string who = type_ + ".load_state_dict: ";
  const nlohmann::json& d = st.description;
  if (!d.is_object() || !d.contains("type") || !d["type"].is_string())
    throw std::invalid_argument(who + "description has no \"type\"");
  if (d["type"].get<std::string>() != type_)
    throw std::invalid_argument(who + "checkpoint is for optimiser " + d["type"].get<std::string>());
  if (!d.contains("groups") || !d["groups"].is_array() || d["groups"].size() != groups_.size())
    throw std::invalid_argument(who + "checkpoint has " +
                                (d.contains("groups") && d["groups"].is_array() ? std::to_string(d["groups"].size())
                                                                                 : std::string("no")) +
                                " parameter groups, the optimiser has " + std::to_string(groups_.size()));
  // 1. Validate everything into new values; commit only at the end.
  std::vector<ParamGroup> groups = groups_;
  std::map<std::string, Tensor> by_name;
  for (size_t gi = 0; gi < groups.size(); ++gi) {
    const nlohmann::json& jg = d["groups"][gi];
    const std::string where = who + "group " + std::to_string(gi) + ": ";
    try {
      const auto names = jg.at("params").get<std::vector<std::string>>();
      if (names != names_of(groups[gi]))
        throw std::invalid_argument(where + "checkpoint has parameters " + join_names(names) + ", the optimiser has " +
                                    join_names(names_of(groups[gi])));
      groups[gi].lr = jg.at("lr").get<double>();
      groups[gi].weight_decay = jg.at("weight_decay").get<double>();
      const auto hyper = jg.at("hyper").get<std::map<std::string, double>>();
      for (const auto& [key, value] : groups[gi].hyper)
        if (!hyper.count(key)) throw std::invalid_argument(where + "checkpoint lacks hyper-parameter '" + key + "'");
      for (const auto& [key, value] : hyper)
        if (!groups[gi].hyper.count(key))
          throw std::invalid_argument(where + "checkpoint has unknown hyper-parameter '" + key + "'");
      groups[gi].hyper = hyper;
    } catch (const nlohmann::json::exception& e) {
      throw std::invalid_argument(where + "malformed description: " + e.what());
    }
    validate(groups[gi]);
    for (const auto& [name, p] : groups[gi].params) by_name[name] = p;
  }
  std::map<std::string, std::map<std::string, Tensor>> state;
  for (const auto& [key, t] : st.tensors) {
    const auto slash = key.rfind('/');
    if (slash == std::string::npos) throw std::invalid_argument(who + "tensor '" + key + "' is not '<param>/<slot>'");
    const std::string pname = key.substr(0, slash), sname = key.substr(slash + 1);
    auto pit = by_name.find(pname);
    if (pit == by_name.end()) throw std::invalid_argument(who + "tensor '" + key + "' names an unknown parameter");
    const StateSlot* slot = nullptr;
    for (const auto& s : slots_)
      if (s.name == sname) slot = &s;
    if (!slot) throw std::invalid_argument(who + "tensor '" + key + "' names an unknown state slot '" + sname + "'");
    if (!t.defined()) throw std::invalid_argument(who + "tensor '" + key + "' is undefined");
    const Tensor& p = pit->second;
    const Shape want = slot->counter ? Shape{} : p.sizes();
    const DType want_dt = slot->counter ? DType::i64 : p.dtype();
    if (t.sizes() != want)
      throw std::invalid_argument(who + "tensor '" + key + "' has shape " + t.shape_string() + ", expected " +
                                  shape_str(want));
    if (t.dtype() != want_dt)
      throw std::invalid_argument(who + "tensor '" + key + "' has dtype " + dtype_name(t.dtype()) + ", expected " +
                                  dtype_name(want_dt));
    // Moments live on the parameter's device (a checkpoint is read on the CPU); step counters are
    // host scalars wherever the parameter is.
    state[pname][sname] = ops::clone(ops::to_device(t, slot->counter ? Device::cpu() : p.device()));
  }
  for (const auto& [pname, slots] : state)
    for (const auto& s : slots_)
      if (!slots.count(s.name))
        throw std::invalid_argument(who + "parameter '" + pname + "' lacks state slot '" + s.name + "'");
  // 2. Commit.
  for (size_t gi = 0; gi < groups.size(); ++gi) {
    groups_[gi].lr = groups[gi].lr;
    groups_[gi].weight_decay = groups[gi].weight_decay;
    groups_[gi].hyper = groups[gi].hyper;
  }
  state_ = std::move(state);
}

}  // namespace hg::nn
