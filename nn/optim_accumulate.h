// Gradient accumulation over k micro-batches: k backward passes of losses scaled by 1/k, then one
// optimiser step, equal one step on the k-times larger batch (for a loss that is a mean over the
// batch and a model without batch statistics; with BatchNorm each micro-batch keeps its own
// statistics, as the papers did).
//
//   GradientAccumulator acc(4);
//   for (auto& batch : loader) {
//     Tensor loss = mul(criterion(model(batch)), acc.loss_scale());   // loss / k
//     loss.backward();                                                  // gradients add up in .grad
//     if (acc.micro_step()) { optimizer.step(); optimizer.zero_grad(); scheduler.step(); }
//   }
//
// micro_step() returns true on every k-th call. position() (micro-batches since the last step) is
// saved with state_dict() so a resumed run steps at the same micro-batches.
#pragma once
#include <cstdint>

#include "nn/optimizer.h"

namespace hg::nn {

class GradientAccumulator {
 public:
  explicit GradientAccumulator(int64_t k);
  int64_t steps() const { return k_; }
  double loss_scale() const { return 1.0 / static_cast<double>(k_); }
  bool micro_step();                         // counts one micro-batch; true when the optimiser should step
  int64_t position() const { return pos_; }  // 0 .. k-1
  NamedTensors state_dict() const;           // {"position": 0-d i64}
  void load_state_dict(const NamedTensors& state);

 private:
  int64_t k_;
  int64_t pos_ = 0;
};

}  // namespace hg::nn
