// Five steps of each optimiser in float64 against the scalar reference implementations in
// test_optim_common.h (written from the formulas, not from the library's functors).
#include <gtest/gtest.h>

#include <functional>
#include <memory>

#include "nn/lars.h"
#include "nn/optim_adam.h"
#include "nn/optim_sgd.h"
#include "test_optim_common.h"

namespace hg::nn {
namespace {

using testing::Vec;
constexpr int kSteps = 5;

struct Problem {
  Vec w0, b0;
  std::vector<Vec> gw, gb;
};

Problem make_problem() {
  Generator gen(7);
  Problem p;
  p.w0 = randn({3, 4}, DType::f64, &gen).to_vector<double>();
  p.b0 = randn({4}, DType::f64, &gen).to_vector<double>();
  for (double& v : p.b0) v *= 0.1;
  for (int k = 0; k < kSteps; ++k) {
    p.gw.push_back(randn({3, 4}, DType::f64, &gen).to_vector<double>());
    Vec gb = randn({4}, DType::f64, &gen).to_vector<double>();
    for (double& v : gb) v *= k == 2 ? 0.0 : 0.5;  // a zero gradient at step 2 (LARS: factor 1)
    p.gb.push_back(gb);
  }
  return p;
}

using Maker = std::function<std::unique_ptr<Optimizer>(NamedTensors)>;
// Reference step k: updates (w, b) in place given the lr of that step.
using RefStep = std::function<void(int k, Vec& w, Vec& b, double lr)>;

// Runs the library optimiser and the reference side by side and compares after every step.
void compare(const Maker& make, const RefStep& ref, double tol, const std::vector<double>& lrs = {}) {
  const Problem pb = make_problem();
  Tensor w = testing::to_tensor(pb.w0, {3, 4}, DType::f64).set_requires_grad(true);
  Tensor b = testing::to_tensor(pb.b0, {4}, DType::f64).set_requires_grad(true);
  auto opt = make({{"w", w}, {"b", b}});
  Vec rw = pb.w0, rb = pb.b0;
  for (int k = 0; k < kSteps; ++k) {
    const double lr = lrs.empty() ? opt->lr() : lrs[k];
    if (!lrs.empty()) opt->set_lr(lr);
    testing::set_grad(w, testing::to_tensor(pb.gw[k], {3, 4}, DType::f64));
    testing::set_grad(b, testing::to_tensor(pb.gb[k], {4}, DType::f64));
    opt->step();
    ref(k, rw, rb, lr);
    const Vec lw = w.to_vector<double>(), lb = b.to_vector<double>();
    for (size_t i = 0; i < rw.size(); ++i) ASSERT_NEAR(lw[i], rw[i], tol) << "w[" << i << "] after step " << k;
    for (size_t i = 0; i < rb.size(); ++i) ASSERT_NEAR(lb[i], rb[i], tol) << "b[" << i << "] after step " << k;
  }
}

// Reference optimiser applied to both parameters independently (state per parameter).
template <class Ref>
RefStep per_param(Ref proto) {
  auto rw = std::make_shared<Ref>(proto), rb = std::make_shared<Ref>(proto);
  auto pb = std::make_shared<Problem>(make_problem());
  return [=](int k, Vec& w, Vec& b, double lr) {
    rw->lr = rb->lr = lr;
    rw->step(w, pb->gw[k]);
    rb->step(b, pb->gb[k]);
  };
}

TEST(OptimAnalytic, SgdPlain) {
  compare([](NamedTensors p) { return std::make_unique<SGD>(std::move(p), SGDOptions{.lr = 0.1}); },
          per_param(testing::RefSGD{.lr = 0.1}), 1e-13);
}

TEST(OptimAnalytic, SgdMomentumDampeningWeightDecay) {
  compare([](NamedTensors p) {
            return std::make_unique<SGD>(std::move(p),
                                         SGDOptions{.lr = 0.1, .momentum = 0.9, .dampening = 0.1, .weight_decay = 0.01});
          },
          per_param(testing::RefSGD{.lr = 0.1, .mu = 0.9, .damp = 0.1, .wd = 0.01}), 1e-13);
}

TEST(OptimAnalytic, SgdNesterov) {
  compare([](NamedTensors p) {
            return std::make_unique<SGD>(std::move(p),
                                         SGDOptions{.lr = 0.1, .momentum = 0.9, .weight_decay = 0.01, .nesterov = true});
          },
          per_param(testing::RefSGD{.lr = 0.1, .mu = 0.9, .wd = 0.01, .nesterov = true}), 1e-13);
}

TEST(OptimAnalytic, AdamL2) {
  compare([](NamedTensors p) {
            return std::make_unique<Adam>(std::move(p),
                                          AdamOptions{.lr = 0.01, .beta1 = 0.9, .beta2 = 0.99, .weight_decay = 0.01});
          },
          per_param(testing::RefAdam{.lr = 0.01, .b1 = 0.9, .b2 = 0.99, .wd = 0.01}), 1e-12);
}

TEST(OptimAnalytic, AdamWDecoupled) {
  compare([](NamedTensors p) {
            AdamWOptions o;
            o.lr = 0.01;
            o.weight_decay = 0.1;
            return std::make_unique<AdamW>(std::move(p), o);
          },
          per_param(testing::RefAdam{.lr = 0.01, .wd = 0.1, .decoupled = true}), 1e-12);
}

TEST(OptimAnalytic, AdamWScheduledLrStartingAtZero) {
  compare([](NamedTensors p) {
            AdamWOptions o;
            o.lr = 0.01;
            return std::make_unique<AdamW>(std::move(p), o);
          },
          per_param(testing::RefAdam{.lr = 0, .wd = 0.01, .decoupled = true}), 1e-12, {0.0, 0.01, 0.05, 0.03, 0.02});
}

// LARS around an inner reference: the gradient is rescaled per parameter, the inner step has wd 0.
template <class Ref>
RefStep lars_ref(Ref inner, double wd, double eta, bool clip, bool exclude_b) {
  auto rw = std::make_shared<Ref>(inner), rb = std::make_shared<Ref>(inner);
  rw->wd = rb->wd = 0;
  auto pb = std::make_shared<Problem>(make_problem());
  return [=](int k, Vec& w, Vec& b, double lr) {
    rw->lr = rb->lr = lr;
    rw->step(w, testing::ref_lars_grad(w, pb->gw[k], wd, lr, eta, 1e-8, clip));
    rb->step(b, exclude_b ? pb->gb[k] : testing::ref_lars_grad(b, pb->gb[k], wd, lr, eta, 1e-8, clip));
  };
}

LarsOptions lars_options(double eta, LarsMode mode, ParamPredicate exclude) {
  LarsOptions o;
  o.trust_coefficient = eta;
  o.mode = mode;
  o.exclude = std::move(exclude);
  return o;
}

TEST(OptimAnalytic, LarsSgdScaleExcluding1d) {
  compare([](NamedTensors p) {
            auto inner = std::make_unique<SGD>(std::move(p), SGDOptions{.lr = 0.5, .momentum = 0.9, .weight_decay = 0.01});
            return std::make_unique<LARS>(std::move(inner), lars_options(0.01, LarsMode::scale, exclude_1d()));
          },
          lars_ref(testing::RefSGD{.lr = 0.5, .mu = 0.9}, 0.01, 0.01, false, true), 1e-13);
}

TEST(OptimAnalytic, LarsSgdClip) {
  compare([](NamedTensors p) {
            auto inner = std::make_unique<SGD>(std::move(p), SGDOptions{.lr = 0.1, .momentum = 0.9, .weight_decay = 0.01});
            return std::make_unique<LARS>(std::move(inner), lars_options(0.02, LarsMode::clip, exclude_none()));
          },
          lars_ref(testing::RefSGD{.lr = 0.1, .mu = 0.9}, 0.01, 0.02, true, false), 1e-13);
}

TEST(OptimAnalytic, LarsAdamScale) {
  compare([](NamedTensors p) {
            auto inner = std::make_unique<Adam>(std::move(p), AdamOptions{.lr = 0.01, .weight_decay = 0.01});
            return std::make_unique<LARS>(std::move(inner), lars_options(0.1, LarsMode::scale, exclude_none()));
          },
          lars_ref(testing::RefAdam{.lr = 0.01}, 0.01, 0.1, false, false), 1e-12);
}

TEST(OptimAnalytic, LarsAdamClipScheduledExcludingBias) {
  compare([](NamedTensors p) {
            auto inner = std::make_unique<Adam>(std::move(p), AdamOptions{.lr = 0.01, .weight_decay = 1e-3});
            return std::make_unique<LARS>(std::move(inner),
                                          lars_options(0.02, LarsMode::clip, exclude_names_containing({"b"})));
          },
          lars_ref(testing::RefAdam{.lr = 0.01}, 1e-3, 0.02, true, true), 1e-12, {0.0, 0.01, 0.05, 0.03, 0.02});
}

}  // namespace
}  // namespace hg::nn
