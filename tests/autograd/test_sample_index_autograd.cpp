// The differentiable pad / resampling / indexing functions end to end: the scale-factor overload
// of interpolate against PyTorch, and the gradients' shapes and zeros in the corner cases.
#include <gtest/gtest.h>

#include "autograd/index.h"
#include "autograd/node.h"
#include "autograd/pad.h"
#include "autograd/reduce.h"
#include "autograd/sample.h"
#include "tensor/factory.h"
#include "tensor/view.h"
#include "tests/common/compare.h"

namespace hg {
namespace {

using testing::AllClose;

TEST(InterpolateAutograd, ScaleFactorOverloadMatchesTorch) {
  const auto f = testing::load_fixture("sample_index.safetensors");
  Tensor x = ops::clone(f.at("interpolate.bilinear.scale.ac0.x")).set_requires_grad(true);  // [2, 3, 5, 7]
  Tensor y = interpolate(x, ScaleFactor{1.5, 0.7}, InterpolateMode::bilinear, false);
  EXPECT_EQ(y.sizes(), (Shape{2, 3, 7, 4}));  // floor(5 * 1.5), floor(7 * 0.7)
  EXPECT_TRUE(AllClose(y, f.at("interpolate.bilinear.scale.ac0.y"), 1e-5));
  y.backward(f.at("interpolate.bilinear.scale.ac0.gy"));
  EXPECT_TRUE(AllClose(x.grad(), f.at("interpolate.bilinear.scale.ac0.dx"), 1e-5));

  Tensor xn = ops::clone(f.at("interpolate.nearest.scale.x")).set_requires_grad(true);
  Tensor yn = interpolate(xn, ScaleFactor{1.7, 0.6});
  EXPECT_TRUE(AllClose(yn, f.at("interpolate.nearest.scale.y"), 0.0));
}

TEST(GridSampleAutograd, NearestGivesTheGridAZeroGradient) {
  Tensor x = randn({1, 2, 3, 3}, DType::f64).set_requires_grad(true);
  Tensor grid = uniform({1, 2, 2, 2}, -0.9, 0.9, DType::f64).set_requires_grad(true);
  sum(grid_sample(x, grid, InterpolateMode::nearest)).backward();
  ASSERT_TRUE(grid.grad().defined());
  EXPECT_EQ(grid.grad().to_vector<double>(), std::vector<double>(8, 0.0));
  // every output reads one pixel: the input gradient sums to the number of outputs that hit the image
  EXPECT_NEAR(sum(x.grad()).item<double>(), 2.0 * 4.0, 1e-12);
}

TEST(IndexAutograd, GradientsOfRepeatedIndicesAddUp) {
  Tensor x = zeros({1, 3}, DType::f64).set_requires_grad(true);
  const Tensor i = from_vector(std::vector<int64_t>{2, 2, 0, 2}, {1, 4});
  gather(x, 1, i).backward(from_vector(std::vector<double>{1, 2, 3, 4}, {1, 4}));
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{3, 0, 7}));

  Tensor s = zeros({2, 3}, DType::f64).set_requires_grad(true);  // larger than the index
  Tensor base = zeros({1, 3}, DType::f64).set_requires_grad(true);
  scatter_add(base, 1, from_vector(std::vector<int64_t>{1, 0}, {1, 2}), s)
      .backward(from_vector(std::vector<double>{5, 6, 7}, {1, 3}));
  EXPECT_EQ(s.grad().to_vector<double>(), (std::vector<double>{6, 5, 0, 0, 0, 0}));
  EXPECT_EQ(base.grad().to_vector<double>(), (std::vector<double>{5, 6, 7}));

  Tensor y = zeros({3}, DType::f64).set_requires_grad(true);
  index_select(y, 0, from_vector(std::vector<int64_t>{1, 1, 1}, {3})).backward(ones({3}, DType::f64));
  EXPECT_EQ(y.grad().to_vector<double>(), (std::vector<double>{0, 3, 0}));
}

TEST(IndexAutograd, OneHotIsNotDifferentiable) {
  const Tensor h = one_hot(from_vector(std::vector<int64_t>{1, 0}, {2}), 3);
  EXPECT_FALSE(h.requires_grad());
  EXPECT_EQ(h.to_vector<int64_t>(), (std::vector<int64_t>{0, 1, 0, 1, 0, 0}));
}

TEST(PadAutograd, ReflectGradientFoldsBackIntoTheInput) {
  Tensor x = zeros({1, 3}, DType::f64).set_requires_grad(true);
  pad(x, {2, 2}, PadMode::reflect).backward(ones({1, 7}, DType::f64));  // reads 2 1 0 1 2 1 0
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{2, 3, 2}));
}

}  // namespace
}  // namespace hg
