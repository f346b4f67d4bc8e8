// Rodrigues' formula: values against the textbook closed form, rotation properties, the exact
// behaviour at the zero vector (value and gradient), the series/closed-form switch, dtypes and bad
// shapes. The finite-difference rows are in autograd/derivative_table_rotation.cpp.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <vector>

#include "autograd/node.h"
#include "autograd/rotation.h"
#include "ops/rotation.h"
#include "tensor/factory.h"
#include "tensor/view.h"
#include "tests/common/compare.h"
#include "tests/common/expect_throw.h"

namespace hg {
namespace {

using testing::AllClose;

// R = cosθ I + sinθ [u]x + (1 − cosθ) u uᵀ with u = r/θ, straight from the definition (θ > 0).
std::vector<double> textbook_rotation(const double* r) {
  const double theta = std::sqrt(r[0] * r[0] + r[1] * r[1] + r[2] * r[2]);
  const double u[3] = {r[0] / theta, r[1] / theta, r[2] / theta};
  const double c = std::cos(theta), s = std::sin(theta);
  const double ux[9] = {0, -u[2], u[1], u[2], 0, -u[0], -u[1], u[0], 0};
  std::vector<double> R(9);
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) R[3 * i + j] = (i == j ? c : 0.0) + s * ux[3 * i + j] + (1 - c) * u[i] * u[j];
  return R;
}

TEST(Rodrigues, ZeroVectorGivesTheIdentityExactly) {
  for (DType dt : {DType::f64, DType::f32, DType::f16, DType::bf16}) {
    const auto R = rodrigues(zeros({2, 3}, dt)).to_vector<double>();
    for (int64_t b = 0; b < 2; ++b)
      for (int64_t e = 0; e < 9; ++e) EXPECT_EQ(R[9 * b + e], e % 4 == 0 ? 1.0 : 0.0) << dtype_name(dt);
  }
}

TEST(Rodrigues, QuarterTurnAboutZ) {
  const Tensor R = rodrigues(tensor({0, 0, std::numbers::pi / 2}, DType::f64));
  EXPECT_EQ(R.sizes(), (Shape{3, 3}));
  EXPECT_TRUE(AllClose(R, from_vector(std::vector<double>{0, -1, 0, 1, 0, 0, 0, 0, 1}, {3, 3}), 1e-15));
}

TEST(Rodrigues, MatchesTheTextbookFormulaAtEveryScale) {
  // Angles on both sides of the series switch (|r| = 1), near pi and beyond 2 pi.
  const double angles[] = {1e-3, 0.1, 0.5, 0.999999, 1.0, 1.000001, 2.0, std::numbers::pi - 1e-6, 4.0, 9.0};
  Generator g(7, 0);
  const auto axes = uniform({10, 3}, -1, 1, DType::f64, &g).to_vector<double>();
  std::vector<double> r(30), expected;
  for (int i = 0; i < 10; ++i) {
    const double* a = axes.data() + 3 * i;
    const double len = std::sqrt(a[0] * a[0] + a[1] * a[1] + a[2] * a[2]);
    for (int c = 0; c < 3; ++c) r[3 * i + c] = a[c] / len * angles[i];
    const auto R = textbook_rotation(r.data() + 3 * i);
    expected.insert(expected.end(), R.begin(), R.end());
  }
  EXPECT_TRUE(AllClose(rodrigues(from_vector(r, {10, 3})), from_vector(expected, {10, 3, 3}), 2e-15));
}

TEST(Rodrigues, IsAProperRotationThatFixesItsAxis) {
  Generator g(11, 0);
  const Tensor r = uniform({64, 3}, -5, 5, DType::f64, &g);
  const auto R = rodrigues(r).to_vector<double>();
  const auto rv = r.to_vector<double>();
  for (int64_t b = 0; b < 64; ++b) {
    const double* m = R.data() + 9 * b;
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j) {
        double dot = 0;  // (Rᵀ R)_ij
        for (int k = 0; k < 3; ++k) dot += m[3 * k + i] * m[3 * k + j];
        EXPECT_NEAR(dot, i == j ? 1.0 : 0.0, 1e-14);
      }
    const double det = m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6]) +
                       m[2] * (m[3] * m[7] - m[4] * m[6]);
    EXPECT_NEAR(det, 1.0, 1e-14);
    for (int i = 0; i < 3; ++i)  // R r = r
      EXPECT_NEAR(m[3 * i] * rv[3 * b] + m[3 * i + 1] * rv[3 * b + 1] + m[3 * i + 2] * rv[3 * b + 2], rv[3 * b + i], 1e-13);
  }
}

