// NT-Xent against PyTorch (tests/reference/make_contrastive_fixtures.py) and its defining properties.
#include <gtest/gtest.h>

#include <cmath>

#include "autograd/node.h"
#include "autograd/reduce.h"
#include "tests/common/compare.h"
#include "tests/common/expect_throw.h"
#include "nn/contrastive.h"
#include "ops/pointwise.h"
#include "tensor/factory.h"
#include "tensor/view.h"

namespace hg {
namespace {

using testing::AllClose;

TEST(NtXent, MatchesTorchValueAndGradient) {
  const auto fx = testing::load_fixture("contrastive.safetensors");
  for (const char* key : {"ntxent_tau0.5", "ntxent_tau0.1"}) {
    SCOPED_TRACE(key);
    const double tau = std::string(key) == "ntxent_tau0.5" ? 0.5 : 0.1;
    Tensor z = ops::clone(fx.at(std::string(key) + "_z"));
    z.set_requires_grad(true);
    Tensor loss = nn::nt_xent(z, tau);
    EXPECT_EQ(loss.dim(), 0);
    EXPECT_TRUE(AllClose(ops::reshape(loss, {1}), fx.at(std::string(key) + "_loss"), 1e-12));
    loss.backward();
    EXPECT_TRUE(AllClose(z.grad(), fx.at(std::string(key) + "_grad"), 1e-12));
  }
}

// With one pair of views, the only other row is the positive: loss = −s + log exp(s) = 0.
TEST(NtXent, SinglePairHasZeroLoss) {
  Tensor z = ops::reshape(tensor({1, 2, -3, 0.5, 4, 1}, DType::f64), {2, 3});
  EXPECT_NEAR(nn::nt_xent(z, 0.5).item<double>(), 0.0, 1e-15);
}

// Identical positives and mutually orthogonal images: s(i, p) = 1/τ, negatives 0, so
// loss = −1/τ + log(e^{1/τ} + (2N − 2)).
TEST(NtXent, OrthogonalImagesClosedForm) {
  const int64_t n = 3, two_n = 6;
  Tensor z = zeros({two_n, 4}, DType::f64);
  for (int64_t i = 0; i < two_n; ++i) z.data<double>()[i * 4 + (i % n)] = 1.0 + i;  // scale is normalised away
  const double tau = 0.2;
  EXPECT_NEAR(nn::nt_xent(z, tau).item<double>(), -1 / tau + std::log(std::exp(1 / tau) + (two_n - 2)), 1e-12);
}

TEST(NtXent, InvariantToPerRowScale) {
  Generator g(5);
  Tensor z = randn({6, 8}, DType::f64, &g);
  Tensor scales = uniform({6, 1}, 0.1, 10, DType::f64, &g);
  EXPECT_NEAR(nn::nt_xent(z, 0.5).item<double>(), nn::nt_xent(ops::mul(z, scales), 0.5).item<double>(), 1e-12);
}

TEST(NtXent, RejectsBadShapesAndTemperature) {
  testing::expect_throw_naming([] { nn::nt_xent(zeros({3, 4}), 0.5); }, "[3, 4]");
  testing::expect_throw_naming([] { nn::nt_xent(zeros({4}), 0.5); }, "[2N, d]");
  testing::expect_throw_naming([] { nn::nt_xent(ones({4, 2}), 0.0); }, "temperature");
}

}  // namespace
}  // namespace hg
