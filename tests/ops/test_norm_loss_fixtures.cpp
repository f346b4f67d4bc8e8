// Normalisation, softmax and losses (forward and gradients) against PyTorch 1.13 in float32
// (tests/reference/make_norm_loss_fixtures.py writes tests/fixtures/norm_loss.safetensors).
#include <gtest/gtest.h>

#include <functional>

#include "autograd/loss.h"
#include "autograd/node.h"
#include "autograd/norm.h"
#include "autograd/softmax.h"
#include "tensor/factory.h"
#include "tensor/view.h"
#include "tests/common/compare.h"

namespace hg {
namespace {

using testing::AllClose;
constexpr double kTol = 1e-5;  // relative to the reference's largest magnitude

Tensor leaf(const Tensor& t) { return ops::clone(t).set_requires_grad(true); }

class NormLossFixtures : public ::testing::Test {
 protected:
  safetensors::File f = testing::load_fixture("norm_loss.safetensors");
  const Tensor& at(const std::string& name) const { return f.at(name); }
  // Gradients of y w.r.t. xs for the stored upstream gradient `<name>_gy`.
  std::vector<Tensor> grads_of(const Tensor& y, const std::vector<Tensor>& xs, const std::string& name) const {
    return grad({y}, xs, {at(name + "_gy")});
  }
};

TEST_F(NormLossFixtures, BatchNormTrainMatchesTorchAndUpdatesRunningStats) {
  Tensor x = leaf(at("bn_x")), w = leaf(at("bn_w")), b = leaf(at("bn_b"));
  Tensor rm = ops::clone(at("bn_rm0")), rv = ops::clone(at("bn_rv0"));
  Tensor y = batch_norm(x, w, b, rm, rv, true, 0.1, 1e-5);
  EXPECT_TRUE(AllClose(y, at("bn_train_y"), kTol));
  EXPECT_TRUE(AllClose(rm, at("bn_train_rm"), kTol));
  EXPECT_TRUE(AllClose(rv, at("bn_train_rv"), kTol));
  auto g = grads_of(y, {x, w, b}, "bn_train");
  EXPECT_TRUE(AllClose(g[0], at("bn_train_gx"), kTol));
  EXPECT_TRUE(AllClose(g[1], at("bn_train_gw"), kTol));
  EXPECT_TRUE(AllClose(g[2], at("bn_train_gb"), kTol));
}

TEST_F(NormLossFixtures, BatchNormEvalMatchesTorch) {
  Tensor x = leaf(at("bn_x")), w = leaf(at("bn_w")), b = leaf(at("bn_b"));
  Tensor rm = ops::clone(at("bn_rm0")), rv = ops::clone(at("bn_rv0"));
  Tensor y = batch_norm(x, w, b, rm, rv, false);
  EXPECT_TRUE(AllClose(y, at("bn_eval_y"), kTol));
  EXPECT_TRUE(AllClose(rm, at("bn_rm0"), 0.0)) << "eval must not touch the running stats";
  auto g = grads_of(y, {x, w, b}, "bn_eval");
  EXPECT_TRUE(AllClose(g[0], at("bn_eval_gx"), kTol));
  EXPECT_TRUE(AllClose(g[1], at("bn_eval_gw"), kTol));
  EXPECT_TRUE(AllClose(g[2], at("bn_eval_gb"), kTol));
}

TEST_F(NormLossFixtures, BatchNorm2dWithoutAffineMatchesTorch) {
  Tensor x = leaf(at("bn2d_x"));
  Tensor rm = zeros({4}), rv = ones({4});
  Tensor y = batch_norm(x, Tensor(), Tensor(), rm, rv, true, 0.3);
  EXPECT_TRUE(AllClose(y, at("bn2d_y"), kTol));
  EXPECT_TRUE(AllClose(rm, at("bn2d_rm"), kTol));
  EXPECT_TRUE(AllClose(rv, at("bn2d_rv"), kTol));
  EXPECT_TRUE(AllClose(grads_of(y, {x}, "bn2d")[0], at("bn2d_gx"), kTol));
}

TEST_F(NormLossFixtures, LayerNormMatchesTorch) {
  Tensor x = leaf(at("ln_x")), w = leaf(at("ln_w")), b = leaf(at("ln_b"));
  Tensor y = layer_norm(x, {4, 5}, w, b, 1e-5);
  EXPECT_TRUE(AllClose(y, at("ln_y"), kTol));
  auto g = grads_of(y, {x, w, b}, "ln");
  EXPECT_TRUE(AllClose(g[0], at("ln_gx"), kTol));
  EXPECT_TRUE(AllClose(g[1], at("ln_gw"), kTol));
  EXPECT_TRUE(AllClose(g[2], at("ln_gb"), kTol));
}

TEST_F(NormLossFixtures, SoftmaxAndLogSoftmaxAlongMiddleDimMatchTorch) {
  Tensor x = leaf(at("sm_x"));
  Tensor y = softmax(x, 1);
  EXPECT_TRUE(AllClose(y, at("sm_y"), kTol));
  EXPECT_TRUE(AllClose(grads_of(y, {x}, "sm")[0], at("sm_gx"), kTol));
  Tensor ly = log_softmax(x, 1);
  EXPECT_TRUE(AllClose(ly, at("lsm_y"), kTol));
  EXPECT_TRUE(AllClose(grads_of(ly, {x}, "lsm")[0], at("lsm_gx"), kTol));
}

TEST_F(NormLossFixtures, CrossEntropyReductionsMatchTorch) {
  Tensor logits = leaf(at("ce_logits"));
  const Tensor& target = at("ce_target");
  EXPECT_TRUE(AllClose(cross_entropy(logits, target, Reduction::mean), at("ce_mean"), kTol));
  EXPECT_TRUE(AllClose(cross_entropy(logits, target, Reduction::sum), at("ce_sum"), kTol));
  EXPECT_TRUE(AllClose(cross_entropy(logits, target, Reduction::none), at("ce_none"), kTol));
  EXPECT_TRUE(AllClose(grad({cross_entropy(logits, target)}, {logits})[0], at("ce_mean_gx"), kTol));
}

TEST_F(NormLossFixtures, CrossEntropyLabelSmoothingMatchesTorch) {
  Tensor logits = leaf(at("ce_logits"));
  const Tensor& target = at("ce_target");
  Tensor loss = cross_entropy(logits, target, Reduction::mean, -100, 0.1);
  EXPECT_TRUE(AllClose(loss, at("ce_ls"), kTol));
  EXPECT_TRUE(AllClose(grad({loss}, {logits})[0], at("ce_ls_gx"), kTol));
  Tensor none = cross_entropy(logits, target, Reduction::none, -100, 0.2);
  EXPECT_TRUE(AllClose(none, at("ce_none_ls"), kTol));
  EXPECT_TRUE(AllClose(grads_of(none, {logits}, "ce_none_ls")[0], at("ce_none_ls_gx"), kTol));
}

TEST_F(NormLossFixtures, CrossEntropySpatialMatchesTorch) {
  Tensor logits = leaf(at("ce4_logits"));
  Tensor loss = cross_entropy(logits, at("ce4_target"), Reduction::mean, 3, 0.05);
  EXPECT_TRUE(AllClose(loss, at("ce4_loss"), kTol));
  EXPECT_TRUE(AllClose(grad({loss}, {logits})[0], at("ce4_gx"), kTol));
}

TEST_F(NormLossFixtures, RegressionLossesMatchTorch) {
  Tensor a = leaf(at("reg_a")), t = leaf(at("reg_t"));
  using LossFn = std::function<Tensor(Reduction)>;
  const std::vector<std::pair<std::string, LossFn>> cases = {
      {"mse", [&](Reduction r) { return mse_loss(a, t, r); }},
      {"l1", [&](Reduction r) { return l1_loss(a, t, r); }},
      {"sl1", [&](Reduction r) { return smooth_l1_loss(a, t, r, 1.0); }},
      {"sl1b05", [&](Reduction r) { return smooth_l1_loss(a, t, r, 0.5); }},
  };
  for (const auto& [name, loss] : cases) {
    SCOPED_TRACE(name);
    for (Reduction r : {Reduction::mean, Reduction::sum, Reduction::none})
      EXPECT_TRUE(AllClose(loss(r), at(name + "_" + reduction_name(r)), kTol)) << reduction_name(r);
    auto g = grad({loss(Reduction::mean)}, {a, t});
    EXPECT_TRUE(AllClose(g[0], at(name + "_mean_ga"), kTol));
    EXPECT_TRUE(AllClose(g[1], at(name + "_mean_gt"), kTol));
  }
}

TEST_F(NormLossFixtures, CosineSimilarityMatchesTorchIncludingATinyNorm) {
  // row 3 of a has a norm below eps: torch 1.13 clamps the squared norms outside the graph
  Tensor a = leaf(at("cos_a")), b = leaf(at("cos_b"));
  Tensor y = cosine_similarity(a, b, 1, 1e-8);
  EXPECT_TRUE(AllClose(y, at("cos_y"), kTol));
  auto g = grads_of(y, {a, b}, "cos");
  EXPECT_TRUE(AllClose(g[0], at("cos_ga"), kTol));
  EXPECT_TRUE(AllClose(g[1], at("cos_gb"), kTol));
}

TEST_F(NormLossFixtures, NormalizeMatchesTorch) {
  Tensor x = leaf(at("nz_x"));
  Tensor y = normalize(x, 2.0, 1);
  EXPECT_TRUE(AllClose(y, at("nz_y"), kTol));
  EXPECT_TRUE(AllClose(grads_of(y, {x}, "nz")[0], at("nz_gx"), kTol));
  Tensor y1 = normalize(x, 1.0, 0);
  EXPECT_TRUE(AllClose(y1, at("nz1_y"), kTol));
  EXPECT_TRUE(AllClose(grads_of(y1, {x}, "nz1")[0], at("nz1_gx"), kTol));
}

}  // namespace
}  // namespace hg
