// Learning-rate schedules: values at chosen steps, binding to optimiser groups, state round trip.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "nn/lars.h"
#include "nn/optim_adam.h"
#include "nn/optim_sgd.h"
#include "nn/schedule.h"
#include "tensor/factory.h"

namespace hg::nn {
namespace {

TEST(Schedule, Constant) {
  auto s = constant_schedule();
  EXPECT_DOUBLE_EQ(s->lr(0, 0.3), 0.3);
  EXPECT_DOUBLE_EQ(s->lr(12345, 0.3), 0.3);
}

TEST(Schedule, MultiStep) {
  auto s = multistep_schedule({3, 6}, 0.1);
  EXPECT_DOUBLE_EQ(s->lr(0, 1.0), 1.0);
  EXPECT_DOUBLE_EQ(s->lr(2, 1.0), 1.0);
  EXPECT_DOUBLE_EQ(s->lr(3, 1.0), 0.1);
  EXPECT_DOUBLE_EQ(s->lr(5, 1.0), 0.1);
  EXPECT_NEAR(s->lr(6, 1.0), 0.01, 1e-17);
  EXPECT_NEAR(s->lr(100, 2.0), 0.02, 1e-16);
  EXPECT_THROW(multistep_schedule({5, 3}, 0.1), std::invalid_argument);
  EXPECT_THROW(multistep_schedule({3}, -0.1), std::invalid_argument);
}

TEST(Schedule, WarmupThenCosineToZero) {
  // PeCLR: 10 warm-up "epochs" then cosine to 0 (here 10 + 100 steps).
  auto s = warmup_cosine_schedule(10, 110, 0.0);
  const double base = 4e-3;
  EXPECT_DOUBLE_EQ(s->lr(0, base), 0.0);
  EXPECT_DOUBLE_EQ(s->lr(1, base), base / 10);
  EXPECT_DOUBLE_EQ(s->lr(5, base), base / 2);
  EXPECT_DOUBLE_EQ(s->lr(10, base), base);
  EXPECT_NEAR(s->lr(35, base), base * 0.5 * (1 + std::cos(std::numbers::pi / 4)), 1e-18);
  EXPECT_NEAR(s->lr(60, base), base / 2, 1e-18);
  EXPECT_NEAR(s->lr(109, base), base * 0.5 * (1 + std::cos(std::numbers::pi * 99 / 100)), 1e-18);
  EXPECT_DOUBLE_EQ(s->lr(110, base), 0.0);
  EXPECT_DOUBLE_EQ(s->lr(500, base), 0.0);
  // to a final lr
  auto f = warmup_cosine_schedule(0, 10, 0.1);
  EXPECT_DOUBLE_EQ(f->lr(0, 1.0), 1.0);
  EXPECT_NEAR(f->lr(5, 1.0), 0.55, 1e-15);
  EXPECT_DOUBLE_EQ(f->lr(10, 1.0), 0.1);
  EXPECT_THROW(warmup_cosine_schedule(10, 10), std::invalid_argument);
  EXPECT_THROW(warmup_cosine_schedule(-1, 10), std::invalid_argument);
}

TEST(Schedule, SqrtScaledLr) {
  EXPECT_NEAR(sqrt_scaled_lr(1e-4, 2048), 4.5254834e-3, 1e-10);
  EXPECT_DOUBLE_EQ(sqrt_scaled_lr(0.5, 4), 1.0);
  EXPECT_THROW(sqrt_scaled_lr(1e-4, 0), std::invalid_argument);
}

TEST(Scheduler, SetsEveryGroupFromItsBaseEachStep) {
  Tensor a = zeros({2}).set_requires_grad(true), b = zeros({2}).set_requires_grad(true);
  ParamGroup g0, g1;
  g0.params = {{"a", a}};
  g1.params = {{"b", b}};
  g1.lr = 0.2;
  auto opt = std::make_unique<SGD>(std::vector<ParamGroup>{g0, g1}, SGDOptions{.lr = 0.1});
  LARS lars(std::move(opt), LarsOptions{});  // through a wrapper, as PeCLR does
  Scheduler sched(lars, warmup_cosine_schedule(4, 8));
  EXPECT_DOUBLE_EQ(lars.lr(0), 0.0);
  EXPECT_DOUBLE_EQ(lars.lr(1), 0.0);
  sched.step();
  sched.step();
  EXPECT_EQ(sched.step_count(), 2);
  EXPECT_DOUBLE_EQ(lars.lr(0), 0.05);
  EXPECT_DOUBLE_EQ(lars.inner().lr(1), 0.1);
}

TEST(Scheduler, StateRoundTrip) {
  Tensor a = zeros({2}).set_requires_grad(true);
  Adam opt1({{"a", a}}, AdamOptions{.lr = 0.01});
  Scheduler s1(opt1, multistep_schedule({3, 6}, 0.5));
  for (int i = 0; i < 4; ++i) s1.step();
  const auto st = s1.state_dict();

  Tensor a2 = zeros({2}).set_requires_grad(true);
  Adam opt2({{"a", a2}}, AdamOptions{.lr = 0.01});
  Scheduler s2(opt2, multistep_schedule({3, 6}, 0.5));
  s2.load_state_dict(st);
  EXPECT_EQ(s2.step_count(), 4);
  EXPECT_DOUBLE_EQ(opt2.lr(), opt1.lr());
  for (int i = 0; i < 3; ++i) {
    s1.step();
    s2.step();
    EXPECT_DOUBLE_EQ(opt2.lr(), opt1.lr());
  }
  EXPECT_DOUBLE_EQ(opt2.lr(), 0.0025);
  EXPECT_THROW(s2.load_state_dict({{"step", scalar_tensor(1, DType::i64)}}), std::invalid_argument);
}

}  // namespace
}  // namespace hg::nn
