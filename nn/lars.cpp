#include "nn/lars.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>

#include "autograd/node.h"
#include "nn/optim_foreach.h"
#include "nn/optim_functors.h"
#include "ops/cuda/optim_cuda.h"
#include "ops/reduce.h"

namespace hg::nn {

ParamPredicate exclude_none() {
  return [](const std::string&, const Tensor&) { return false; };
}
ParamPredicate exclude_1d() {
  return [](const std::string&, const Tensor& p) { return p.dim() <= 1; };
}
ParamPredicate exclude_names_containing(std::vector<std::string> patterns) {
  return [patterns = std::move(patterns)](const std::string& name, const Tensor&) {
    return std::any_of(patterns.begin(), patterns.end(),
                       [&](const std::string& pat) { return name.find(pat) != std::string::npos; });
  };
}
ParamPredicate exclude_either(ParamPredicate a, ParamPredicate b) {
  return [a = std::move(a), b = std::move(b)](const std::string& n, const Tensor& p) { return a(n, p) || b(n, p); };
}

namespace {
const char* mode_name(LarsMode m) { return m == LarsMode::scale ? "scale" : "clip"; }

void check_options(const LarsOptions& o) {
  check_hyper(std::isfinite(o.trust_coefficient) && o.trust_coefficient > 0, "LARS", "trust_coefficient",
              o.trust_coefficient, "must be finite and > 0");
  check_hyper(std::isfinite(o.eps) && o.eps >= 0, "LARS", "eps", o.eps, "must be finite and >= 0");
  if (!o.exclude) throw std::invalid_argument("LARS: the exclude predicate is empty (use exclude_none())");
}
}  // namespace

LARS::LARS(std::unique_ptr<Optimizer> inner, LarsOptions options)
    : inner_(std::move(inner)), options_(std::move(options)) {
  if (!inner_) throw std::invalid_argument("LARS: no inner optimiser");
  check_options(options_);
}

double LARS::factor(double w_norm, double g_norm, double weight_decay, double lr, const LarsOptions& o) {
  return fn::lars_factor(w_norm, g_norm, weight_decay, lr, o.trust_coefficient, o.eps, o.mode == LarsMode::clip);
}

void LARS::step() {
  auto& groups = inner_->param_groups();
  last_factors_.clear();
  for (const auto& g : groups) {  // checked before any gradient is touched
    check_hyper(std::isfinite(g.lr) && g.lr >= 0, type(), "learning rate", g.lr, "must be finite and >= 0");
    check_hyper(std::isfinite(g.weight_decay) && g.weight_decay >= 0, type(), "weight_decay", g.weight_decay,
                "must be finite and >= 0");
  }
  {
    NoGradGuard no_grad;
    // CUDA parameters: the factor is computed and applied on the device (ops/cuda/optim_cuda.h),
    // each into its slot of a per-device buffer read once after the loop (no wait per parameter).
    struct DeviceFactors {
      Tensor values;                 // [count] f64 on the device
      std::vector<size_t> entries;   // index into last_factors_ of each slot
    };
    std::map<int, int64_t> counts;
    for (const auto& g : groups)
      for (const auto& [name, w] : g.params)
        if (w.grad().defined() && w.device().is_cuda() && !options_.exclude(name, w)) ++counts[w.device().index];
    std::map<int, DeviceFactors> on_device;
    for (const auto& [dev, n] : counts)
      on_device[dev].values = Tensor::empty({n}, TensorOptions(DType::f64, Device::cuda(dev)));
    for (const auto& g : groups) {
      for (const auto& [name, w] : g.params) {
        const Tensor grad = w.grad();
        if (!grad.defined()) continue;
        if (options_.exclude(name, w)) {
          last_factors_.emplace_back(name, 1.0);
          continue;
        }
#if HANDGRAD_WITH_CUDA
        if (w.device().is_cuda()) {
          DeviceFactors& d = on_device.at(w.device().index);
          cuda::lars_rescale(grad, w, g.weight_decay, g.lr, options_.trust_coefficient, options_.eps,
                             options_.mode == LarsMode::clip, d.values, static_cast<int64_t>(d.entries.size()));
          d.entries.push_back(last_factors_.size());
          last_factors_.emplace_back(name, 0.0);  // filled below
          continue;
        }
#endif
        const double w_norm = ops::norm(w).item<double>();
        const double g_norm = ops::norm(grad).item<double>();
        const double f = factor(w_norm, g_norm, g.weight_decay, g.lr, options_);
        foreach_update<1>("LARS", fn::LarsRescale{f, g.weight_decay}, grad, w);
        last_factors_.emplace_back(name, f);
      }
    }
    for (const auto& [dev, d] : on_device) {
      const std::vector<double> f = d.values.to_vector<double>();  // the one wait per device
      for (size_t i = 0; i < d.entries.size(); ++i) last_factors_[d.entries[i]].second = f[i];
    }
  }
  // The inner optimiser steps without weight decay (LARS applied it above); restore it afterwards.
  std::vector<double> saved;
  for (auto& g : groups) {
    saved.push_back(g.weight_decay);
    g.weight_decay = 0;
  }
  auto restore = [&] {
    for (size_t i = 0; i < groups.size(); ++i) groups[i].weight_decay = saved[i];
  };
  try {
    inner_->step();
  } catch (...) {
    restore();
    throw;
  }
  restore();
}

double LARS::last_factor(const std::string& param) const {
  for (const auto& [name, f] : last_factors_)
    if (name == param) return f;
  throw std::out_of_range("LARS: no factor recorded for '" + param + "' at the last step");
}

OptimizerState LARS::state_dict() const {
  OptimizerState st = inner_->state_dict();
  st.description["lars"] = {{"trust_coefficient", options_.trust_coefficient},
                            {"eps", options_.eps},
                            {"mode", mode_name(options_.mode)}};
  return st;
}

void LARS::load_state_dict(const OptimizerState& state) {
  const nlohmann::json& d = state.description;
  if (!d.is_object() || !d.contains("lars") || !d["lars"].is_object())
    throw std::invalid_argument(type() + ".load_state_dict: the checkpoint has no LARS settings");
  LarsOptions o = options_;
  try {
    o.trust_coefficient = d["lars"].at("trust_coefficient").get<double>();
    o.eps = d["lars"].at("eps").get<double>();
    const std::string mode = d["lars"].at("mode").get<std::string>();
    if (mode != "scale" && mode != "clip")
      throw std::invalid_argument(type() + ".load_state_dict: unknown LARS mode '" + mode + "'");
    o.mode = mode == "scale" ? LarsMode::scale : LarsMode::clip;
  } catch (const nlohmann::json::exception& e) {
    throw std::invalid_argument(type() + ".load_state_dict: malformed LARS settings: " + e.what());
  }
  check_options(o);
  OptimizerState inner = state;
  inner.description.erase("lars");
  inner_->load_state_dict(inner);  // validates before changing anything
  options_ = o;
}

}  // namespace hg::nn
