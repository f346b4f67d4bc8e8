// The inference-only kernels against the differentiable path they replace, bit for bit:
// batch_norm_inference_ (in-place eval batch norm, ReLU optionally fused) = batch_norm(eval) then
// relu; add_relu_ = relu(add); max_pool2d_values = max_pool2d(...).values, over window geometries
// with padding, dilation, ceil mode, -inf windows and NaN.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "ops/norm.h"
#include "ops/pointwise.h"
#include "ops/pool.h"
#include "ops/reduce.h"
#include "tensor/factory.h"
#include "tensor/view.h"
#include "tests/common/compare.h"
#include "tests/common/expect_throw.h"

namespace hg {
namespace {

using testing::BitEqual;

struct BnCase {
  DType dtype;
  bool affine, relu;
};
class BatchNormInference : public ::testing::TestWithParam<BnCase> {};

TEST_P(BatchNormInference, InPlaceEqualsEvalBatchNormThenRelu) {
  const BnCase c = GetParam();
  Generator gen(3);
  const Tensor x = randn({3, 5, 4, 6}, c.dtype, &gen);
  const Tensor w = c.affine ? randn({5}, c.dtype, &gen) : Tensor(), b = c.affine ? randn({5}, c.dtype, &gen) : Tensor();
  const Tensor mean = randn({5}, DType::f32, &gen), var = ops::add(ops::abs(randn({5}, DType::f32, &gen)), full({5}, 0.1));
  Tensor want = ops::batch_norm(x, w, b, mean, var, false, 0.1, 1e-5).out;
  if (c.relu) want = ops::relu(want);
  const Tensor got = ops::contiguous(ops::clone(x));
  ops::batch_norm_inference_(got, w, b, mean, var, 1e-5, c.relu);
  EXPECT_TRUE(BitEqual(got, want));
  if (c.relu) EXPECT_GE(ops::amin(got).item<double>(), 0.0);
}
INSTANTIATE_TEST_SUITE_P(Cases, BatchNormInference,
                         ::testing::Values(BnCase{DType::f32, true, true}, BnCase{DType::f32, true, false},
                                           BnCase{DType::f32, false, true}, BnCase{DType::f64, true, true}));

TEST(BatchNormInference, RejectsAViewAndBadStatistics) {
  const Tensor x = zeros({2, 3, 4, 4});
  const Tensor mean = zeros({3}), var = ones({3});
  testing::expect_throw_naming([&] { ops::batch_norm_inference_(ops::transpose(x, 2, 3), Tensor(), Tensor(), mean, var, 1e-5, true); },
                                "must be contiguous");
  EXPECT_THROW(ops::batch_norm_inference_(x, Tensor(), Tensor(), zeros({4}), var, 1e-5, true), std::invalid_argument);
}

TEST(AddRelu, InPlaceEqualsReluOfSumWithBroadcast) {
  Generator gen(5);
  for (const DType dt : {DType::f32, DType::f64}) {
    const Tensor a = randn({2, 3, 5}, dt, &gen), s = randn({3, 5}, dt, &gen);
    const Tensor want = ops::relu(ops::add(a, s));
    const Tensor got = ops::clone(a);
    ops::add_relu_(got, s);
    EXPECT_TRUE(BitEqual(got, want)) << dtype_name(dt);
  }
}

struct PoolCase {
  const char* name;
  int64_t H, W, k, s, p, d;
  bool ceil;
};
class MaxPoolValues : public ::testing::TestWithParam<PoolCase> {};

TEST_P(MaxPoolValues, EqualTheIndexedKernelsValues) {
  const PoolCase c = GetParam();
  Generator gen(9);
  for (const DType dt : {DType::f32, DType::f64}) {
    Tensor x = randn({2, 3, c.H, c.W}, dt, &gen);
    const auto want = ops::max_pool2d(x, c.k, c.s, c.p, c.d, c.ceil).values;
    EXPECT_TRUE(BitEqual(ops::max_pool2d_values(x, c.k, c.s, c.p, c.d, c.ceil), want)) << c.name;
  }
}
INSTANTIATE_TEST_SUITE_P(Windows, MaxPoolValues,
                         ::testing::Values(PoolCase{"resnet_stem_3x3s2p1", 16, 16, 3, 2, 1, 1, false},
                                           PoolCase{"odd_plane", 7, 9, 3, 2, 1, 1, false},
                                           PoolCase{"ceil_mode", 7, 8, 2, 2, 0, 1, true},
                                           PoolCase{"dilated", 9, 11, 3, 1, 1, 2, false},
                                           PoolCase{"non_overlapping", 8, 8, 2, 2, 0, 1, false}),
                         [](const ::testing::TestParamInfo<PoolCase>& i) { return std::string(i.param.name); });

TEST(MaxPoolValues, NaNPropagatesAndAllMinusInfStaysMinusInf) {
  const double inf = std::numeric_limits<double>::infinity(), nan = std::nan("");
  const Tensor x = from_vector(std::vector<double>{1, nan, 3, 4, -inf, -inf, -inf, -inf}, {1, 1, 2, 4}, DType::f32);
  const auto v = ops::max_pool2d_values(x, 2, 2).to_vector<double>();
  ASSERT_EQ(v.size(), 2u);
  EXPECT_TRUE(std::isnan(v[0]));
  EXPECT_EQ(v[1], 4.0);
  const Tensor y = full({1, 1, 2, 2}, -inf);
  EXPECT_EQ(ops::max_pool2d_values(y, 2, 2).item<double>(), -inf);
}

}  // namespace
}  // namespace hg
