#include "nn/optim_adam.h"

#include <cmath>

#include "nn/optim_foreach.h"
#include "nn/optim_functors.h"
#include "tensor/factory.h"

namespace hg::nn {

namespace {
std::map<std::string, double> adam_defaults(const AdamOptions& o) {
  return {{"lr", o.lr}, {"weight_decay", o.weight_decay}, {"beta1", o.beta1}, {"beta2", o.beta2}, {"eps", o.eps}};
}
}  // namespace

Adam::Adam(NamedTensors params, AdamOptions defaults)
    : Adam("Adam", false, single_group(std::move(params)), defaults) {}
Adam::Adam(std::vector<ParamGroup> groups, AdamOptions defaults) : Adam("Adam", false, std::move(groups), defaults) {}

Adam::Adam(const char* type, bool decoupled, std::vector<ParamGroup> groups, AdamOptions defaults)
    : StatefulOptimizer(type, std::move(groups), adam_defaults(defaults),
                        {{"step", true}, {"exp_avg"}, {"exp_avg_sq"}}),
      decoupled_(decoupled) {
  validate_all();
}

AdamW::AdamW(NamedTensors params, AdamWOptions defaults)
    : Adam("AdamW", true, single_group(std::move(params)), defaults) {}
AdamW::AdamW(std::vector<ParamGroup> groups, AdamWOptions defaults) : Adam("AdamW", true, std::move(groups), defaults) {}

void Adam::validate(const ParamGroup& g) const {
  StatefulOptimizer::validate(g);
  const double b1 = g.hyper.at("beta1"), b2 = g.hyper.at("beta2"), eps = g.hyper.at("eps");
  check_hyper(b1 >= 0 && b1 < 1, type(), "beta1", b1, "must be in [0, 1)");
  check_hyper(b2 >= 0 && b2 < 1, type(), "beta2", b2, "must be in [0, 1)");
  check_hyper(std::isfinite(eps) && eps >= 0, type(), "eps", eps, "must be finite and >= 0");
}

void Adam::update(const ParamGroup& g, const Tensor& w, const Tensor& grad, std::map<std::string, Tensor>& state) {
  if (state.empty()) {
    state["step"] = zeros({}, DType::i64);
    state["exp_avg"] = zeros(w.sizes(), w.options());
    state["exp_avg_sq"] = zeros(w.sizes(), w.options());
  }
  int64_t& t = *state.at("step").data<int64_t>();
  ++t;
  const double b1 = g.hyper.at("beta1"), b2 = g.hyper.at("beta2");
  const double bc1 = 1.0 - std::pow(b1, static_cast<double>(t));
  const double bc2 = 1.0 - std::pow(b2, static_cast<double>(t));
  const fn::AdamUpdate f{g.lr, b1, b2, g.hyper.at("eps"), g.weight_decay, g.lr / bc1, std::sqrt(bc2), decoupled_};
  foreach_update<3>(type().c_str(), f, w, state.at("exp_avg"), state.at("exp_avg_sq"), grad);
}

}  // namespace hg::nn
