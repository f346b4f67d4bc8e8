// GradScaler: dynamic loss scaling for mixed precision (torch.cuda.amp.GradScaler semantics).
//
// Small fp16 gradients underflow; scaling the loss by S before backward keeps them representable,
// and the optimiser sees the gradients divided by S again. S adapts:
//   S starts at init_scale (2^16);
//   a step whose gradients contain inf/NaN is skipped and S <- S·backoff_factor (0.5), tracker <- 0;
//   otherwise tracker <- tracker + 1, and when tracker reaches growth_interval (2000)
//   S <- S·growth_factor (2) (only if that is finite in float32, as torch keeps S in float32), tracker <- 0.
//
//   GradScaler scaler;
//   Tensor loss = ...;
//   scaler.scale(loss).backward();      // gradients of S·loss
//   scaler.unscale_(optimizer);         // optional: g <- g / S now, e.g. before clip_grad_norm_
//   clip_grad_norm_(optimizer, 1.0);
//   scaler.step(optimizer);             // unscales if not done yet; steps only if all gradients are finite
//   scaler.update();                    // adapts S from what this iteration found
//
// unscale_ is idempotent between update() calls (a second call for the same optimiser does nothing);
// step() twice for one optimiser without update() in between throws std::logic_error, as does
// update() when no optimiser was unscaled or stepped since the last update(). With enabled = false
// scale() returns the loss, step() just steps and update() does nothing.
#pragma once
#include <cstdint>
#include <map>

#include "nn/optimizer.h"

namespace hg::nn {

struct GradScalerOptions {
  double init_scale = 65536.0;  // 2^16
  double growth_factor = 2.0;
  double backoff_factor = 0.5;
  int64_t growth_interval = 2000;
  bool enabled = true;
};

class GradScaler {
 public:
  explicit GradScaler(GradScalerOptions options = {});

  Tensor scale(const Tensor& loss) const;  // loss · S, differentiable
  void unscale_(Optimizer& optimizer);
  bool step(Optimizer& optimizer);  // true if the optimiser stepped
  void update();

  double get_scale() const { return scale_; }
  int64_t growth_tracker() const { return tracker_; }
  bool enabled() const { return options_.enabled; }
  const GradScalerOptions& options() const { return options_; }
  // True if the last unscale_ of `optimizer` (since the last update) found an inf/NaN.
  bool found_inf(const Optimizer& optimizer) const;

  NamedTensors state_dict() const;  // {"scale": 0-d f64, "growth_tracker": 0-d i64}
  void load_state_dict(const NamedTensors& state);

 private:
  struct PerOptimizer {
    bool unscaled = false;
    bool stepped = false;
    bool found_inf = false;
  };
  GradScalerOptions options_;
  double scale_;
  int64_t tracker_ = 0;
  std::map<const Optimizer*, PerOptimizer> per_optimizer_;
};

}  // namespace hg::nn
