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
// schedule, scaler, accumulator, the named generators and, in `user`, the loader position and the
// caller's JSON. A checkpoint is written after every optimiser step that ends an epoch, and every
// `checkpoint_every_steps` steps when > 0. resume() restores all of it, so the resumed run's losses
// equal the uninterrupted run's exactly (on the CPU).
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

class TrainLoop {
 public:
  // All references must outlive the loop. `scaler` may be disabled (GradScalerOptions::enabled).
  TrainLoop(Module& model, Optimizer& optim, Scheduler& sched, GradScaler& scaler, DataLoader& loader, RunLog& log,
            TrainLoopOptions options);

  // Named generators saved and restored with the checkpoints (e.g. a dropout generator).
  void add_generator(const std::string& name, Generator* g) { generators_[name] = g; }
  // Free-form JSON stored in every checkpoint (e.g. the resolved config).
  void set_user_json(nlohmann::json user) { user_ = std::move(user); }

  // Restores everything from a checkpoint written by this loop.
  void resume(const std::string& checkpoint_path);

  // Runs until `epochs` epochs (or max_steps) are done; returns the loss of every optimiser step
  // taken in this call (the mean over its micro-batches).
  std::vector<double> run(const LossFn& compute_loss);

  int64_t step() const { return step_; }
  int64_t epoch() const { return epoch_; }
  const GradientAccumulator& accumulator() const { return accum_; }
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
};

}  // namespace hg::nn
