// Properties of normalisation, softmax, dropout and losses that need no reference values:
// softmax rows sum to 1 (also for ±1e4 logits), the running-stat update formula, dropout's
// expectation and seeded determinism, and the error messages for bad input.
#include <gtest/gtest.h>

#include <cmath>

#include "autograd/dropout.h"
#include "autograd/loss.h"
#include "autograd/node.h"
#include "autograd/norm.h"
#include "autograd/softmax.h"
#include "ops/pointwise.h"
#include "ops/reduce.h"
#include "ops/softmax.h"
#include "tensor/factory.h"
#include "tensor/view.h"
#include "tests/common/compare.h"

namespace hg {
namespace {

using testing::AllClose;

// Runs f and expects std::invalid_argument whose message contains every one of `parts`.
template <class F>
void expect_invalid(F&& f, std::initializer_list<std::string> parts) {
  try {
    f();
    ADD_FAILURE() << "no exception";
  } catch (const std::invalid_argument& e) {
    for (const auto& p : parts) EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << e.what();
  }
}

TEST(Softmax, RowsSumToOneAlongEveryDimIncludingViews) {
  Generator g(1);
  Tensor x = ops::transpose(randn({4, 3, 5}, {}, &g), 0, 2);  // [5, 3, 4], non-contiguous
  for (int64_t dim : {0, 1, 2, -1}) {
    Tensor s = ops::sum(ops::softmax(x, dim), {dim});
    EXPECT_TRUE(AllClose(s, ones(s.sizes()), 1e-6)) << "dim " << dim;
  }
}

TEST(Softmax, HandlesHugeLogitsWithoutOverflow) {
  Tensor x = tensor({1e4, -1e4, 0.0, 1e4 - 1.0});
  Tensor y = ops::softmax(x, 0);
  EXPECT_TRUE(ops::all_finite(y));
  const double e = std::exp(-1.0);
  EXPECT_TRUE(AllClose(y, tensor({1 / (1 + e), 0, 0, e / (1 + e)}), 1e-6));
  Tensor ly = ops::log_softmax(x, 0);
  EXPECT_TRUE(ops::all_finite(ly));
  EXPECT_NEAR(ly.to_vector<float>()[1], -2e4 - std::log1p(e), 1e-2);
}

TEST(Softmax, LargeBatchesInParallelMatchF64) {
  Generator g(2);
  Tensor x = ops::mul(randn({96, 1000}, {}, &g), 4.0);  // parallel path (more than 32768 elements)
  Tensor ref = ops::softmax(ops::to_dtype(x, DType::f64), 1);
  EXPECT_TRUE(AllClose(ops::softmax(x, 1), ref, 1e-6));
  Tensor xt = ops::transpose(x, 0, 1);  // softmax along dim 0 of a [1000, 96] view: strided rows
  EXPECT_TRUE(AllClose(ops::softmax(xt, 0), ops::transpose(ref, 0, 1), 1e-6));
}

TEST(Softmax, HalfPrecisionRowsSumToOne) {
  Tensor x = ops::to_dtype(randn({3, 7}), DType::f16);
  Tensor s = ops::sum(ops::to_dtype(softmax(x, 1), DType::f32), {1});
  EXPECT_TRUE(AllClose(s, ones({3}), 5e-3));
}

TEST(BatchNorm, TrainingNormalisesEachChannelAndUpdatesRunningStats) {
  Generator g(3);
  Tensor x = ops::add(ops::mul(randn({16, 8, 32, 32}, DType::f64, &g), 3.0), 2.0);  // parallel path
  Tensor rm = uniform({8}, -1, 1, DType::f64, &g), rv = uniform({8}, 0.5, 2, DType::f64, &g);
  Tensor rm0 = ops::clone(rm), rv0 = ops::clone(rv);
  const double m = 0.2;
  Tensor y = batch_norm(x, Tensor(), Tensor(), rm, rv, true, m, 1e-5);
  EXPECT_TRUE(AllClose(ops::mean(y, {0, 2, 3}), zeros({8}, DType::f64), 1e-10));
  EXPECT_TRUE(AllClose(ops::var(y, {0, 2, 3}, 0), ones({8}, DType::f64), 1e-5));
  // running = (1 − m)·running + m·batch, with the unbiased batch variance
  Tensor want_rm = ops::add(ops::mul(rm0, 1 - m), ops::mul(ops::mean(x, {0, 2, 3}), m));
  Tensor want_rv = ops::add(ops::mul(rv0, 1 - m), ops::mul(ops::var(x, {0, 2, 3}, 1), m));
  EXPECT_TRUE(AllClose(rm, want_rm, 1e-12));
  EXPECT_TRUE(AllClose(rv, want_rv, 1e-12));
}

TEST(BatchNorm, InferenceUsesTheRunningStats) {
  Tensor x = from_vector(std::vector<double>{1, 2, 3, 4, 5, 6}, {3, 2});
  Tensor rm = tensor({1.0, 2.0}, DType::f64), rv = tensor({4.0, 0.25}, DType::f64);
  Tensor w = tensor({2.0, 1.0}, DType::f64), b = tensor({0.5, -1.0}, DType::f64);
  Tensor y = batch_norm(x, w, b, rm, rv, false, 0.1, 0.0);
  // (x − rm)/sqrt(rv)·w + b
  EXPECT_TRUE(AllClose(y, from_vector(std::vector<double>{0.5, -1, 2.5, 3, 4.5, 7}, {3, 2}), 1e-12));
  EXPECT_TRUE(AllClose(rm, tensor({1.0, 2.0}, DType::f64), 0.0));
}

TEST(LayerNorm, RowsHaveZeroMeanAndUnitVariance) {
  Generator g(4);
  Tensor x = ops::add(ops::mul(randn({64, 600}, DType::f64, &g), 5.0), -3.0);
  Tensor y = layer_norm(x, {600}, Tensor(), Tensor(), 0.0);
  EXPECT_TRUE(AllClose(ops::mean(y, {1}), zeros({64}, DType::f64), 1e-10));
  EXPECT_TRUE(AllClose(ops::var(y, {1}, 0), ones({64}, DType::f64), 1e-10));
}

TEST(Dropout, PreservesTheMeanAndDropsAboutP) {
  Generator g(5);
  Tensor x = ones({200000});
  Tensor y = dropout(x, 0.3, true, &g);
  EXPECT_NEAR(ops::mean(y).item<double>(), 1.0, 0.01);
  const double dropped = ops::mean(ops::to_dtype(ops::eq(y, zeros({1})), DType::f32)).item<double>();
  EXPECT_NEAR(dropped, 0.3, 0.005);
  const double kept_value = ops::amax(y).item<double>();
  EXPECT_NEAR(kept_value, 1.0 / 0.7, 1e-6);
}

TEST(Dropout, MaskIsDeterministicForASeedAndBackwardUsesIt) {
  Tensor x = ones({1000}).set_requires_grad(true);
  Generator g1(42), g2(42), g3(43);
  Tensor a = dropout(x, 0.5, true, &g1), b = dropout(x, 0.5, true, &g2), c = dropout(x, 0.5, true, &g3);
  EXPECT_TRUE(AllClose(a, b, 0.0));
  EXPECT_FALSE(AllClose(a, c, 0.0));
  // x = 1, so y = mask/(1 − p) is also dL/dx for L = sum(y)
  Tensor gx = grad({a}, {x}, {ones({1000})})[0];
  EXPECT_TRUE(AllClose(gx, a, 0.0));
}

TEST(Dropout, IdentityWhenNotTrainingOrPZeroAndZerosAtPOne) {
  Tensor x = randn({4, 4}).set_requires_grad(true);
  EXPECT_TRUE(dropout(x, 0.5, false).is_same(x));
  EXPECT_TRUE(dropout(x, 0.0, true).is_same(x));
  Tensor y = dropout(x, 1.0, true);
  EXPECT_TRUE(AllClose(y, zeros({4, 4}), 0.0));
  EXPECT_TRUE(AllClose(grad({y}, {x}, {ones({4, 4})})[0], zeros({4, 4}), 0.0));
}

TEST(CrossEntropy, AllTargetsIgnoredGivesNaNMeanAndZeroSum) {
  Tensor logits = randn({2, 3});
  Tensor t = from_vector(std::vector<int64_t>{-100, -100}, {2});
  EXPECT_TRUE(std::isnan(cross_entropy(logits, t).item<double>()));
  EXPECT_EQ(cross_entropy(logits, t, Reduction::sum).item<double>(), 0.0);
}

TEST(CrossEntropy, UnbatchedLogitsAndFullSmoothing) {
  Tensor logits = tensor({1.0, 2.0, 3.0});
  Tensor t = scalar_tensor(2, DType::i64);
  const double lse = std::log(std::exp(1.0) + std::exp(2.0) + std::exp(3.0));
  EXPECT_NEAR(cross_entropy(logits, t).item<double>(), lse - 3.0, 1e-6);
  // ε = 1: the target is uniform, loss = lse − mean(x)
  EXPECT_NEAR(cross_entropy(logits, t, Reduction::mean, -100, 1.0).item<double>(), lse - 2.0, 1e-6);
}

TEST(Reduction, ParsesTheThreeNames) {
  EXPECT_EQ(parse_reduction("none"), Reduction::none);
  EXPECT_EQ(parse_reduction("mean"), Reduction::mean);
  EXPECT_EQ(parse_reduction("sum"), Reduction::sum);
  EXPECT_STREQ(reduction_name(Reduction::sum), "sum");
  expect_invalid([] { parse_reduction("avg"); }, {"avg"});
}

TEST(BadInput, ThrowsNamingShapesAndValues) {
  Tensor x = randn({4, 3});
  expect_invalid([&] { dropout(x, 1.5); }, {"dropout", "1.5"});
  expect_invalid([&] { dropout(x, -0.1); }, {"dropout"});
  expect_invalid([&] { cross_entropy(x, from_vector(std::vector<int64_t>{0, 1, 7, 2}, {4})); }, {"7", "3 classes"});
  expect_invalid([&] { cross_entropy(x, from_vector(std::vector<int64_t>{0, 1, -3, 2}, {4})); }, {"-3"});
  expect_invalid([&] { cross_entropy(x, zeros({4})); }, {"i64", "f32"});
  expect_invalid([&] { cross_entropy(x, from_vector(std::vector<int64_t>{0, 1, 2}, {3})); }, {"[3]", "[4, 3]"});
  expect_invalid([&] { cross_entropy(x, zeros({4}, DType::i64), Reduction::mean, -100, 1.5); }, {"label_smoothing"});
  expect_invalid([&] { mse_loss(x, randn({3, 4})); }, {"[4, 3]", "[3, 4]"});
  expect_invalid([&] { l1_loss(x, randn({4})); }, {"[4, 3]", "[4]"});
  expect_invalid([&] { smooth_l1_loss(x, x, Reduction::mean, -1.0); }, {"beta"});
  expect_invalid([&] { batch_norm(x, ones({4}), Tensor(), Tensor(), Tensor(), true); }, {"weight", "[4]", "[4, 3]"});
  expect_invalid([&] { batch_norm(x, Tensor(), Tensor(), Tensor(), Tensor(), false); }, {"running"});
  expect_invalid([&] { batch_norm(randn({1, 3}), Tensor(), Tensor(), Tensor(), Tensor(), true); },
                 {"more than 1 value"});
  expect_invalid([&] { batch_norm(randn({5}), Tensor(), Tensor(), Tensor(), Tensor(), true); }, {"[5]"});
  expect_invalid([&] { layer_norm(x, {4}); }, {"[4]", "[4, 3]"});
  expect_invalid([&] { layer_norm(x, {3}, ones({4})); }, {"weight", "[4]"});
  expect_invalid([&] { cosine_similarity(x, randn({2, 3})); }, {"[4, 3]", "[2, 3]"});
}

}  // namespace
}  // namespace hg
