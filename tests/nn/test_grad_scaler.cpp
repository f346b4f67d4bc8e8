// GradScaler: scaling, unscaling, skipping on overflow with backoff, the exact growth sequence,
// and its state.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "autograd/pointwise.h"
#include "autograd/reduce.h"
#include "nn/clip_grad.h"
#include "nn/grad_scaler.h"
#include "nn/optim_sgd.h"
#include "tensor/factory.h"
#include "tensor/view.h"

namespace hg::nn {
namespace {

struct ScalerRig {
  Tensor w = from_vector<float>({1, 2, 3}, {3}).set_requires_grad(true);
  SGD opt{{{"w", w}}, SGDOptions{.lr = 0.1}};
  // backward of scale(sum(w * c)): gradient c·S
  void backward(GradScaler& s, double c) { s.scale(sum(mul(w, c))).backward(); }
};

TEST(GradScaler, ScalesLossAndUnscalesGradientsBeforeTheStep) {
  ScalerRig t;
  GradScaler s;
  EXPECT_DOUBLE_EQ(s.get_scale(), 65536.0);
  t.backward(s, 0.5);
  EXPECT_FLOAT_EQ(t.w.grad().to_vector<float>()[0], 32768.0f);
  EXPECT_TRUE(s.step(t.opt));
  EXPECT_FLOAT_EQ(t.w.grad().to_vector<float>()[0], 0.5f);        // unscaled
  EXPECT_FLOAT_EQ(t.w.to_vector<float>()[0], 1.0f - 0.1f * 0.5f);  // stepped with the true gradient
  s.update();
  EXPECT_DOUBLE_EQ(s.get_scale(), 65536.0);
  EXPECT_EQ(s.growth_tracker(), 1);
}

TEST(GradScaler, UnscaleIsIdempotentAndComesBeforeClipping) {
  ScalerRig t;
  GradScaler s;
  t.backward(s, 4.0);  // gradient (4, 4, 4), norm 6.93
  s.unscale_(t.opt);
  s.unscale_(t.opt);  // no second division
  EXPECT_FLOAT_EQ(t.w.grad().to_vector<float>()[1], 4.0f);
  EXPECT_NEAR(clip_grad_norm_(t.opt, 1.0), std::sqrt(48.0), 1e-5);
  EXPECT_TRUE(s.step(t.opt));  // does not unscale again
  EXPECT_NEAR(t.w.to_vector<float>()[0], 1.0 - 0.1 / std::sqrt(3.0), 1e-6);
  EXPECT_THROW(s.step(t.opt), std::logic_error);  // twice without update()
  s.update();
}

TEST(GradScaler, OverflowSkipsTheStepAndBacksOff) {
  ScalerRig t;
  GradScaler s;
  t.backward(s, 1.0);
  t.w.grad().data<float>()[1] = std::numeric_limits<float>::infinity();
  const auto before = t.w.to_vector<float>();
  EXPECT_FALSE(s.step(t.opt));
  EXPECT_TRUE(s.found_inf(t.opt));
  EXPECT_EQ(t.w.to_vector<float>(), before);
  s.update();
  EXPECT_DOUBLE_EQ(s.get_scale(), 32768.0);
  EXPECT_EQ(s.growth_tracker(), 0);
  // NaN as well
  t.opt.zero_grad();
  t.backward(s, 1.0);
  t.w.grad().data<float>()[0] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_FALSE(s.step(t.opt));
  s.update();
  EXPECT_DOUBLE_EQ(s.get_scale(), 16384.0);
  // A real fp32 overflow: the scaled loss exceeds float range.
  t.opt.zero_grad();
  GradScaler big(GradScalerOptions{.init_scale = 1e38});
  t.backward(big, 1e3);
  EXPECT_FALSE(big.step(t.opt));
  big.update();
  EXPECT_DOUBLE_EQ(big.get_scale(), 5e37);
}

TEST(GradScaler, ExactGrowthSequenceWithSmallInterval) {
  ScalerRig t;
  GradScaler s(GradScalerOptions{.init_scale = 8.0, .growth_interval = 3});
  // finite, finite, finite (grow), finite, inf (backoff, reset), finite x3 (grow)
  const std::vector<bool> overflow = {false, false, false, false, true, false, false, false};
  const std::vector<double> scale = {8, 8, 16, 16, 8, 8, 8, 16};
  const std::vector<int64_t> tracker = {1, 2, 0, 1, 0, 1, 2, 0};
  for (size_t i = 0; i < overflow.size(); ++i) {
    t.opt.zero_grad();
    t.backward(s, 1.0);
    if (overflow[i]) t.w.grad().data<float>()[2] = std::numeric_limits<float>::infinity();
    EXPECT_EQ(s.step(t.opt), !overflow[i]) << i;
    s.update();
    EXPECT_DOUBLE_EQ(s.get_scale(), scale[i]) << "after iteration " << i;
    EXPECT_EQ(s.growth_tracker(), tracker[i]) << "after iteration " << i;
  }
}

TEST(GradScaler, DefaultGrowsAfter2000FiniteSteps) {
  GradScaler s;
  ScalerRig t;
  // Cheap: update() only needs an unscale_ per iteration; no gradients at all is a finite step.
  for (int i = 1; i <= 1999; ++i) {
    s.unscale_(t.opt);
    s.update();
  }
  EXPECT_DOUBLE_EQ(s.get_scale(), 65536.0);
  EXPECT_EQ(s.growth_tracker(), 1999);
  s.unscale_(t.opt);
  s.update();
  EXPECT_DOUBLE_EQ(s.get_scale(), 131072.0);
  EXPECT_EQ(s.growth_tracker(), 0);
}

TEST(GradScaler, StateDictRoundTripAndMisuse) {
  GradScaler s(GradScalerOptions{.init_scale = 1024.0, .growth_interval = 10});
  ScalerRig t;
  for (int i = 0; i < 3; ++i) s.unscale_(t.opt), s.update();
  GradScaler r(GradScalerOptions{.growth_interval = 10});
  r.load_state_dict(s.state_dict());
  EXPECT_DOUBLE_EQ(r.get_scale(), 1024.0);
  EXPECT_EQ(r.growth_tracker(), 3);
  EXPECT_THROW(r.update(), std::logic_error);  // nothing recorded since the last update
  EXPECT_THROW(r.load_state_dict({{"scale", scalar_tensor(-1.0, DType::f64)},
                                  {"growth_tracker", scalar_tensor(0, DType::i64)}}),
               std::invalid_argument);
  EXPECT_THROW(GradScaler(GradScalerOptions{.backoff_factor = 1.5}), std::invalid_argument);
}

TEST(GradScaler, DisabledIsAPassThrough) {
  ScalerRig t;
  GradScaler s(GradScalerOptions{.enabled = false});
  t.backward(s, 2.0);
  EXPECT_FLOAT_EQ(t.w.grad().to_vector<float>()[0], 2.0f);
  EXPECT_TRUE(s.step(t.opt));
  s.update();
  EXPECT_FLOAT_EQ(t.w.to_vector<float>()[0], 0.8f);
}

}  // namespace
}  // namespace hg::nn
