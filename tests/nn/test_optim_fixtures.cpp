// Five float32 steps of every optimiser against torch.optim trajectories
// (tests/reference/make_optim_fixtures.py -> tests/fixtures/optim.safetensors). The gradients of
// each step come from the fixture, so both sides see identical inputs.
#include <gtest/gtest.h>

#include <functional>
#include <memory>

#include "../common/compare.h"
#include "nn/lars.h"
#include "nn/optim_adam.h"
#include "nn/optim_sgd.h"
#include "tensor/view.h"

namespace hg::nn {
namespace {

constexpr int kSteps = 5;
// float32 arithmetic on both sides, in a slightly different order (fused element-wise updates here,
// separate torch ops there; LARS norms accumulate in double on both sides).
constexpr double kTol = 5e-7;

const safetensors::File& fixture() {
  static const safetensors::File f = hg::testing::load_fixture("optim.safetensors");
  return f;
}

using Maker = std::function<std::unique_ptr<Optimizer>(Tensor w, Tensor b)>;

void check_case(const std::string& name, const Maker& make, bool scheduled = false) {
  const auto& f = fixture();
  Tensor w = ops::clone(f.at("w0")).set_requires_grad(true);
  Tensor b = ops::clone(f.at("b0")).set_requires_grad(true);
  auto opt = make(w, b);
  const auto lrs = f.at("lrs").to_vector<double>();
  for (int k = 0; k < kSteps; ++k) {
    const std::string s = std::to_string(k);
    if (scheduled) opt->set_lr(lrs[k]);
    w.set_grad(ops::clone(f.at("g_w_" + s)));
    b.set_grad(ops::clone(f.at("g_b_" + s)));
    opt->step();
    EXPECT_TRUE(hg::testing::AllClose(w, f.at(name + "_w_" + s), kTol)) << name << " w after step " << k;
    EXPECT_TRUE(hg::testing::AllClose(b, f.at(name + "_b_" + s), kTol)) << name << " b after step " << k;
  }
}

NamedTensors both(Tensor w, Tensor b) { return {{"w", w}, {"b", b}}; }

LarsOptions lars(double eta, LarsMode mode, ParamPredicate exclude) {
  LarsOptions o;
  o.trust_coefficient = eta;
  o.eps = 1e-8;
  o.mode = mode;
  o.exclude = std::move(exclude);
  return o;
}

TEST(OptimFixtures, Sgd) {
  check_case("sgd", [](Tensor w, Tensor b) { return std::make_unique<SGD>(both(w, b), SGDOptions{.lr = 0.1}); });
}

TEST(OptimFixtures, SgdMomentum) {
  check_case("sgd_momentum", [](Tensor w, Tensor b) {
    return std::make_unique<SGD>(both(w, b),
                                 SGDOptions{.lr = 0.1, .momentum = 0.9, .dampening = 0.1, .weight_decay = 0.01});
  });
}

TEST(OptimFixtures, SgdNesterov) {
  check_case("sgd_nesterov", [](Tensor w, Tensor b) {
    return std::make_unique<SGD>(both(w, b), SGDOptions{.lr = 0.1, .momentum = 0.9, .weight_decay = 0.01, .nesterov = true});
  });
}

TEST(OptimFixtures, Adam) {
  check_case("adam", [](Tensor w, Tensor b) {
    return std::make_unique<Adam>(both(w, b), AdamOptions{.lr = 0.01, .beta1 = 0.9, .beta2 = 0.99, .eps = 1e-8,
                                                          .weight_decay = 0.01});
  });
}

TEST(OptimFixtures, AdamTwoGroupsWithOverrides) {
  check_case("adam_groups", [](Tensor w, Tensor b) {
    ParamGroup gw, gb;
    gw.params = {{"w", w}};
    gw.weight_decay = 0.1;
    gb.params = {{"b", b}};
    gb.lr = 0.02;
    gb.hyper = {{"beta1", 0.8}, {"beta2", 0.9}};
    return std::make_unique<Adam>(std::vector<ParamGroup>{gw, gb}, AdamOptions{.lr = 0.01, .eps = 1e-6});
  });
}

TEST(OptimFixtures, AdamW) {
  check_case("adamw", [](Tensor w, Tensor b) {
    AdamWOptions o;
    o.lr = 0.01;
    o.weight_decay = 0.1;
    return std::make_unique<AdamW>(both(w, b), o);
  });
}

TEST(OptimFixtures, AdamWScheduled) {
  check_case("adamw_scheduled", [](Tensor w, Tensor b) {
    AdamWOptions o;
    o.lr = 0.01;
    o.weight_decay = 0.1;
    return std::make_unique<AdamW>(both(w, b), o);
  }, true);
}

TEST(OptimFixtures, LarsSgdScale) {
  check_case("lars_sgd_scale", [](Tensor w, Tensor b) {
    auto inner = std::make_unique<SGD>(both(w, b), SGDOptions{.lr = 0.5, .momentum = 0.9, .weight_decay = 0.01});
    return std::make_unique<LARS>(std::move(inner), lars(0.01, LarsMode::scale, exclude_1d()));
  });
}

TEST(OptimFixtures, LarsSgdClip) {
  check_case("lars_sgd_clip", [](Tensor w, Tensor b) {
    auto inner = std::make_unique<SGD>(both(w, b), SGDOptions{.lr = 0.1, .momentum = 0.9, .weight_decay = 0.01});
    return std::make_unique<LARS>(std::move(inner), lars(0.02, LarsMode::clip, exclude_none()));
  });
}

TEST(OptimFixtures, LarsAdamScale) {
  check_case("lars_adam_scale", [](Tensor w, Tensor b) {
    auto inner = std::make_unique<Adam>(both(w, b), AdamOptions{.lr = 0.01, .weight_decay = 0.01});
    return std::make_unique<LARS>(std::move(inner), lars(0.1, LarsMode::scale, exclude_none()));
  });
}

TEST(OptimFixtures, LarsAdamClipScheduled) {
  check_case("lars_adam_clip", [](Tensor w, Tensor b) {
    auto inner = std::make_unique<Adam>(both(w, b), AdamOptions{.lr = 0.01, .weight_decay = 1e-3});
    return std::make_unique<LARS>(std::move(inner), lars(0.02, LarsMode::clip, exclude_1d()));
  }, true);
}

}  // namespace
}  // namespace hg::nn
