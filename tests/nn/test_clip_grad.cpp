// Gradient clipping by global norm (torch's formula: coef = max_norm / (total + 1e-6)) and by value.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "nn/clip_grad.h"
#include "nn/optim_sgd.h"
#include "tensor/factory.h"
#include "tensor/view.h"

namespace hg::nn {
namespace {

struct Two {
  Tensor a = zeros({2, 2}).set_requires_grad(true), b = zeros({3}).set_requires_grad(true), c = zeros({1});
  Two() {
    a.set_grad(from_vector<float>({1, 2, 2, 0}, {2, 2}));  // norm 3
    b.set_grad(from_vector<float>({0, 0, 4}, {3}));        // norm 4
  }
  std::vector<Tensor> all() const { return {a, b, c}; }  // c has no gradient
};

TEST(ClipGrad, ScalesByMaxNormOverTotalPlusEpsilon) {
  Two t;
  const double total = clip_grad_norm_(t.all(), 1.0);
  EXPECT_DOUBLE_EQ(total, 5.0);
  const double coef = 1.0 / (5.0 + 1e-6);
  const auto ga = t.a.grad().to_vector<float>(), gb = t.b.grad().to_vector<float>();
  EXPECT_FLOAT_EQ(ga[1], static_cast<float>(2 * coef));
  EXPECT_FLOAT_EQ(gb[2], static_cast<float>(4 * coef));
  EXPECT_FALSE(t.c.grad().defined());
  // The clipped norm is just below max_norm.
  EXPECT_NEAR(clip_grad_norm_(t.all(), 100.0), 1.0, 1e-6);
}

TEST(ClipGrad, BelowTheLimitNothingChanges) {
  Two t;
  EXPECT_DOUBLE_EQ(clip_grad_norm_(t.all(), 10.0), 5.0);
  EXPECT_EQ(t.b.grad().to_vector<float>(), std::vector<float>({0, 0, 4}));
}

TEST(ClipGrad, OtherNormsAndOptimizerOverload) {
  Two t;
  EXPECT_DOUBLE_EQ(clip_grad_norm_(t.all(), 100.0, 1.0), 9.0);
  EXPECT_DOUBLE_EQ(clip_grad_norm_(t.all(), 100.0, std::numeric_limits<double>::infinity()), 4.0);
  SGD opt({{"a", t.a}, {"b", t.b}}, SGDOptions{});
  EXPECT_DOUBLE_EQ(clip_grad_norm_(opt, 2.5), 5.0);
  EXPECT_NEAR(clip_grad_norm_(opt, 100.0), 2.5, 1e-6);
  EXPECT_THROW(clip_grad_norm_(t.all(), 1.0, 3.0), std::invalid_argument);
  EXPECT_THROW(clip_grad_norm_(t.all(), -1.0), std::invalid_argument);
}

TEST(ClipGrad, NonFiniteTotal) {
  Two t;
  t.b.grad().data<float>()[0] = std::numeric_limits<float>::infinity();
  EXPECT_TRUE(std::isinf(clip_grad_norm_(t.all(), 1.0)));
  EXPECT_THROW(clip_grad_norm_(t.all(), 1.0, 2.0, true), std::runtime_error);
}

TEST(ClipGrad, ByValue) {
  Two t;
  clip_grad_value_(t.all(), 1.5);
  EXPECT_EQ(t.a.grad().to_vector<float>(), std::vector<float>({1, 1.5, 1.5, 0}));
  EXPECT_EQ(t.b.grad().to_vector<float>(), std::vector<float>({0, 0, 1.5}));
}

TEST(ClipGrad, RefusesToScaleABroadcastGradientInPlace) {
  Tensor p = zeros({3}).set_requires_grad(true);
  p.set_grad(ops::expand(full({1}, 10.0), {3}));  // one element seen three times
  EXPECT_THROW(clip_grad_norm_({p}, 1.0), std::invalid_argument);
}

TEST(ClipGrad, NoGradientsGiveZero) {
  Tensor p = zeros({3}).set_requires_grad(true);
  EXPECT_DOUBLE_EQ(clip_grad_norm_({p}, 1.0), 0.0);
}

}  // namespace
}  // namespace hg::nn
