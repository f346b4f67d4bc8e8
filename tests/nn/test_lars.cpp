// LARS details: the trust factor in both modes and its special cases, exclusion predicates, and
// how weight decay moves from the inner optimiser into the rescaled gradient.
#include <gtest/gtest.h>

#include <cmath>

#include "nn/lars.h"
#include "nn/optim_sgd.h"
#include "tensor/factory.h"

namespace hg::nn {
namespace {

LarsOptions opts(double eta, LarsMode mode, double eps = 0.0) {
  LarsOptions o;
  o.trust_coefficient = eta;
  o.eps = eps;
  o.mode = mode;
  return o;
}

TEST(Lars, FactorFormulas) {
  // trust = η‖w‖ / (‖g‖ + wd‖w‖ + ε) = 0.02·3 / (4 + 0.1·3 + 0) = 0.06 / 4.3
  const double trust = 0.06 / 4.3;
  EXPECT_DOUBLE_EQ(LARS::factor(3, 4, 0.1, 0.5, opts(0.02, LarsMode::scale)), trust);
  EXPECT_DOUBLE_EQ(LARS::factor(3, 4, 0.1, 0.5, opts(0.02, LarsMode::clip)), trust / 0.5);
  EXPECT_DOUBLE_EQ(LARS::factor(3, 4, 0.1, 1e-3, opts(0.02, LarsMode::clip)), 1.0);  // min(trust/lr, 1)
  EXPECT_DOUBLE_EQ(LARS::factor(3, 4, 0.1, 0.0, opts(0.02, LarsMode::clip)), 1.0);   // lr 0
  EXPECT_DOUBLE_EQ(LARS::factor(0, 4, 0.1, 0.5, opts(0.02, LarsMode::scale)), 1.0);  // ‖w‖ = 0
  EXPECT_DOUBLE_EQ(LARS::factor(3, 0, 0.1, 0.5, opts(0.02, LarsMode::scale)), 1.0);  // ‖g‖ = 0
  EXPECT_DOUBLE_EQ(LARS::factor(3, 4, 0.0, 0.5, opts(0.02, LarsMode::scale, 1.0)), 0.06 / 5.0);  // ε
}

TEST(Lars, Predicates) {
  const Tensor m = zeros({2, 2}), v = zeros({2});
  EXPECT_TRUE(exclude_1d()("x", v));
  EXPECT_FALSE(exclude_1d()("x", m));
  auto names = exclude_names_containing({"bias", "bn"});
  EXPECT_TRUE(names("layer1.0.bn1.weight", m));
  EXPECT_TRUE(names("fc.bias", m));
  EXPECT_FALSE(names("fc.weight", m));
  EXPECT_TRUE(exclude_either(exclude_1d(), names)("fc.scale", v));
  EXPECT_FALSE(exclude_none()("fc.bias", v));
}

TEST(Lars, WeightDecayIsAppliedByLarsAndRestoredInTheInnerOptimiser) {
  // w = (3, 4): ‖w‖ = 5; g = (0, 0): ‖g‖ = 0 -> factor 1 but the decay stays: g' = wd·w.
  Tensor w = from_vector<float>({3, 4}, {2}).set_requires_grad(true);
  Tensor b = from_vector<float>({1, 1}, {2}).set_requires_grad(true);
  auto inner = std::make_unique<SGD>(NamedTensors{{"w", w}, {"bias", b}}, SGDOptions{.lr = 1.0, .weight_decay = 0.1});
  LarsOptions o = opts(0.001, LarsMode::scale);
  o.exclude = exclude_names_containing({"bias"});
  LARS lars(std::move(inner), o);
  w.set_grad(zeros({2}));
  b.set_grad(from_vector<float>({2, 2}, {2}));
  lars.step();
  EXPECT_DOUBLE_EQ(lars.last_factor("w"), 1.0);
  EXPECT_FLOAT_EQ(w.to_vector<float>()[0], 3.0f - 0.1f * 3.0f);  // decayed once, by LARS
  EXPECT_FLOAT_EQ(w.to_vector<float>()[1], 4.0f - 0.1f * 4.0f);
  EXPECT_FLOAT_EQ(b.to_vector<float>()[0], 1.0f - 2.0f);  // excluded: plain gradient, no decay
  EXPECT_DOUBLE_EQ(lars.param_groups()[0].weight_decay, 0.1);  // restored
  EXPECT_EQ(lars.type(), "LARS(SGD)");
  // A later step with a gradient: g' = trust·(g + wd·w)
  w.set_grad(from_vector<float>({0, 1}, {2}));
  const auto w1 = w.to_vector<float>();
  lars.step();
  const double wn = std::hypot(w1[0], w1[1]);
  const double trust = 0.001 * wn / (1.0 + 0.1 * wn);
  EXPECT_NEAR(lars.last_factor("w"), trust, 1e-9);
  EXPECT_NEAR(w.to_vector<float>()[1], w1[1] - trust * (1.0 + 0.1 * w1[1]), 1e-7);
}

TEST(Lars, StateDictCarriesLarsSettings) {
  Tensor w = ones({2}).set_requires_grad(true);
  LARS lars(std::make_unique<SGD>(NamedTensors{{"w", w}}, SGDOptions{.lr = 0.1, .momentum = 0.9}),
            opts(0.02, LarsMode::clip, 1e-8));
  w.set_grad(ones({2}));
  lars.step();
  const OptimizerState st = lars.state_dict();
  EXPECT_EQ(st.description["lars"]["mode"], "clip");
  Tensor w2 = ones({2}).set_requires_grad(true);
  LARS other(std::make_unique<SGD>(NamedTensors{{"w", w2}}, SGDOptions{.lr = 0.1, .momentum = 0.9}), LarsOptions{});
  other.load_state_dict(st);
  EXPECT_EQ(other.options().mode, LarsMode::clip);
  EXPECT_DOUBLE_EQ(other.options().trust_coefficient, 0.02);
  OptimizerState plain = st;
  plain.description.erase("lars");
  EXPECT_THROW(other.load_state_dict(plain), std::invalid_argument);
}

}  // namespace
}  // namespace hg::nn
