#include "nn/optim_sgd.h"

#include <cmath>

#include "nn/optim_foreach.h"
#include "nn/optim_functors.h"

namespace hg::nn {

namespace {
std::map<std::string, double> sgd_defaults(const SGDOptions& o) {
  return {{"lr", o.lr},
          {"weight_decay", o.weight_decay},
          {"momentum", o.momentum},
          {"dampening", o.dampening},
          {"nesterov", o.nesterov ? 1.0 : 0.0}};
}
}  // namespace

SGD::SGD(NamedTensors params, SGDOptions defaults) : SGD(single_group(std::move(params)), defaults) {}

SGD::SGD(std::vector<ParamGroup> groups, SGDOptions defaults)
    : StatefulOptimizer("SGD", std::move(groups), sgd_defaults(defaults), {{"momentum_buffer"}}) {
  validate_all();
}

void SGD::validate(const ParamGroup& g) const {
  StatefulOptimizer::validate(g);
  const double mu = g.hyper.at("momentum"), tau = g.hyper.at("dampening"), nesterov = g.hyper.at("nesterov");
  check_hyper(std::isfinite(mu) && mu >= 0, "SGD", "momentum", mu, "must be finite and >= 0");
  check_hyper(std::isfinite(tau), "SGD", "dampening", tau, "must be finite");
  check_hyper(nesterov == 0 || nesterov == 1, "SGD", "nesterov", nesterov, "must be 0 or 1");
  if (nesterov == 1) {
    check_hyper(mu > 0, "SGD", "momentum", mu, "Nesterov momentum needs momentum > 0");
    check_hyper(tau == 0, "SGD", "dampening", tau, "Nesterov momentum needs dampening 0");
  }
}

void SGD::update(const ParamGroup& g, const Tensor& w, const Tensor& grad, std::map<std::string, Tensor>& state) {
  const double mu = g.hyper.at("momentum");
  if (mu == 0) {
    foreach_update<1>("SGD", fn::SgdUpdate{g.lr, g.weight_decay}, w, grad);
    return;
  }
  auto it = state.find("momentum_buffer");
  const bool first = it == state.end();
  if (first) it = state.emplace("momentum_buffer", Tensor::empty(w.sizes(), w.options())).first;
  const fn::SgdMomentumUpdate f{g.lr, mu, g.hyper.at("dampening"), g.weight_decay, g.hyper.at("nesterov") == 1, first};
  foreach_update<2>("SGD", f, w, it->second, grad);
}

}  // namespace hg::nn
