// Learning-rate schedules, stepped once per optimiser step.
//
// A Schedule is a pure function lr(t, base) of the optimiser step index t = 0, 1, 2, ... and a
// group's base learning rate. A Scheduler binds one to an optimiser: at construction it records each
// group's current lr as that group's base and sets lr(0); every scheduler.step() (call it right after
// optimizer.step()) advances t and sets lr(t). So the t-th optimiser step runs with lr(t).
//
//   constant          lr(t) = base
//   multistep         lr(t) = base · γ^(number of milestones m with m <= t)
//   warm-up + cosine  lr(t) = base · t / W                                           for t < W
//                     lr(t) = final + (base − final) · ½ · (1 + cos(π · (t − W) / (T − W)))   for W <= t < T
//                     lr(t) = final                                                  for t >= T
//                     (W warm-up steps from 0, T total steps; PeCLR: W = 10 epochs' steps, final 0.
//                     With W > 0 the very first step runs with lr 0, as in PeCLR's schedule.)
//
// sqrt_scaled_lr(base, batch) = base · sqrt(batch): PeCLR's rule, 1e-4 · sqrt(2048) ≈ 4.53e-3.
#pragma once
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "nn/optimizer.h"

namespace hg::nn {

double sqrt_scaled_lr(double base_lr, int64_t effective_batch);

class Schedule {
 public:
  virtual ~Schedule() = default;
  virtual double lr(int64_t step, double base_lr) const = 0;
  virtual nlohmann::json describe() const = 0;  // {"type": ..., parameters}
};

std::shared_ptr<const Schedule> constant_schedule();
std::shared_ptr<const Schedule> multistep_schedule(std::vector<int64_t> milestones, double gamma);
std::shared_ptr<const Schedule> warmup_cosine_schedule(int64_t warmup_steps, int64_t total_steps,
                                                       double final_lr = 0.0);

class Scheduler {
 public:
  Scheduler(Optimizer& optimizer, std::shared_ptr<const Schedule> schedule);
  void step();                          // t <- t + 1, then every group's lr <- lr(t, its base)
  int64_t step_count() const { return step_; }  // t
  const std::vector<double>& base_lrs() const { return base_lrs_; }
  const Schedule& schedule() const { return *schedule_; }

  // "step" (0-d i64) and "base_lrs" (f64, one per group); load checks the group count and sets
  // the optimiser's lrs for the restored step.
  NamedTensors state_dict() const;
  void load_state_dict(const NamedTensors& state);

 private:
  void apply();
  Optimizer& optimizer_;
  std::shared_ptr<const Schedule> schedule_;
  std::vector<double> base_lrs_;
  int64_t step_ = 0;
};

}  // namespace hg::nn
