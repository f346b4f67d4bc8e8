// Optimiser state: state_dict round trips (through safetensors bytes and JSON text, as a checkpoint
// would store them) continue bit for bit; load_state_dict rejects mismatches; bad hyper-parameters
// throw std::invalid_argument naming the value; parameters without a gradient are skipped.
#include <gtest/gtest.h>

#include <functional>
#include <memory>

#include "nn/lars.h"
#include "nn/optim_adam.h"
#include "nn/optim_sgd.h"
#include "tensor/factory.h"
#include "tensor/safetensors.h"
#include "tensor/view.h"

namespace hg::nn {
namespace {

using Maker = std::function<std::unique_ptr<Optimizer>(NamedTensors)>;

struct Model {
  Tensor w, b;
  explicit Model(uint64_t seed) {
    Generator gen(seed);
    w = randn({3, 4}, {}, &gen).set_requires_grad(true);
    b = randn({4}, {}, &gen).set_requires_grad(true);
  }
  Model(const Model& o) : w(ops::clone(o.w).set_requires_grad(true)), b(ops::clone(o.b).set_requires_grad(true)) {}
  NamedTensors named() const { return {{"fc.weight", w}, {"fc.bias", b}}; }
};

void feed(Model& m, int step) {
  Generator gen(100 + step);
  m.w.set_grad(randn({3, 4}, {}, &gen));
  m.b.set_grad(randn({4}, {}, &gen));
}

// Simulates a checkpoint: tensors through safetensors bytes, the description through JSON text.
OptimizerState through_checkpoint(const OptimizerState& st) {
  OptimizerState out;
  out.tensors = safetensors::parse(safetensors::serialize(st.tensors)).tensors;
  out.description = nlohmann::json::parse(st.description.dump());
  return out;
}

void expect_resume_identical(const Maker& make) {
  Model a(1);
  auto opt_a = make(a.named());
  for (int k = 0; k < 2; ++k) feed(a, k), opt_a->step();
  const OptimizerState saved = through_checkpoint(opt_a->state_dict());
  Model b(a);  // same weights
  auto opt_b = make(b.named());
  opt_b->load_state_dict(saved);
  for (int k = 2; k < 5; ++k) {
    feed(a, k), opt_a->step();
    feed(b, k), opt_b->step();
  }
  EXPECT_EQ(a.w.to_vector<float>(), b.w.to_vector<float>());
  EXPECT_EQ(a.b.to_vector<float>(), b.b.to_vector<float>());
}

Maker sgd_maker() {
  return [](NamedTensors p) {
    return std::make_unique<SGD>(std::move(p), SGDOptions{.lr = 0.1, .momentum = 0.9, .weight_decay = 1e-3});
  };
}
Maker adam_maker() {
  return [](NamedTensors p) { return std::make_unique<Adam>(std::move(p), AdamOptions{.lr = 0.01, .weight_decay = 1e-3}); };
}
Maker lars_adam_maker() {
  return [](NamedTensors p) -> std::unique_ptr<Optimizer> {
    LarsOptions o;
    o.trust_coefficient = 0.02;
    o.mode = LarsMode::clip;
    o.exclude = exclude_1d();
    return std::make_unique<LARS>(std::make_unique<Adam>(std::move(p), AdamOptions{.lr = 0.05, .weight_decay = 1e-3}), o);
  };
}

TEST(OptimState, SgdRoundTripContinuesIdentically) { expect_resume_identical(sgd_maker()); }
TEST(OptimState, AdamRoundTripContinuesIdentically) { expect_resume_identical(adam_maker()); }
TEST(OptimState, LarsAdamRoundTripContinuesIdentically) { expect_resume_identical(lars_adam_maker()); }

TEST(OptimState, AdamStateHasNamedSlotsAndStepCounter) {
  Model m(2);
  Adam opt(m.named(), AdamOptions{.lr = 0.01});
  for (int k = 0; k < 3; ++k) feed(m, k), opt.step();
  const OptimizerState st = opt.state_dict();
  std::map<std::string, Tensor> by;
  for (const auto& [n, t] : st.tensors) by[n] = t;
  ASSERT_EQ(by.size(), 6u);
  EXPECT_EQ(by.at("fc.weight/step").dtype(), DType::i64);
  EXPECT_EQ(by.at("fc.weight/step").item<int64_t>(), 3);
  EXPECT_EQ(by.at("fc.bias/exp_avg_sq").sizes(), Shape({4}));
  EXPECT_EQ(st.description["type"], "Adam");
  EXPECT_EQ(st.description["groups"][0]["params"], nlohmann::json({"fc.weight", "fc.bias"}));
  EXPECT_DOUBLE_EQ(st.description["groups"][0]["hyper"]["beta2"].get<double>(), 0.999);
  // The saved tensors are copies: another step leaves them alone.
  const auto before = by.at("fc.weight/exp_avg").to_vector<float>();
  feed(m, 3), opt.step();
  EXPECT_EQ(by.at("fc.weight/exp_avg").to_vector<float>(), before);
}

std::string load_error(Optimizer& opt, const OptimizerState& st) {
  try {
    opt.load_state_dict(st);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(OptimState, LoadRejectsMismatchesWithClearMessagesAndChangesNothing) {
  Model m(3);
  Adam opt(m.named(), AdamOptions{.lr = 0.01});
  feed(m, 0), opt.step();
  const OptimizerState good = opt.state_dict();
  Model m2(4);
  Adam fresh(m2.named(), AdamOptions{.lr = 0.02});

  OptimizerState bad = good;
  bad.tensors[0].second = zeros({5});
  EXPECT_NE(load_error(fresh, bad).find("has shape [5]"), std::string::npos) << load_error(fresh, bad);

  bad = good;
  bad.tensors.emplace_back("fc.gamma/exp_avg", zeros({4}));
  EXPECT_NE(load_error(fresh, bad).find("unknown parameter"), std::string::npos);

  bad = good;
  bad.tensors.emplace_back("fc.bias/max_exp_avg_sq", zeros({4}));
  EXPECT_NE(load_error(fresh, bad).find("unknown state slot"), std::string::npos);

  bad = good;
  bad.description["groups"][0]["params"] = {"fc.weight", "fc.b"};
  EXPECT_NE(load_error(fresh, bad).find("checkpoint has parameters [fc.weight, fc.b]"), std::string::npos);

  bad = good;
  bad.description["type"] = "SGD";
  EXPECT_NE(load_error(fresh, bad).find("checkpoint is for optimiser SGD"), std::string::npos);

  bad = good;
  bad.description["groups"].push_back(bad.description["groups"][0]);
  EXPECT_NE(load_error(fresh, bad).find("2 parameter groups"), std::string::npos);

  bad = good;
  bad.tensors.erase(bad.tensors.begin());  // one slot of a parameter missing
  EXPECT_NE(load_error(fresh, bad).find("lacks state slot"), std::string::npos);

  // Nothing was half-loaded.
  EXPECT_DOUBLE_EQ(fresh.lr(), 0.02);
  EXPECT_TRUE(fresh.state("fc.weight").empty());
}

std::string ctor_error(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(OptimState, BadHyperParametersThrowNamingTheValue) {
  Model m(5);
  EXPECT_EQ(ctor_error([&] { SGD(m.named(), SGDOptions{.lr = -0.1}); }),
            "SGD: invalid learning rate -0.1 (must be finite and >= 0)");
  EXPECT_NE(ctor_error([&] { SGD(m.named(), SGDOptions{.lr = 0.1, .momentum = -0.5}); }).find("momentum -0.5"),
            std::string::npos);
  EXPECT_NE(ctor_error([&] { SGD(m.named(), SGDOptions{.lr = 0.1, .nesterov = true}); }).find("Nesterov"),
            std::string::npos);
  EXPECT_EQ(ctor_error([&] { Adam(m.named(), AdamOptions{.beta1 = 1.0}); }), "Adam: invalid beta1 1 (must be in [0, 1))");
  EXPECT_NE(ctor_error([&] { Adam(m.named(), AdamOptions{.beta2 = -0.1}); }).find("beta2 -0.1"), std::string::npos);
  EXPECT_NE(ctor_error([&] { Adam(m.named(), AdamOptions{.eps = -1e-8}); }).find("eps -1e-08"), std::string::npos);
  EXPECT_NE(ctor_error([&] { Adam(m.named(), AdamOptions{.weight_decay = -0.01}); }).find("weight_decay -0.01"),
            std::string::npos);
  EXPECT_NE(ctor_error([&] {
              AdamWOptions o;
              o.lr = std::nan("");
              AdamW(m.named(), o);
            }).find("learning rate nan"),
            std::string::npos);
  EXPECT_NE(ctor_error([&] {
              ParamGroup g;
              g.params = m.named();
              g.hyper = {{"betas", 0.9}};
              Adam(std::vector<ParamGroup>{g}, AdamOptions{});
            }).find("unknown hyper-parameter 'betas'"),
            std::string::npos);
  EXPECT_NE(ctor_error([&] { SGD({{"w", m.w}, {"w", m.b}}, SGDOptions{}); }).find("duplicate parameter name 'w'"),
            std::string::npos);
  EXPECT_NE(ctor_error([&] { SGD({{"a", m.w}, {"b", m.w}}, SGDOptions{}); }).find("same tensor"), std::string::npos);
  // set_lr and per-step validation
  SGD opt(m.named(), SGDOptions{.lr = 0.1});
  EXPECT_NE(ctor_error([&] { opt.set_lr(0, -1.0); }).find("learning rate -1"), std::string::npos);
  opt.param_groups()[0].lr = -2.0;  // written directly: caught at the next step
  feed(m, 0);
  EXPECT_NE(ctor_error([&] { opt.step(); }).find("learning rate -2"), std::string::npos);
  EXPECT_NE(ctor_error([&] {
              LarsOptions o;
              o.trust_coefficient = -1;
              LARS(std::make_unique<SGD>(m.named(), SGDOptions{}), o);
            }).find("trust_coefficient -1"),
            std::string::npos);
}

TEST(OptimState, ParametersWithoutGradientAreSkippedAndZeroGradResets) {
  Model m(6);
  Adam opt(m.named(), AdamOptions{.lr = 0.01});
  const auto b_before = m.b.to_vector<float>();
  Generator gen(9);
  m.w.set_grad(randn({3, 4}, {}, &gen));  // b has no gradient
  const auto w_before = m.w.to_vector<float>();
  opt.step();
  EXPECT_EQ(m.b.to_vector<float>(), b_before);
  EXPECT_NE(m.w.to_vector<float>(), w_before);
  EXPECT_TRUE(opt.state("fc.bias").empty());
  EXPECT_EQ(opt.state("fc.weight").at("step").item<int64_t>(), 1);
  opt.zero_grad();
  EXPECT_FALSE(m.w.grad().defined());
  EXPECT_FALSE(m.b.grad().defined());
  opt.step();  // nothing to do
  EXPECT_EQ(opt.state("fc.weight").at("step").item<int64_t>(), 1);
}

TEST(OptimState, UpdatesInPlaceWithoutRecordingAGraph) {
  Model m(7);
  const void* storage = m.w.raw_data();
  SGD opt(m.named(), SGDOptions{.lr = 0.1, .momentum = 0.9});
  feed(m, 0), opt.step();
  EXPECT_EQ(m.w.raw_data(), storage);
  EXPECT_TRUE(m.w.is_leaf());
  EXPECT_TRUE(m.w.requires_grad());
}

TEST(OptimState, SetLrPerGroup) {
  Model m(8);
  ParamGroup g0, g1;
  g0.params = {{"w", m.w}};
  g1.params = {{"b", m.b}};
  g1.lr = 0.5;
  SGD opt(std::vector<ParamGroup>{g0, g1}, SGDOptions{.lr = 0.1});
  EXPECT_DOUBLE_EQ(opt.lr(0), 0.1);
  EXPECT_DOUBLE_EQ(opt.lr(1), 0.5);
  opt.set_lr(1, 0.25);
  EXPECT_DOUBLE_EQ(opt.lr(1), 0.25);
  EXPECT_THROW(opt.lr(2), std::out_of_range);
}

}  // namespace
}  // namespace hg::nn
