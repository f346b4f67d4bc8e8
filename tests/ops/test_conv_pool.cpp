// conv2d and 2-D pooling (forward and gradients) against PyTorch
// (tests/reference/make_conv_pool_fixtures.py -> tests/fixtures/conv_pool.safetensors).
// Gradients go through the autograd functions, so this also checks what autograd/conv.cpp and
// autograd/pool.cpp hand to the ops.
#include <gtest/gtest.h>

#include "autograd/conv.h"
#include "autograd/pool.h"
#include "ops/conv.h"
#include "ops/pool.h"
#include "tensor/view.h"
#include "tests/common/compare.h"

namespace hg {
namespace {

using testing::AllClose;

constexpr double kForwardTol = 1e-5;  // relative to the largest reference magnitude
constexpr double kGradTol = 2e-5;

const safetensors::File& fixture() {
  static const safetensors::File f = testing::load_fixture("conv_pool.safetensors");
  return f;
}
const Tensor& at(const std::string& name) { return fixture().at(name); }
Tensor leaf(const std::string& name) { return ops::clone(at(name)).set_requires_grad(true); }
std::vector<int64_t> params(const std::string& name) { return at(name + ".params").to_vector<int64_t>(); }

class ConvFixture : public ::testing::TestWithParam<const char*> {};

TEST_P(ConvFixture, ForwardAndGradientsMatchTorch) {
  const std::string n = GetParam();
  const auto p = params(n);
  const Conv2dParams cp{p[0], p[1], p[2], p[3], p[4], p[5], p[6]};
  Tensor x = leaf(n + ".x"), w = leaf(n + ".w");
  Tensor b = fixture().contains(n + ".b") ? leaf(n + ".b") : Tensor();
  Tensor y = conv2d(x, w, b, cp);
  EXPECT_TRUE(AllClose(y, at(n + ".y"), kForwardTol)) << n << " forward";
  y.backward(at(n + ".gy"));
  EXPECT_TRUE(AllClose(x.grad(), at(n + ".gx"), kGradTol)) << n << " dx";
  EXPECT_TRUE(AllClose(w.grad(), at(n + ".gw"), kGradTol)) << n << " dw";
  if (b.defined()) {
    EXPECT_TRUE(AllClose(b.grad(), at(n + ".gb"), kGradTol)) << n << " db";
  }
}

INSTANTIATE_TEST_SUITE_P(Torch, ConvFixture,
                         ::testing::Values("conv_basic", "conv_stride2", "conv_dilation_groups", "conv_depthwise",
                                           "conv_1x1", "conv_1x1_wide", "conv_7x7s2", "conv_rect", "conv_odd_batch"));

// The same cases with each CPU strategy forced: batch-parallel, GEMM-parallel, no 1x1 fast path,
// and a tiny im2col budget (one image per GEMM).
class ConvFixtureStrategy : public ::testing::TestWithParam<std::tuple<const char*, int>> {
 protected:
  void TearDown() override { ops::conv_cpu_tuning() = ops::ConvCpuTuning{}; }
};

TEST_P(ConvFixtureStrategy, EveryStrategyMatchesTorch) {
  const std::string n = std::get<0>(GetParam());
  ops::ConvCpuTuning t;
  switch (std::get<1>(GetParam())) {
    case 0: t.threading = ops::ConvThreading::batch_parallel; break;
    case 1: t.threading = ops::ConvThreading::gemm_parallel; break;
    case 2: t.pointwise_fast_path = false; break;
    case 3: t.col_buffer_bytes = 1; break;
  }
  ops::conv_cpu_tuning() = t;
  const auto p = params(n);
  const Conv2dParams cp{p[0], p[1], p[2], p[3], p[4], p[5], p[6]};
  const Tensor& x = at(n + ".x");
  const Tensor& w = at(n + ".w");
  Tensor b = fixture().contains(n + ".b") ? at(n + ".b") : Tensor();
  EXPECT_TRUE(AllClose(ops::conv2d(x, w, b, cp), at(n + ".y"), kForwardTol));
  EXPECT_TRUE(AllClose(ops::conv2d_backward_input(at(n + ".gy"), w, x.sizes(), cp), at(n + ".gx"), kGradTol));
  EXPECT_TRUE(AllClose(ops::conv2d_backward_weight(at(n + ".gy"), x, w.sizes(), cp), at(n + ".gw"), kGradTol));
}

INSTANTIATE_TEST_SUITE_P(Torch, ConvFixtureStrategy,
                         ::testing::Combine(::testing::Values("conv_basic", "conv_dilation_groups", "conv_1x1",
                                                              "conv_1x1_wide", "conv_rect", "conv_odd_batch"),
                                            ::testing::Values(0, 1, 2, 3)));

TEST(PoolFixture, MaxPoolValuesIndicesAndGradientMatchTorch) {
  for (const std::string n : {"maxpool_k3s2p1", "maxpool_ceil_dilation", "maxpool_rect"}) {
    SCOPED_TRACE(n);
    const auto p = params(n);
    Tensor x = leaf(n + ".x");
    MaxResult r = max_pool2d(x, {p[0], p[1]}, {p[2], p[3]}, {p[4], p[5]}, {p[6], p[7]}, p[8] != 0);
    EXPECT_TRUE(AllClose(r.values, at(n + ".y"), kForwardTol));
    EXPECT_EQ(r.indices.to_vector<int64_t>(), at(n + ".indices").to_vector<int64_t>());
    r.values.backward(at(n + ".gy"));
    EXPECT_TRUE(AllClose(x.grad(), at(n + ".gx"), kGradTol));
  }
}

TEST(PoolFixture, AvgPoolAndGradientMatchTorch) {
  for (const std::string n : {"avgpool_include_pad", "avgpool_exclude_pad_ceil", "avgpool_include_pad_ceil"}) {
    SCOPED_TRACE(n);
    const auto p = params(n);
    Tensor x = leaf(n + ".x");
    Tensor y = avg_pool2d(x, {p[0], p[1]}, {p[2], p[3]}, {p[4], p[5]}, p[8] != 0, p[9] != 0);
    EXPECT_TRUE(AllClose(y, at(n + ".y"), kForwardTol));
    y.backward(at(n + ".gy"));
    EXPECT_TRUE(AllClose(x.grad(), at(n + ".gx"), kGradTol));
  }
}

TEST(PoolFixture, AdaptiveAvgPoolAndGradientMatchTorch) {
  for (const std::string n : {"adaptive_nondivisible", "adaptive_global", "adaptive_upsample"}) {
    SCOPED_TRACE(n);
    const auto p = params(n);
    Tensor x = leaf(n + ".x");
    Tensor y = adaptive_avg_pool2d(x, p[0], p[1]);
    EXPECT_TRUE(AllClose(y, at(n + ".y"), kForwardTol));
    y.backward(at(n + ".gy"));
    EXPECT_TRUE(AllClose(x.grad(), at(n + ".gx"), kGradTol));
  }
}

}  // namespace
}  // namespace hg
