// Evaluation metrics for hand pose (REFERENCE.md §7), FreiHAND's definitions. Not differentiable:
// they take tensors (any float dtype, CPU), compute in float64 and return plain numbers.
//
// Units follow the inputs: pass metres and multiply by 1000, or pass millimetres directly
// (evaluate_pose3d below takes metres and reports millimetres).
#pragma once
#include <cstdint>
#include <vector>

#include "tensor/tensor.h"

namespace hg::hand {

// ‖pred − gt‖₂ per point: pred, gt [..., K, D] -> [..., K] (f64).
Tensor point_errors(const Tensor& pred, const Tensor& gt);

struct ErrorSummary {
  double mean = 0, median = 0;
  int64_t count = 0;  // number of valid errors summarised
};
// Mean and median of `errors` over the entries where `valid` (same shape, nonzero = valid;
// undefined = all valid). Median of an even count = mean of the two middle values.
ErrorSummary summarize_errors(const Tensor& errors, const Tensor& valid = Tensor());

// FreiHAND's similarity alignment of one prediction onto its ground truth, pred, gt [K, 3]:
// centre both on their means, divide each by its Frobenius norm, rotation R and scale σ from the
// orthogonal Procrustes problem (SVD of the 3×3 cross-covariance, σ = Σ singular values), then map
// the prediction into the ground truth's frame:  aligned = ‖gt_c‖ σ (pred_c/‖pred_c‖) R + mean(gt).
// As in FreiHAND, reflections are NOT excluded (det R may be −1). Batched: [N, K, 3].
Tensor procrustes_align(const Tensor& pred, const Tensor& gt);

struct PckCurve {
  std::vector<double> thresholds;  // linspace(lo, hi, steps)
  std::vector<double> pck;         // mean over keypoints of the fraction of frames with error ≤ t
  double auc = 0;                  // mean over keypoints of trapz(pck_k) / trapz(1)
};
// errors [N, K] (and valid [N, K], undefined = all): per keypoint the fraction of its valid frames
// with error ≤ threshold (≤, as FreiHAND), keypoints without any valid frame left out.
PckCurve pck_curve(const Tensor& errors, const Tensor& valid = Tensor(), double lo = 0.0, double hi = 50.0,
                   int64_t steps = 100);

struct FScore {
  double f = 0, precision = 0, recall = 0;
};
// Point-set F-score at `threshold` (FreiHAND's mesh metric): precision = fraction of predicted points
// whose nearest ground-truth point is within the threshold, recall the other way round,
// F = 2PR / (P + R) (0 when both are 0). pred [M, 3], gt [N, 3].
FScore f_score(const Tensor& pred, const Tensor& gt, double threshold);

struct Pose3dEvaluation {
  ErrorSummary epe_mm;     // unaligned keypoint error (absolute camera-frame positions)
  ErrorSummary rr_epe_mm;  // root-relative: both poses translated so that keypoint 0 (wrist) is at 0
  ErrorSummary pa_epe_mm;  // Procrustes-aligned
  PckCurve pck, pa_pck;    // 0–50 mm, 100 thresholds, unaligned and aligned
};
// pred, gt [N, 21, 3] in metres (valid [N, 21] optional) -> the FreiHAND table's numbers in mm.
Pose3dEvaluation evaluate_pose3d(const Tensor& pred, const Tensor& gt, const Tensor& valid = Tensor());

}  // namespace hg::hand
