#include "nn/grad_scaler.h"

#include <cmath>
#include <stdexcept>

#include "autograd/node.h"
#include "autograd/pointwise.h"
#include "nn/optim_foreach.h"
#include "nn/optim_functors.h"
#include "ops/cuda/grad_scaler_cuda.h"
#include "ops/pointwise.h"
#include "tensor/factory.h"

namespace hg::nn {

GradScaler::GradScaler(GradScalerOptions o) : options_(o), scale_(o.init_scale) {
  check_hyper(std::isfinite(o.init_scale) && o.init_scale > 0, "GradScaler", "init_scale", o.init_scale,
              "must be finite and > 0");
  check_hyper(std::isfinite(o.growth_factor) && o.growth_factor > 1, "GradScaler", "growth_factor", o.growth_factor,
              "must be > 1");
  check_hyper(o.backoff_factor > 0 && o.backoff_factor < 1, "GradScaler", "backoff_factor", o.backoff_factor,
              "must be in (0, 1)");
  check_hyper(o.growth_interval >= 1, "GradScaler", "growth_interval", static_cast<double>(o.growth_interval),
              "must be >= 1");
}

Tensor GradScaler::scale(const Tensor& loss) const {
  if (!options_.enabled) return loss;
  return mul(loss, scale_);
}

void GradScaler::unscale_(Optimizer& optimizer) {
  if (!options_.enabled) return;
  PerOptimizer& st = per_optimizer_[&optimizer];
  if (st.unscaled) return;  // already done since the last update()
  if (st.stepped) throw std::logic_error("GradScaler.unscale_: step() was already called since the last update()");
  // The reciprocal is taken in float32, like torch's float32 scale (exact for powers of two).
  const double inv = static_cast<double>(1.0f / static_cast<float>(scale_));
  NoGradGuard no_grad;
  bool finite = true;
  std::vector<Tensor> device_grads;  // unscaled together below: one host wait per device, not per gradient
  for (const auto& group : optimizer.param_groups())
    for (const auto& [name, w] : group.params) {
      const Tensor g = w.grad();
      if (!g.defined()) continue;
      if (g.device().is_cuda()) {
        device_grads.push_back(g);
        continue;
      }
      foreach_update<1>("GradScaler.unscale_", fn::ScaleBy{inv}, g);
      finite = finite && ops::all_finite(g);
    }
#if HANDGRAD_WITH_CUDA
  if (!device_grads.empty()) finite = cuda::unscale_and_check_finite(device_grads, inv) && finite;
#else
  if (!device_grads.empty()) throw std::logic_error("GradScaler.unscale_: CUDA gradients in a build without CUDA");
#endif
  st.unscaled = true;
  st.found_inf = !finite;
}

bool GradScaler::step(Optimizer& optimizer) {
  if (!options_.enabled) {
    optimizer.step();
    return true;
  }
  PerOptimizer& st = per_optimizer_[&optimizer];
  if (st.stepped) throw std::logic_error("GradScaler.step: step() was already called since the last update()");
  if (!st.unscaled) unscale_(optimizer);
  PerOptimizer& s = per_optimizer_[&optimizer];
  s.stepped = true;
  if (s.found_inf) return false;
  optimizer.step();
  return true;
}

bool GradScaler::found_inf(const Optimizer& optimizer) const {
  auto it = per_optimizer_.find(&optimizer);
  return it != per_optimizer_.end() && it->second.found_inf;
}

void GradScaler::update() {
  if (!options_.enabled) return;
  if (per_optimizer_.empty())
    throw std::logic_error("GradScaler.update: no unscale_() or step() since the last update()");
  bool inf = false;
  for (const auto& [opt, st] : per_optimizer_) inf = inf || st.found_inf;
  per_optimizer_.clear();
  if (inf) {
    scale_ *= options_.backoff_factor;
    tracker_ = 0;
    return;
  }
  if (++tracker_ == options_.growth_interval) {
    const double grown = scale_ * options_.growth_factor;
    if (std::isfinite(static_cast<float>(grown))) scale_ = grown;
    tracker_ = 0;
  }
}

NamedTensors GradScaler::state_dict() const {
  return {{"scale", scalar_tensor(scale_, DType::f64)},
          {"growth_tracker", scalar_tensor(static_cast<double>(tracker_), DType::i64)}};
}

void GradScaler::load_state_dict(const NamedTensors& state) {
  Tensor s, t;
  for (const auto& [name, v] : state) {
    if (name == "scale") s = v;
    else if (name == "growth_tracker") t = v;
    else throw std::invalid_argument("GradScaler.load_state_dict: unknown entry '" + name + "'");
  }
  if (!s.defined() || s.numel() != 1 || !is_floating(s.dtype()))
    throw std::invalid_argument("GradScaler.load_state_dict: 'scale' must be a one-element floating tensor");
  if (!t.defined() || t.numel() != 1 || t.dtype() != DType::i64)
    throw std::invalid_argument("GradScaler.load_state_dict: 'growth_tracker' must be a one-element i64 tensor");
  const double sv = s.item<double>();
  const int64_t tv = t.item<int64_t>();
  check_hyper(std::isfinite(sv) && sv > 0, "GradScaler.load_state_dict", "scale", sv, "must be finite and > 0");
  if (tv < 0 || tv >= options_.growth_interval)
    throw std::invalid_argument("GradScaler.load_state_dict: growth_tracker " + std::to_string(tv) +
                                " out of range [0, " + std::to_string(options_.growth_interval) + ")");
  scale_ = sv;
  tracker_ = tv;
  per_optimizer_.clear();
}

}  // namespace hg::nn
