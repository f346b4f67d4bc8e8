// Evaluation metrics (REFERENCE.md §7) on cases with known answers.
#include <gtest/gtest.h>

#include <cmath>

#include "tests/common/compare.h"
#include "tests/common/expect_throw.h"
#include "hand/metrics.h"
#include "ops/pointwise.h"
#include "tensor/factory.h"
#include "tensor/view.h"

namespace hg::hand {
namespace {

using testing::AllClose;

Tensor mat(std::vector<double> v, Shape s) { return from_vector(v, s, DType::f64); }

TEST(Metrics, PointErrorsAndSummary) {
  const Tensor pred = mat({0, 0, 0, 3, 4, 0, 1, 1, 1, 0, 0, 2}, {2, 2, 3});
  const Tensor gt = zeros({2, 2, 3}, DType::f64);
  const Tensor e = point_errors(pred, gt);
  EXPECT_TRUE(AllClose(e, mat({0, 5, std::sqrt(3.0), 2}, {2, 2}), 1e-15));
  const ErrorSummary all = summarize_errors(e);
  EXPECT_EQ(all.count, 4);
  EXPECT_NEAR(all.mean, (5 + std::sqrt(3.0) + 2) / 4, 1e-15);
  EXPECT_NEAR(all.median, (std::sqrt(3.0) + 2) / 2, 1e-15);  // even count: mean of the middle two
  const ErrorSummary some = summarize_errors(e, mat({1, 1, 0, 1}, {2, 2}));
  EXPECT_EQ(some.count, 3);
  EXPECT_NEAR(some.median, 2, 1e-15);
  testing::expect_throw_naming([&] { point_errors(pred, zeros({2, 3}, DType::f64)); }, "[2, 3]");
}

// A similarity transform of the ground truth aligns back exactly; so does its mirror image, because
// FreiHAND's alignment (like ours) does not exclude reflections.
TEST(Metrics, ProcrustesUndoesSimilarityAndReflection) {
  Generator g(2);
  const Tensor gt = randn({21, 3}, DType::f64, &g);
  const double c = std::cos(0.9), s = std::sin(0.9);
  const std::vector<double> v = gt.to_vector<double>();
  std::vector<double> moved(v.size()), mirrored(v.size());
  for (int k = 0; k < 21; ++k) {
    const double x = v[3 * k], y = v[3 * k + 1], z = v[3 * k + 2];
    moved[3 * k] = 2.5 * (c * x - s * y) + 0.3, moved[3 * k + 1] = 2.5 * (s * x + c * y) - 1, moved[3 * k + 2] = 2.5 * z + 4;
    mirrored[3 * k] = -x, mirrored[3 * k + 1] = y, mirrored[3 * k + 2] = z;
  }
  EXPECT_TRUE(AllClose(procrustes_align(mat(moved, {21, 3}), gt), gt, 1e-12));
  EXPECT_TRUE(AllClose(procrustes_align(mat(mirrored, {21, 3}), gt), gt, 1e-12));
  // Batched and noisy: alignment never increases the error.
  const Tensor noisy = ops::add(ops::reshape(mat(moved, {1, 21, 3}), {1, 21, 3}), ops::mul(randn({1, 21, 3}, DType::f64, &g), 0.1));
  const Tensor gt1 = ops::reshape(gt, {1, 21, 3});
  EXPECT_LT(summarize_errors(point_errors(procrustes_align(noisy, gt1), gt1)).mean,
            summarize_errors(point_errors(noisy, gt1)).mean);
}

TEST(Metrics, PckCurveAndAuc) {
  // One keypoint, errors 0 and 25 mm: PCK is 0.5 below 25 mm and 1 from 25 mm on (≤).
  const PckCurve c = pck_curve(mat({0, 25}, {2, 1}), Tensor(), 0, 50, 3);  // thresholds 0, 25, 50
  ASSERT_EQ(c.pck.size(), 3u);
  EXPECT_DOUBLE_EQ(c.pck[0], 0.5);
  EXPECT_DOUBLE_EQ(c.pck[1], 1.0);
  EXPECT_DOUBLE_EQ(c.pck[2], 1.0);
  EXPECT_DOUBLE_EQ(c.auc, (0.5 * (0.5 + 1) * 25 + 25) / 50);
  // Keypoints without a valid frame are left out of the mean; perfect predictions give AUC 1.
  const PckCurve p = pck_curve(mat({0, 99, 0, 99}, {2, 2}), mat({1, 0, 1, 0}, {2, 2}));
  EXPECT_DOUBLE_EQ(p.auc, 1.0);
  testing::expect_throw_naming([] { pck_curve(zeros({3}, DType::f64)); }, "[N, K]");
  testing::expect_throw_naming([] { pck_curve(zeros({3, 2}, DType::f64), Tensor(), 0, 50, 1); }, "steps");
}

TEST(Metrics, FScore) {
  const Tensor gt = mat({0, 0, 0, 1, 0, 0}, {2, 3});
  const Tensor pred = mat({0, 0, 0.004, 5, 0, 0, 6, 0, 0}, {3, 3});  // 1 of 3 predictions within 5 mm
  const FScore f = f_score(pred, gt, 0.005);
  EXPECT_DOUBLE_EQ(f.precision, 1.0 / 3);
  EXPECT_DOUBLE_EQ(f.recall, 0.5);
  EXPECT_DOUBLE_EQ(f.f, 2 * (1.0 / 3) * 0.5 / (1.0 / 3 + 0.5));
  EXPECT_DOUBLE_EQ(f_score(pred, gt, 1e-6).f, 0.0);
}

TEST(Metrics, EvaluatePose3dReportsMillimetres) {
  Generator g(9);
  const Tensor gt = randn({4, 21, 3}, DType::f64, &g);
  const Tensor pred = ops::add(gt, full({4, 21, 3}, 0.01 / std::sqrt(3.0), DType::f64));  // 10 mm off each
  const Pose3dEvaluation r = evaluate_pose3d(pred, gt);
  EXPECT_NEAR(r.epe_mm.mean, 10, 1e-9);
  EXPECT_NEAR(r.epe_mm.median, 10, 1e-9);
  EXPECT_NEAR(r.pa_epe_mm.mean, 0, 1e-9);  // a pure translation aligns away
  EXPECT_NEAR(r.rr_epe_mm.mean, 0, 1e-9);  // and is removed by the root
  EXPECT_NEAR(r.pa_pck.auc, 1 - 0.5 / 99, 1e-12);  // rounding leaves errors ~1e-12 mm > 0: PCK(0) = 0
  EXPECT_GT(r.pck.auc, 0.75);
  EXPECT_LT(r.pck.auc, 0.85);
}

}  // namespace
}  // namespace hg::hand