// The coefficients and their s-derivatives, from long double closed forms, far from s = 0 where
// those forms lose no accuracy worth mentioning.
TEST(Rodrigues, SeriesAndClosedFormsAgreeAcrossTheSwitch) {
  for (double s : {0.05, 0.3, 0.7, 0.9999999, 1.0, 1.0000001, 1.5, 3.0}) {
    const auto k = fn::rodrigues_coefficients<double>(s);
    const long double t = std::sqrt(static_cast<long double>(s)), ls = s;
    const long double a = std::sin(t) / t, b = (1 - std::cos(t)) / ls, c = std::cos(t);
    const long double da = (t * std::cos(t) - std::sin(t)) / (2 * ls * t);
    const long double db = (t * std::sin(t) - 2 * (1 - std::cos(t))) / (2 * ls * ls);
    EXPECT_NEAR(k.a, static_cast<double>(a), 1e-15) << s;
    EXPECT_NEAR(k.b, static_cast<double>(b), 1e-15) << s;
    EXPECT_NEAR(k.c, static_cast<double>(c), 1e-15) << s;
    EXPECT_NEAR(k.da, static_cast<double>(da), 1e-14) << s;
    EXPECT_NEAR(k.db, static_cast<double>(db), 1e-14) << s;
  }
  const auto zero = fn::rodrigues_coefficients<double>(0.0);  // the series' constant terms
  EXPECT_EQ(zero.a, 1.0);
  EXPECT_EQ(zero.b, 0.5);
  EXPECT_EQ(zero.c, 1.0);
  EXPECT_EQ(zero.da, -1.0 / 6);
  EXPECT_EQ(zero.db, -1.0 / 24);
}

// At r = 0, dR_ij/dr_k = ([e_k]x)_ij = −ε_ijk: every Jacobian entry, exactly.
TEST(Rodrigues, JacobianAtZeroIsTheCrossProductGenerator) {
  const auto eps = [](int i, int j, int k) { return static_cast<double>((i - j) * (j - k) * (k - i)) / 2; };
  const Tensor r = zeros({3}, DType::f64);
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) {
      Tensor G = zeros({3, 3}, DType::f64);
      G.data<double>()[3 * i + j] = 1.0;
      const auto dr = ops::rodrigues_backward(G, r).to_vector<double>();
      for (int k = 0; k < 3; ++k) EXPECT_EQ(dr[k], -eps(i, j, k)) << i << j << k;
    }
}

TEST(Rodrigues, BackwardThroughTheGraphIsFiniteAtZero) {
  Tensor r = zeros({4, 3}, DType::f64).set_requires_grad(true);
  Generator g(3, 0);
  const Tensor W = uniform({4, 3, 3}, -1, 1, DType::f64, &g);
  rodrigues(r).backward(W);
  // dL/dr = w = (W21 − W12, W02 − W20, W10 − W01) per matrix
  const auto w = W.to_vector<double>();
  std::vector<double> expected;
  for (int b = 0; b < 4; ++b) {
    const double* m = w.data() + 9 * b;
    expected.insert(expected.end(), {m[7] - m[5], m[2] - m[6], m[3] - m[1]});
  }
  EXPECT_TRUE(AllClose(r.grad(), from_vector(expected, {4, 3}), 0.0));
}

TEST(Rodrigues, SinglePrecisionFollowsDouble) {
  Generator g(5, 0);
  const Tensor r = uniform({32, 3}, -3, 3, DType::f64, &g);
  const Tensor R64 = rodrigues(r);
  EXPECT_TRUE(AllClose(rodrigues(ops::to_dtype(r, DType::f32)), R64, 2e-6));
  EXPECT_TRUE(AllClose(rodrigues(ops::to_dtype(r, DType::bf16)), R64, 5e-2));
  const Tensor G = uniform({32, 3, 3}, -1, 1, DType::f64, &g);
  EXPECT_TRUE(AllClose(ops::rodrigues_backward(ops::to_dtype(G, DType::f32), ops::to_dtype(r, DType::f32)),
                       ops::rodrigues_backward(G, r), 1e-5));
}

TEST(Rodrigues, NonContiguousAndEmptyInputs) {
  Generator g(9, 0);
  const Tensor base = uniform({3, 5}, -2, 2, DType::f64, &g);
  const Tensor strided = ops::transpose(base, 0, 1);  // [5, 3], not contiguous
  EXPECT_TRUE(AllClose(rodrigues(strided), rodrigues(ops::contiguous(strided)), 0.0));
  EXPECT_EQ(rodrigues(zeros({0, 3}, DType::f64)).sizes(), (Shape{0, 3, 3}));
  EXPECT_EQ(rodrigues(zeros({2, 0, 3}, DType::f64)).sizes(), (Shape{2, 0, 3, 3}));
}

TEST(Rodrigues, RejectsBadShapesAndDtypes) {
  testing::expect_throw_naming([] { rodrigues(zeros({4, 2}, DType::f64)); }, "[4, 2]");
  testing::expect_throw_naming([] { rodrigues(zeros({}, DType::f64)); }, "[..., 3]");
  testing::expect_throw_naming([] { rodrigues(zeros({3}, DType::i64)); }, "floating");
  testing::expect_throw_naming([] { ops::rodrigues_backward(zeros({2, 3, 3}, DType::f64), zeros({3, 3}, DType::f64)); },
                               "[2, 3, 3]");
}

}  // namespace
}  // namespace hg
