#include "nn/train_loop.h"

#include <cmath>
#include <memory>
#include <stdexcept>

#include "autograd/pointwise.h"
#include "nn/amp.h"
#include "nn/checkpoint.h"
#include "nn/clip_grad.h"
#include "nn/progress.h"

namespace hg::nn {

TrainLoop::TrainLoop(Module& model, Optimizer& optim, Scheduler& sched, GradScaler& scaler, DataLoader& loader,
                     RunLog& log, TrainLoopOptions options)
    : model_(model),
      optim_(optim),
      sched_(sched),
      scaler_(scaler),
      loader_(loader),
      log_(log),
      options_(std::move(options)),
      accum_(options_.accumulate) {
  if (options_.epochs < 0) throw std::invalid_argument("train loop: epochs must be >= 0");
}

void TrainLoop::set_monitor(MonitorFn monitor, std::string name) {
  if (!monitor || name.empty()) throw std::invalid_argument("train loop: a monitor needs a function and a name");
  monitor_ = std::move(monitor);
  monitor_name_ = std::move(name);
}

namespace {

// JSON has no NaN or infinity: a non-finite sum is stored as null and read back as NaN (either way
// the window's mean can no longer be a best value).
nlohmann::json finite_or_null(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); }

}  // namespace

void TrainLoop::save(const std::string& path) const {
  if (accum_.position() != 0)
    throw std::logic_error("train loop: a checkpoint can only be taken between optimiser steps");
  CheckpointParts parts;
  parts.model = &model_;
  parts.optim = &optim_;
  parts.sched = &sched_;
  parts.scaler = &scaler_;
  parts.accum = const_cast<GradientAccumulator*>(&accum_);
  parts.rngs = generators_;
  parts.step = step_;
  parts.epoch = epoch_;
  nlohmann::json best;  // null until a first best value
  if (best_) best = {{"step", best_->step}, {"value", best_->value}, {"monitor", best_->monitor}};
  parts.user = {{"loader", loader_.state()},
                {"best", best},
                {"window", {{"loss_sum", finite_or_null(window_loss_sum_)}, {"steps", window_steps_},
                            {"epoch_loss_sum", finite_or_null(epoch_loss_sum_)}, {"epoch_steps", epoch_steps_}}},
                {"user", user_}};
  save_checkpoint(path, parts);
}

void TrainLoop::resume(const std::string& checkpoint_path) {
  CheckpointParts parts;
  parts.model = &model_;
  parts.optim = &optim_;
  parts.sched = &sched_;
  parts.scaler = &scaler_;
  parts.accum = &accum_;
  parts.rngs = generators_;
  load_checkpoint(checkpoint_path, parts);
  if (!parts.user.is_object() || !parts.user.contains("loader"))
    throw std::runtime_error(checkpoint_path + ": not a training checkpoint (no loader position)");
  LoaderState state;
  from_json(parts.user["loader"], state);
  // The best/window entries, all read and checked before the loop's own state changes.
  std::optional<BestCheckpoint> best;
  double window_sum = 0, epoch_sum = 0;
  int64_t window_steps = 0, epoch_steps = 0;
  try {
    const nlohmann::json& b = parts.user.value("best", nlohmann::json());
    if (!b.is_null()) {
      best = BestCheckpoint{b.at("step").get<int64_t>(), b.at("value").get<double>(), b.at("monitor").get<std::string>()};
      if (!std::isfinite(best->value) || best->step < 0 || best->step > parts.step)
        throw std::runtime_error("best value " + std::to_string(best->value) + " at step " + std::to_string(best->step));
    }
    if (parts.user.contains("window")) {
      const nlohmann::json& w = parts.user["window"];
      auto sum = [&](const char* key) { return w.at(key).is_null() ? std::nan("") : w.at(key).get<double>(); };
      window_sum = sum("loss_sum"), epoch_sum = sum("epoch_loss_sum");
      window_steps = w.at("steps").get<int64_t>(), epoch_steps = w.at("epoch_steps").get<int64_t>();
      if (window_steps < 0 || epoch_steps < 0) throw std::runtime_error("negative step count");
    }
  } catch (const std::exception& e) {
    throw std::runtime_error(checkpoint_path + ": malformed best-checkpoint entries: " + e.what());
  }
  if (best && best->monitor != monitor_name_)
    throw std::runtime_error(checkpoint_path + ": its best checkpoint was chosen by '" + best->monitor +
                             "' but this run monitors '" + monitor_name_ + "'");
  loader_.load_state(state);
  step_ = parts.step;
  epoch_ = parts.epoch;
  best_ = std::move(best);
  window_loss_sum_ = window_sum;
  window_steps_ = window_steps;
  epoch_loss_sum_ = epoch_sum;
  epoch_steps_ = epoch_steps;
  saved_step_ = step_;
}

