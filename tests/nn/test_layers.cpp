// Layers: shapes, formulas, default init ranges, train/eval behaviour and the errors on bad input.
#include <gtest/gtest.h>

#include <cmath>

#include "autograd/linalg.h"
#include "autograd/node.h"
#include "autograd/pointwise.h"
#include "autograd/reduce.h"
#include "autograd/shape.h"
#include "nn/activation.h"
#include "nn/batchnorm.h"
#include "nn/conv2d.h"
#include "nn/dropout.h"
#include "nn/flatten.h"
#include "nn/linear.h"
#include "nn/mlp.h"
#include "nn/pooling.h"
#include "nn/sequential.h"
#include "tensor/factory.h"
#include "tests/common/compare.h"
#include "tests/common/expect_throw.h"

namespace hg {
namespace {

using testing::error_message;

double max_abs(const Tensor& t) {
  double m = 0;
  for (double v : t.to_vector<double>()) m = std::max(m, std::abs(v));
  return m;
}

TEST(Linear, ForwardInitAndErrors) {
  Generator gen(5);
  nn::Linear fc(16, 4, true, &gen);
  EXPECT_EQ(fc.weight.sizes(), (Shape{4, 16}));
  EXPECT_EQ(fc.bias.sizes(), (Shape{4}));
  EXPECT_LE(max_abs(fc.weight), 0.25);  // U(±1/√16)
  EXPECT_LE(max_abs(fc.bias), 0.25);
  EXPECT_GT(max_abs(fc.weight), 0.2);
  const Tensor x = randn({3, 16});
  EXPECT_TRUE(testing::AllClose(fc.forward(x), add(matmul(x, transpose(fc.weight, 0, 1)), fc.bias), 1e-6));
  EXPECT_EQ(fc.forward(randn({2, 5, 16})).sizes(), (Shape{2, 5, 4}));
  const std::string msg = error_message<std::invalid_argument>([&] { fc.forward(randn({3, 15})); });
  EXPECT_NE(msg.find("[3, 15]"), std::string::npos) << msg;
  EXPECT_THROW(nn::Linear(0, 3), std::invalid_argument);
  nn::Linear no_bias(3, 2, false);
  EXPECT_FALSE(no_bias.bias.defined());
  EXPECT_EQ(no_bias.named_parameters().size(), 1u);
  Generator a(9), b(9);
  EXPECT_EQ(nn::Linear(8, 8, true, &a).weight.to_vector<float>(), nn::Linear(8, 8, true, &b).weight.to_vector<float>());
}

TEST(Conv2d, ShapesInitAndErrors) {
  nn::Conv2d conv(4, 8, 3, {.stride = 2, .padding = 1, .groups = 2});
  EXPECT_EQ(conv.weight.sizes(), (Shape{8, 2, 3, 3}));
  EXPECT_LE(max_abs(conv.weight), 1.0 / std::sqrt(18.0));  // fan_in = 2 · 3 · 3
  EXPECT_EQ(conv.forward(randn({2, 4, 9, 9})).sizes(), (Shape{2, 8, 5, 5}));
  const std::string msg = error_message<std::invalid_argument>([&] { conv.forward(randn({2, 3, 9, 9})); });
  EXPECT_NE(msg.find("[2, 3, 9, 9]"), std::string::npos) << msg;
  EXPECT_THROW(nn::Conv2d(3, 8, 3, {.groups = 2}), std::invalid_argument);
  nn::Conv2d dilated(1, 1, 3, {.padding = 2, .dilation = 2, .bias = false});
  EXPECT_FALSE(dilated.bias.defined());
  EXPECT_EQ(dilated.forward(randn({1, 1, 7, 7})).sizes(), (Shape{1, 1, 7, 7}));
}

TEST(BatchNorm, TrainingUsesBatchStatsAndUpdatesRunningStats) {
  nn::BatchNorm2d bn(3);
  EXPECT_EQ(bn.weight.to_vector<float>(), std::vector<float>(3, 1.0f));
  EXPECT_EQ(bn.bias.to_vector<float>(), std::vector<float>(3, 0.0f));
  EXPECT_EQ(bn.num_batches_tracked.dtype(), DType::i64);
  const Tensor x = add(mul(randn({4, 3, 5, 5}), 2.0), 3.0);
  const Tensor y = bn.forward(x);
  // Normalised per channel: mean 0, biased variance 1 (up to eps).
  const auto m = mean(y, {0, 2, 3}).to_vector<double>();
  const auto v = var(y, {0, 2, 3}, 0).to_vector<double>();
  for (int c = 0; c < 3; ++c) {
    EXPECT_NEAR(m[c], 0.0, 1e-5);
    EXPECT_NEAR(v[c], 1.0, 1e-3);
  }
  // running = 0.9 · running + 0.1 · batch (unbiased variance)
  const auto bm = mean(x, {0, 2, 3}).to_vector<double>();
  const auto bv = var(x, {0, 2, 3}, 1).to_vector<double>();
  const auto rm = bn.running_mean.to_vector<double>(), rv = bn.running_var.to_vector<double>();
  for (int c = 0; c < 3; ++c) {
    EXPECT_NEAR(rm[c], 0.1 * bm[c], 1e-5);
    EXPECT_NEAR(rv[c], 0.9 + 0.1 * bv[c], 1e-4);
  }
  EXPECT_EQ(bn.num_batches_tracked.item<int64_t>(), 1);

  bn.eval();  // eval: (x − running_mean) / √(running_var + eps), stats untouched
  const Tensor ye = bn.forward(x);
  const Tensor want = div(sub(x, reshape(bn.running_mean, {1, 3, 1, 1})),
                          sqrt(add(reshape(bn.running_var, {1, 3, 1, 1}), 1e-5)));
  EXPECT_TRUE(testing::AllClose(ye, want, 1e-5));
  EXPECT_EQ(bn.num_batches_tracked.item<int64_t>(), 1);
  EXPECT_EQ(bn.running_mean.to_vector<double>(), rm);
}

TEST(BatchNorm, ShapeErrorsAndOptions) {
  nn::BatchNorm1d bn1(4);
  EXPECT_EQ(bn1.forward(randn({6, 4})).sizes(), (Shape{6, 4}));
  EXPECT_EQ(bn1.forward(randn({6, 4, 3})).sizes(), (Shape{6, 4, 3}));
  std::string msg = error_message<std::invalid_argument>([&] { bn1.forward(randn({6, 5})); });
  EXPECT_NE(msg.find("[6, 5]"), std::string::npos) << msg;
  msg = error_message<std::invalid_argument>([&] { bn1.forward(randn({1, 4})); });  // one value per channel in training
  EXPECT_NE(msg.find("[1, 4]"), std::string::npos) << msg;
  nn::BatchNorm2d bn2(4);
  msg = error_message<std::invalid_argument>([&] { bn2.forward(randn({6, 4})); });
  EXPECT_NE(msg.find("[6, 4]"), std::string::npos) << msg;
  nn::BatchNorm2d plain(2, {.affine = false, .track_running_stats = false});
  EXPECT_TRUE(plain.state_dict().empty());
  plain.eval();  // no running stats: batch statistics even in eval
  const auto m = mean(plain.forward(add(randn({3, 2, 4, 4}), 5.0)), {0, 2, 3}).to_vector<double>();
  EXPECT_NEAR(m[0], 0.0, 1e-5);
}

TEST(Activations, ReluLeakyIdentity) {
  const Tensor x = tensor({-2.0, -0.5, 0.5, 3.0});
  EXPECT_EQ(nn::ReLU().forward(x).to_vector<float>(), (std::vector<float>{0, 0, 0.5f, 3}));
  EXPECT_EQ(nn::LeakyReLU(0.1).forward(x).to_vector<float>(), (std::vector<float>{-0.2f, -0.05f, 0.5f, 3}));
  EXPECT_TRUE(nn::Identity().forward(x).is_same(x));
}

TEST(Pooling, ShapesAndErrors) {
  nn::MaxPool2d pool(3, 2, 1);
  EXPECT_EQ(pool.forward(randn({2, 3, 32, 32})).sizes(), (Shape{2, 3, 16, 16}));
  EXPECT_EQ(nn::MaxPool2d(2).stride, 2);
  const Tensor x = randn({2, 3, 5, 7});
  const Tensor g = nn::AdaptiveAvgPool2d().forward(x);
  EXPECT_EQ(g.sizes(), (Shape{2, 3, 1, 1}));
  EXPECT_TRUE(testing::AllClose(reshape(g, {2, 3}), mean(x, {2, 3}), 1e-6));
  const std::string msg = error_message<std::invalid_argument>([&] { pool.forward(randn({3, 32, 32})); });
  EXPECT_NE(msg.find("[3, 32, 32]"), std::string::npos) << msg;
  EXPECT_THROW(nn::MaxPool2d(2, 2, 2), std::invalid_argument);
}

TEST(Flatten, DefaultKeepsTheBatchDim) {
  EXPECT_EQ(nn::Flatten().forward(randn({2, 3, 4, 5})).sizes(), (Shape{2, 60}));
  EXPECT_EQ(nn::Flatten(0, 1).forward(randn({2, 3, 4})).sizes(), (Shape{6, 4}));
  EXPECT_THROW(nn::Flatten(2, 1).forward(randn({2, 3, 4})), std::invalid_argument);
}

TEST(Dropout, TrainDropsAndScalesEvalIsIdentity) {
  Generator gen(4);
  nn::Dropout drop(0.25, &gen);
  const Tensor x = ones({100, 100});
  const auto y = drop.forward(x).to_vector<double>();
  int64_t zeros_seen = 0;
  for (double v : y) {
    if (v == 0.0) ++zeros_seen;
    else EXPECT_NEAR(v, 1.0 / 0.75, 1e-6);
  }
  EXPECT_NEAR(static_cast<double>(zeros_seen) / 10000.0, 0.25, 0.03);
  drop.eval();
  EXPECT_EQ(drop.forward(x).to_vector<double>(), x.to_vector<double>());
  EXPECT_THROW(nn::Dropout(1.5), std::invalid_argument);
  Generator a(8), b(8);
  nn::Dropout da(0.5, &a), db(0.5, &b);
  EXPECT_EQ(da.forward(x).to_vector<float>(), db.forward(x).to_vector<float>());
}

TEST(Sequential, NamesAndChaining) {
  nn::Sequential seq{std::make_shared<nn::Linear>(3, 5), std::make_shared<nn::ReLU>(),
                     std::make_shared<nn::Linear>(5, 2)};
  std::vector<std::string> names;
  for (const auto& [n, t] : seq.named_parameters()) names.push_back(n);
  EXPECT_EQ(names, (std::vector<std::string>{"0.weight", "0.bias", "2.weight", "2.bias"}));
  const Tensor x = randn({4, 3});
  const auto& l0 = static_cast<nn::Linear&>(*seq[0]);
  const auto& l2 = static_cast<nn::Linear&>(*seq[2]);
  EXPECT_TRUE(testing::AllClose(seq.forward(x), linear(relu(linear(x, l0.weight, l0.bias)), l2.weight, l2.bias), 1e-6));
}

TEST(Mlp, PeclrProjectionHead) {
  auto head = nn::mlp(2048, 512, 128, false);
  std::vector<std::string> entries;
  for (const auto& [n, t] : head->state_dict()) entries.push_back(n + " " + t.shape_string());
  EXPECT_EQ(entries, (std::vector<std::string>{"0.weight [512, 2048]", "0.bias [512]", "1.weight [512]",
                                               "1.bias [512]", "1.running_mean [512]", "1.running_var [512]",
                                               "1.num_batches_tracked []", "3.weight [128, 512]"}));
  EXPECT_EQ((*head)[2]->type_name(), "ReLU");
  EXPECT_EQ(head->forward(randn({4, 2048})).sizes(), (Shape{4, 128}));
  EXPECT_EQ(head->parameter_count(), 2048 * 512 + 512 + 512 + 512 + 512 * 128);
  auto with_bias = nn::mlp(8, 4, 2, true);
  EXPECT_EQ(with_bias->state_dict().back().first, "3.bias");
  // Gradients reach every parameter.
  sum(head->forward(randn({4, 2048}))).backward();
  for (const auto& [n, p] : head->named_parameters()) EXPECT_TRUE(p.grad().defined()) << n;
}

}  // namespace
}  // namespace hg
