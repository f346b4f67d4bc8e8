// The backward engine: accumulation, graph freeing, retain_graph, no_grad, detach, grad().
#include <gtest/gtest.h>

#include "autograd/linalg.h"
#include "autograd/node.h"
#include "autograd/pointwise.h"
#include "autograd/reduce.h"
#include "autograd/shape.h"
#include "tensor/factory.h"

namespace hg {
namespace {

Tensor leaf(std::vector<double> v) {
  return from_vector(v, {static_cast<int64_t>(v.size())}, DType::f64).set_requires_grad(true);
}

TEST(Engine, ScalarBackwardComputesGradient) {
  Tensor x = leaf({1.0, 2.0, 3.0});
  sum(mul(x, x)).backward();
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{2, 4, 6}));
}

TEST(Engine, GradientsAccumulateAcrossBackwardCalls) {
  Tensor x = leaf({1.0, -2.0});
  sum(mul(x, 3.0)).backward();
  sum(mul(x, 3.0)).backward();
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{6, 6}));
  x.zero_grad();
  EXPECT_FALSE(x.grad().defined());
}

TEST(Engine, DiamondGraphSumsBothPaths) {
  Tensor x = leaf({2.0});
  Tensor y = exp(x);
  Tensor z = add(mul(y, y), y);  // z = e^{2x} + e^x, dz/dx = 2e^{2x} + e^x
  z.backward(ones({1}, DType::f64));
  EXPECT_NEAR(x.grad().item<double>(), 2 * std::exp(4.0) + std::exp(2.0), 1e-9);
}

TEST(Engine, SecondBackwardWithoutRetainGraphThrows) {
  Tensor x = leaf({1.0});
  Tensor y = sum(exp(x));
  y.backward();
  EXPECT_THROW(y.backward(), std::logic_error);
}

TEST(Engine, RetainGraphAllowsASecondBackward) {
  Tensor x = leaf({1.0});
  Tensor y = sum(exp(x));
  y.backward(Tensor(), /*retain_graph=*/true);
  y.backward();
  EXPECT_NEAR(x.grad().item<double>(), 2 * std::exp(1.0), 1e-12);
}

TEST(Engine, NoGradRecordsNothing) {
  Tensor x = leaf({1.0});
  Tensor y;
  {
    NoGradGuard guard;
    y = exp(x);
  }
  EXPECT_FALSE(y.requires_grad());
  EXPECT_TRUE(exp(x).requires_grad());
}

TEST(Engine, DetachStopsTheGradient) {
  Tensor x = leaf({3.0});
  Tensor y = mul(detach(x), x);  // d/dx = detach(x) = 3
  sum(y).backward();
  EXPECT_DOUBLE_EQ(x.grad().item<double>(), 3.0);
}

TEST(Engine, NonScalarOutputNeedsExplicitGradient) {
  Tensor x = leaf({1.0, 2.0});
  EXPECT_THROW(exp(x).backward(), std::invalid_argument);
  Tensor g = from_vector(std::vector<double>{1.0, 0.5}, {2});
  exp(x).backward(g);
  EXPECT_NEAR(x.grad().to_vector<double>()[1], 0.5 * std::exp(2.0), 1e-12);
}

TEST(Engine, BroadcastGradientIsSummedBackToTheInputShape) {
  Tensor a = from_vector(std::vector<double>{1, 2, 3, 4, 5, 6}, {2, 3}, DType::f64).set_requires_grad(true);
  Tensor b = leaf({10.0, 20.0, 30.0});
  sum(mul(a, b)).backward();
  EXPECT_EQ(b.grad().sizes(), (Shape{3}));
  EXPECT_EQ(b.grad().to_vector<double>(), (std::vector<double>{5, 7, 9}));
}

TEST(Engine, GradFunctionLeavesDotGradUntouched) {
  Tensor x = leaf({1.0, 2.0});
  Tensor y = sum(square(x));
  auto gs = grad({y}, {x});
  EXPECT_EQ(gs[0].to_vector<double>(), (std::vector<double>{2, 4}));
  EXPECT_FALSE(x.grad().defined());
}

TEST(Engine, RetainGradKeepsIntermediateGradient) {
  Tensor x = leaf({1.0, 2.0});
  Tensor y = mul(x, 2.0);
  y.retain_grad();
  sum(square(y)).backward();
  EXPECT_EQ(y.grad().to_vector<double>(), (std::vector<double>{4, 8}));
}

TEST(Engine, BranchThatGetsNoGradientDoesNotBlockOthers) {
  // x feeds two nodes; one of them (argmax indices path) carries no gradient.
  Tensor x = leaf({1.0, 5.0, 2.0});
  auto mx = max(x, 0);
  Tensor y = add(sum(x), mx.values);
  y.backward();
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{1, 2, 1}));
}

TEST(Engine, GraphIsFreedAfterBackward) {
  Tensor x = leaf({1.0, 2.0});
  std::weak_ptr<TensorImpl> saved;
  {
    Tensor e = exp(x);  // exp's node saves its output
    saved = e.impl_ptr();
    sum(e).backward();
  }
  // The output handle is gone and the node released its saved tensors.
  EXPECT_TRUE(saved.expired());
}

TEST(Engine, LeafGradIsNotAliasedWithAnotherLeafsGrad) {
  Tensor a = leaf({1.0}), b = leaf({2.0});
  sum(add(a, b)).backward();  // both receive the same upstream tensor
  Tensor ga = a.grad();
  ga.data<double>()[0] = 100.0;  // an in-place edit of one gradient (e.g. clipping)
  EXPECT_DOUBLE_EQ(b.grad().item<double>(), 1.0);
}

TEST(Engine, RequiresGradOnIntegerTensorIsRejected) {
  Tensor i = arange(3);
  EXPECT_THROW(i.set_requires_grad(true), std::invalid_argument);
}

TEST(Engine, EveryRegisteredFunctionHasADerivativeFormula) {
  EXPECT_GE(differentiable_functions().size(), 60u);
  for (const auto* d : differentiable_functions()) EXPECT_GT(std::string(d->derivative).size(), 3u) << d->name;
}

}  // namespace
}  // namespace hg