std::optional<double> TrainLoop::monitored_value() const {
  if (monitor_) return monitor_();
  return window_loss_sum_ / static_cast<double>(window_steps_);
}

void TrainLoop::checkpoint_decision() {
  if (window_steps_ > 0) {  // no step since the previous decision: the same model, nothing to compare
    const std::optional<double> value = monitored_value();
    window_loss_sum_ = 0, window_steps_ = 0;
    if (value && std::isfinite(*value) && (!best_ || *value < best_->value)) {
      best_ = BestCheckpoint{step_, *value, monitor_name_};
      save(log_.checkpoint_path("best"));
      log_.log_record("checkpoint", step_, {{"which", "best"}, {"value", *value}, {"monitor", monitor_name_}});
    }
  }
  save(log_.checkpoint_path("last"));
  saved_step_ = step_;
}

std::vector<double> TrainLoop::run(const LossFn& compute_loss) {
  std::vector<double> losses;
  std::unique_ptr<Progress> progress;
  if (options_.progress) progress = std::make_unique<Progress>();
  const int64_t micro_per_epoch = loader_.batches_per_epoch();
  const int64_t total_steps = options_.epochs * micro_per_epoch / options_.accumulate;
  const int64_t images_per_batch = loader_.options().batch_size;
  double micro_sum = 0;
  int64_t micro_count = 0;
  std::map<std::string, double> extra_sum;
  bool checkpoint_due = false;
  auto progress_state = [&](double loss) {
    return ProgressState{.epoch = epoch_ + 1, .epochs = options_.epochs, .step = step_, .steps = total_steps,
                         .loss = loss, .lr = optim_.param_groups().front().lr};
  };
  model_.train();
  while (epoch_ < options_.epochs && (options_.max_steps < 0 || step_ < options_.max_steps)) {
    std::optional<Batch> batch = loader_.next();
    if (!batch) {  // the epoch is over; the loader already points at the next one
      const double mean = epoch_steps_ ? epoch_loss_sum_ / epoch_steps_ : 0.0;
      log_.log("epoch", step_, {{"epoch", static_cast<double>(epoch_ + 1)}, {"loss", mean},
                                {"skipped_samples", static_cast<double>(loader_.skipped_total())}});
      if (progress) progress->finish_epoch(progress_state(mean));
      ++epoch_;
      epoch_loss_sum_ = 0, epoch_steps_ = 0;
      checkpoint_due = true;
      if (accum_.position() == 0) checkpoint_decision(), checkpoint_due = false;
      continue;
    }
    StepLoss out;
    {
      std::optional<autocast> amp;
      if (options_.amp) amp.emplace(*options_.amp);
      out = compute_loss(*batch);
    }
    if (!out.loss.defined() || out.loss.numel() != 1)
      throw std::logic_error("train loop: the loss callback must return a scalar loss");
    const double value = out.loss.item<double>();
    scaler_.scale(mul(out.loss, accum_.loss_scale())).backward();
    micro_sum += value, ++micro_count;
    for (const auto& [k, v] : out.extra) extra_sum[k] += v;
    if (!accum_.micro_step()) continue;

    const double lr = optim_.param_groups().front().lr;  // the lr this step runs with
    scaler_.unscale_(optim_);
    if (options_.clip_norm > 0) clip_grad_norm_(optim_, options_.clip_norm);
    const bool stepped = scaler_.step(optim_);
    scaler_.update();
    optim_.zero_grad();
    sched_.step();
    ++step_;
    const double mean = micro_sum / micro_count;
    losses.push_back(mean);
    epoch_loss_sum_ += mean, ++epoch_steps_;
    window_loss_sum_ += mean, ++window_steps_;
    std::map<std::string, double> scalars = {{"loss", mean}, {"lr", lr}};
    if (scaler_.enabled()) scalars["loss_scale"] = scaler_.get_scale(), scalars["step_skipped"] = stepped ? 0 : 1;
    for (const auto& [k, v] : extra_sum) scalars[k] = v / micro_count;
    log_.log(options_.log_kind, step_, scalars);
    if (progress) progress->update(progress_state(mean), images_per_batch * micro_count);
    micro_sum = 0, micro_count = 0;
    extra_sum.clear();
    if (checkpoint_due || (options_.checkpoint_every_steps > 0 && step_ % options_.checkpoint_every_steps == 0)) {
      checkpoint_decision();
      checkpoint_due = false;
    }
    if (on_step_) on_step_(step_);
  }
  // The state at the stop (e.g. max_steps), unless the last decision already saved exactly it. Not a
  // decision: an interrupted run must choose `best` at the same steps as an uninterrupted one.
  if (accum_.position() == 0 && saved_step_ != step_) {
    save(log_.checkpoint_path("last"));
    saved_step_ = step_;
  }
  return losses;
}

}  // namespace hg::nn
