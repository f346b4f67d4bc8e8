// Gradient accumulation: four micro-batches of 2 with the loss scaled by 1/4 give the gradients and
// the SGD step of one batch of 8, for a linear model (no batch statistics) with a mean-squared loss.
#include <gtest/gtest.h>

#include "../common/compare.h"
#include "autograd/linalg.h"
#include "autograd/loss.h"
#include "autograd/pointwise.h"
#include "nn/optim_accumulate.h"
#include "nn/optim_sgd.h"
#include "tensor/factory.h"
#include "tensor/view.h"

namespace hg::nn {
namespace {

TEST(OptimAccumulate, FourMicroBatchesEqualOneLargeBatch) {
  Generator gen(11);
  const Tensor x = randn({8, 5}, {}, &gen), y = randn({8, 3}, {}, &gen);
  const Tensor w0 = randn({3, 5}, {}, &gen), b0 = randn({3}, {}, &gen);
  auto params = [&] {
    return std::make_pair(ops::clone(w0).set_requires_grad(true), ops::clone(b0).set_requires_grad(true));
  };
  const SGDOptions opts{.lr = 0.1, .momentum = 0.9, .weight_decay = 1e-2};

  auto [wa, ba] = params();  // one batch of 8
  SGD big({{"w", wa}, {"b", ba}}, opts);
  auto [wb, bb] = params();  // four micro-batches of 2
  SGD small({{"w", wb}, {"b", bb}}, opts);
  GradientAccumulator acc(4);

  for (int iteration = 0; iteration < 3; ++iteration) {
    mse_loss(linear(x, wa, ba), y).backward();
    big.step();
    big.zero_grad();
    int steps = 0;
    for (int mb = 0; mb < 4; ++mb) {
      const Tensor xm = ops::narrow(x, 0, 2 * mb, 2), ym = ops::narrow(y, 0, 2 * mb, 2);
      mul(mse_loss(linear(xm, wb, bb), ym), acc.loss_scale()).backward();
      if (acc.micro_step()) {
        EXPECT_EQ(mb, 3);
        small.step();
        small.zero_grad();
        ++steps;
      }
    }
    EXPECT_EQ(steps, 1);
    EXPECT_TRUE(hg::testing::AllClose(wb, wa, 1e-6)) << "iteration " << iteration;
    EXPECT_TRUE(hg::testing::AllClose(bb, ba, 1e-6)) << "iteration " << iteration;
  }
}

TEST(OptimAccumulate, CountsAndState) {
  GradientAccumulator acc(3);
  EXPECT_DOUBLE_EQ(acc.loss_scale(), 1.0 / 3.0);
  EXPECT_FALSE(acc.micro_step());
  EXPECT_FALSE(acc.micro_step());
  EXPECT_TRUE(acc.micro_step());
  EXPECT_FALSE(acc.micro_step());
  const auto st = acc.state_dict();
  GradientAccumulator other(3);
  other.load_state_dict(st);
  EXPECT_EQ(other.position(), 1);
  EXPECT_FALSE(other.micro_step());
  EXPECT_TRUE(other.micro_step());
  EXPECT_THROW(GradientAccumulator(0), std::invalid_argument);
  GradientAccumulator two(2);
  EXPECT_THROW(two.load_state_dict({{"position", scalar_tensor(5, DType::i64)}}), std::invalid_argument);
}

}  // namespace
}  // namespace hg::nn
