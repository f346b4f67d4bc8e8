// The ResNet inference fast path (nn/resnet_blocks.h: batch norm + ReLU and the residual sum + ReLU
// in place, max pooling without indices) gives the same bits as the differentiable modules, and
// is taken only where nothing records gradients: in eval mode under no_grad the output equals eval
// mode with recording on; the input is never modified; training mode is untouched.
#include <gtest/gtest.h>

#include "autograd/node.h"
#include "nn/resnet.h"
#include "tensor/factory.h"
#include "tensor/view.h"
#include "tests/common/compare.h"

namespace hg {
namespace {

using testing::BitEqual;

// Running statistics away from 0 / 1, so the eval normalisation is not the identity.
void train_a_few_batches(nn::ResNet& model, Generator& gen) {
  model.train();
  NoGradGuard no_grad;
  for (int i = 0; i < 2; ++i) model.forward(randn({4, 3, 32, 32}, DType::f32, &gen));
}

class ResNetInferencePath : public ::testing::TestWithParam<int> {};

TEST_P(ResNetInferencePath, NoGradEvalEqualsRecordedEvalBitForBit) {
  Generator gen(11);
  auto model = nn::resnet(GetParam(), {.num_classes = 7, .generator = &gen});
  train_a_few_batches(*model, gen);
  model->eval();
  const Tensor x = randn({3, 3, 40, 36}, DType::f32, &gen);
  const Tensor x_before = ops::clone(x);
  const Tensor recorded = model->forward(x);  // grad mode on, parameters require grad: the module path
  ASSERT_TRUE(recorded.requires_grad());
  Tensor fast;
  {
    NoGradGuard no_grad;
    fast = model->forward(x);
  }
  EXPECT_FALSE(fast.requires_grad());
  EXPECT_TRUE(BitEqual(fast, detach(recorded)));
  EXPECT_TRUE(BitEqual(x, x_before));  // the input is not normalised in place
}
INSTANTIATE_TEST_SUITE_P(Depths, ResNetInferencePath, ::testing::Values(18, 50));

TEST(ResNetInferencePath, TrainingModeUnderNoGradStillUsesBatchStatistics) {
  Generator gen(12);
  auto model = nn::resnet(18, {.num_classes = 5, .generator = &gen});
  model->train();
  const Tensor x = randn({4, 3, 32, 32}, DType::f32, &gen);
  auto reference = nn::resnet(18, {.num_classes = 5, .generator = &gen});
  reference->load_state_dict(model->state_dict());
  reference->train();
  const Tensor recorded = reference->forward(x);
  Tensor no_grad_out;
  {
    NoGradGuard no_grad;
    no_grad_out = model->forward(x);
  }
  EXPECT_TRUE(BitEqual(no_grad_out, detach(recorded)));
  // both updated their running statistics the same way
  EXPECT_TRUE(BitEqual(model->bn1->running_mean, reference->bn1->running_mean));
}

}  // namespace
}  // namespace hg
