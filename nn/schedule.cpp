#include "nn/schedule.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>

#include "tensor/factory.h"

namespace hg::nn {

double sqrt_scaled_lr(double base_lr, int64_t effective_batch) {
  if (effective_batch <= 0)
    throw std::invalid_argument("sqrt_scaled_lr: invalid effective batch " + std::to_string(effective_batch) +
                                " (must be > 0)");
  check_hyper(std::isfinite(base_lr) && base_lr >= 0, "sqrt_scaled_lr", "base lr", base_lr, "must be finite and >= 0");
  return base_lr * std::sqrt(static_cast<double>(effective_batch));
}

namespace {

struct Constant final : Schedule {
  double lr(int64_t, double base) const override { return base; }
  nlohmann::json describe() const override { return {{"type", "constant"}}; }
};

struct MultiStep final : Schedule {
  std::vector<int64_t> milestones;
  double gamma;
  double lr(int64_t t, double base) const override {
    const auto passed = std::upper_bound(milestones.begin(), milestones.end(), t) - milestones.begin();
    return base * std::pow(gamma, static_cast<double>(passed));
  }
  nlohmann::json describe() const override {
    return {{"type", "multistep"}, {"milestones", milestones}, {"gamma", gamma}};
  }
};

struct WarmupCosine final : Schedule {
  int64_t warmup, total;
  double final_lr;
  double lr(int64_t t, double base) const override {
    if (t < warmup) return base * static_cast<double>(t) / static_cast<double>(warmup);
    if (t >= total) return final_lr;
    const double progress = static_cast<double>(t - warmup) / static_cast<double>(total - warmup);
    return final_lr + (base - final_lr) * 0.5 * (1.0 + std::cos(std::numbers::pi * progress));
  }
  nlohmann::json describe() const override {
    return {{"type", "warmup_cosine"}, {"warmup_steps", warmup}, {"total_steps", total}, {"final_lr", final_lr}};
  }
};

}  // namespace

std::shared_ptr<const Schedule> constant_schedule() { return std::make_shared<Constant>(); }

std::shared_ptr<const Schedule> multistep_schedule(std::vector<int64_t> milestones, double gamma) {
  check_hyper(std::isfinite(gamma) && gamma > 0, "multistep_schedule", "gamma", gamma, "must be finite and > 0");
  for (size_t i = 0; i < milestones.size(); ++i) {
    if (milestones[i] < 0 || (i > 0 && milestones[i] <= milestones[i - 1]))
      throw std::invalid_argument("multistep_schedule: invalid milestone " + std::to_string(milestones[i]) +
                                  " (milestones must be >= 0 and strictly increasing)");
  }
  auto s = std::make_shared<MultiStep>();
  s->milestones = std::move(milestones);
  s->gamma = gamma;
  return s;
}

std::shared_ptr<const Schedule> warmup_cosine_schedule(int64_t warmup_steps, int64_t total_steps, double final_lr) {
  if (warmup_steps < 0)
    throw std::invalid_argument("warmup_cosine_schedule: invalid warmup_steps " + std::to_string(warmup_steps) +
                                " (must be >= 0)");
  if (total_steps <= warmup_steps)
    throw std::invalid_argument("warmup_cosine_schedule: invalid total_steps " + std::to_string(total_steps) +
                                " (must be > warmup_steps = " + std::to_string(warmup_steps) + ")");
  check_hyper(std::isfinite(final_lr) && final_lr >= 0, "warmup_cosine_schedule", "final_lr", final_lr,
              "must be finite and >= 0");
  auto s = std::make_shared<WarmupCosine>();
  s->warmup = warmup_steps;
  s->total = total_steps;
  s->final_lr = final_lr;
  return s;
}

Scheduler::Scheduler(Optimizer& optimizer, std::shared_ptr<const Schedule> schedule)
    : optimizer_(optimizer), schedule_(std::move(schedule)) {
  if (!schedule_) throw std::invalid_argument("Scheduler: no schedule");
  for (const auto& g : optimizer_.param_groups()) base_lrs_.push_back(g.lr);
  apply();
}

void Scheduler::apply() {
  for (size_t g = 0; g < base_lrs_.size(); ++g) optimizer_.set_lr(g, schedule_->lr(step_, base_lrs_[g]));
}

void Scheduler::step() {
  ++step_;
  apply();
}

NamedTensors Scheduler::state_dict() const {
  return {{"step", scalar_tensor(static_cast<double>(step_), DType::i64)},
          {"base_lrs", from_vector(base_lrs_, {static_cast<int64_t>(base_lrs_.size())}, DType::f64)}};
}

void Scheduler::load_state_dict(const NamedTensors& state) {
  Tensor step, base;
  for (const auto& [name, t] : state) {
    if (name == "step") step = t;
    else if (name == "base_lrs") base = t;
    else throw std::invalid_argument("Scheduler.load_state_dict: unknown entry '" + name + "'");
  }
  if (!step.defined() || step.numel() != 1 || step.dtype() != DType::i64)
    throw std::invalid_argument("Scheduler.load_state_dict: 'step' must be a one-element i64 tensor");
  if (!base.defined() || base.dim() != 1 || base.numel() != static_cast<int64_t>(optimizer_.param_groups().size()))
    throw std::invalid_argument("Scheduler.load_state_dict: 'base_lrs' must be 1-D with one entry per group (" +
                                std::to_string(optimizer_.param_groups().size()) + "), got " +
                                (base.defined() ? base.shape_string() : std::string("none")));
  const int64_t s = step.item<int64_t>();
  if (s < 0) throw std::invalid_argument("Scheduler.load_state_dict: negative step " + std::to_string(s));
  std::vector<double> lrs = base.to_vector<double>();
  for (double v : lrs) check_hyper(std::isfinite(v) && v >= 0, "Scheduler.load_state_dict", "base lr", v, "must be finite and >= 0");
  step_ = s;
  base_lrs_ = std::move(lrs);
  apply();
}

}  // namespace hg::nn
