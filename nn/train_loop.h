// The training loop shared by every method: epochs of micro-batches from a DataLoader, autocast,
// loss scaling, gradient accumulation, clipping, the optimiser and its schedule, logging, and
// checkpoints that resume bit for bit.
//
// Per micro-batch:   loss = compute_loss(batch)            (inside nn::autocast(amp) when amp is set)
//                    backward of scaler.scale(loss / k)    (k = accumulate)
// every k-th:        scaler.unscale_(optim); clip (if clip_norm > 0); scaler.step(optim) (skipped on
//                    inf/NaN); scaler.update(); optim.zero_grad(); sched.step(); log; maybe checkpoint
//
// Checkpoints (<run>/checkpoints/last.safetensors, written atomically) hold the model, optimiser,
// schedule, scaler, accumulator, the named generators and, in `user`, the loader position, the
// `best` bookkeeping below and the caller's JSON. A checkpoint is written after every optimiser step
// that ends an epoch, and every `checkpoint_every_steps` steps when > 0 — these are the "checkpoint
// decisions" — and once more when run() returns (an interruption through max_steps, not a decision).
// resume() restores all of it, so the resumed run's losses equal the uninterrupted run's exactly
// (on the CPU).
//
// The best checkpoint (<run>/checkpoints/best.safetensors, same writer and content as `last`): at
// each checkpoint decision that follows at least one optimiser step, the monitored value m is
// computed — by default the mean training loss of the optimiser steps since the previous decision,
// or the caller's monitor (set_monitor, e.g. a validation error). Lower is better; when m is finite
// and m < the best so far, best.safetensors is written (before last.safetensors, so a crash between
// the two is repaired by the resumed run) and metrics.jsonl gets
//   {"step": s, "kind": "checkpoint", "which": "best", "value": m, "monitor": <name>}.
// The best value, its step and the running loss sums (of the window and of the epoch) live in the
// checkpoints, so a resumed run writes `best` at exactly the steps of the uninterrupted one and the
// same "epoch" records.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "nn/data_loader.h"
#include "nn/grad_scaler.h"
#include "nn/module.h"
#include "nn/optim_accumulate.h"
#include "nn/optimizer.h"
#include "nn/run_log.h"
#include "nn/schedule.h"

namespace hg::nn {

struct TrainLoopOptions {
  int64_t epochs = 1;
  int64_t accumulate = 1;                 // micro-batches per optimiser step
  std::optional<DType> amp;               // bf16 / f16 autocast; none = f32
  double clip_norm = 0;                   // global-norm clipping after unscale (0 = off)
  int64_t checkpoint_every_steps = 0;     // extra checkpoints (0 = only at epoch ends)
  int64_t max_steps = -1;                 // stop after this many optimiser steps in total (-1 = no limit)
  bool progress = true;                   // progress line / log lines on stderr
  std::string log_kind = "train";         // metrics.jsonl "kind" of the per-step records
};

// What the loss callback returns: the loss (a scalar) and extra scalars to log with it.
struct StepLoss {
  Tensor loss;
  std::map<std::string, double> extra;
};
using LossFn = std::function<StepLoss(const Batch& batch)>;

// A monitored value for the best checkpoint, computed at a checkpoint decision on the model as it is
// after that step (lower is better; nullopt or non-finite = no candidate this time). It must not
// change the training state (no gradients, no generator draws the run depends on, no mode left
// changed), or resume would no longer be exact.
using MonitorFn = std::function<std::optional<double>()>;

// The best value so far and the optimiser step it was measured at.
struct BestCheckpoint {
  int64_t step = 0;
  double value = 0;
  std::string monitor;  // the monitor's name, e.g. "train_loss"
};

class TrainLoop {
 public:
  // All references must outlive the loop. `scaler` may be disabled (GradScalerOptions::enabled).
  TrainLoop(Module& model, Optimizer& optim, Scheduler& sched, GradScaler& scaler, DataLoader& loader, RunLog& log,
            TrainLoopOptions options);

  // Named generators saved and restored with the checkpoints (e.g. a dropout generator).
  void add_generator(const std::string& name, Generator* g) { generators_[name] = g; }
  // Free-form JSON stored in every checkpoint (e.g. the resolved config).
  void set_user_json(nlohmann::json user) { user_ = std::move(user); }
  // Replaces the default monitor of the best checkpoint (mean training loss since the previous
  // decision, named "train_loss"). Set it before resume(): a checkpoint whose best was measured by
  // another monitor is rejected.
  void set_monitor(MonitorFn monitor, std::string name);
  // Called after every optimiser step (and its logging and checkpoints) with the new step count,
  // e.g. to write sample images. Same rule as the monitor: it must not change the training state.
  void set_step_callback(std::function<void(int64_t step)> callback) { on_step_ = std::move(callback); }

  // Restores everything from a checkpoint written by this loop.
  void resume(const std::string& checkpoint_path);

  // Runs until `epochs` epochs (or max_steps) are done; returns the loss of every optimiser step
  // taken in this call (the mean over its micro-batches).
  std::vector<double> run(const LossFn& compute_loss);

  int64_t step() const { return step_; }
  int64_t epoch() const { return epoch_; }
  const GradientAccumulator& accumulator() const { return accum_; }
  // The best checkpoint so far (none before the first decision with a finite value).
  const std::optional<BestCheckpoint>& best() const { return best_; }
  void save(const std::string& path) const;

 private:
  Module& model_;
  Optimizer& optim_;
  Scheduler& sched_;
  GradScaler& scaler_;
  DataLoader& loader_;
  RunLog& log_;
  TrainLoopOptions options_;
  GradientAccumulator accum_;
  std::map<std::string, Generator*> generators_;
  nlohmann::json user_;
  int64_t step_ = 0, epoch_ = 0;
  MonitorFn monitor_;                      // empty: the default (window mean of the training loss)
  std::string monitor_name_ = "train_loss";
  std::optional<BestCheckpoint> best_;
  double window_loss_sum_ = 0;             // optimiser-step losses since the previous decision
  int64_t window_steps_ = 0;
  double epoch_loss_sum_ = 0;              // ... and since the epoch began (its "epoch" record)
  int64_t epoch_steps_ = 0;
  int64_t saved_step_ = -1;                // step of the newest `last` written by this object
  std::function<void(int64_t)> on_step_;

  // A checkpoint decision: maybe `best`, then `last`.
  void checkpoint_decision();
  std::optional<double> monitored_value() const;
};

}  // namespace hg::nn
