#include "hand/metrics.h"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "ops/pointwise.h"
#include "tensor/factory.h"
#include "tensor/view.h"

namespace hg::hand {
namespace {

std::vector<double> values_f64(const Tensor& t) { return ops::to_dtype(ops::contiguous(t), DType::f64).to_vector<double>(); }

void check_same_shape(const Tensor& a, const Tensor& b, const char* fn) {
  if (a.sizes() != b.sizes())
    throw std::invalid_argument(std::string(fn) + ": shapes differ: " + a.shape_string() + " vs " + b.shape_string());
}

using Points = Eigen::Matrix<double, Eigen::Dynamic, 3, Eigen::RowMajor>;

// One similarity alignment (see the header): returns pred mapped into gt's frame.
Points align_one(const Points& pred, const Points& gt) {
  const Eigen::RowVector3d mean_pred = pred.colwise().mean(), mean_gt = gt.colwise().mean();
  Points p = pred.rowwise() - mean_pred, g = gt.rowwise() - mean_gt;
  const double norm_p = p.norm(), norm_g = g.norm();
  if (norm_p == 0 || norm_g == 0) return Points(gt.rows(), 3).setConstant(0).rowwise() + mean_gt;  // degenerate
  p /= norm_p;
  g /= norm_g;
  // R minimises ‖g R − p‖_F: with g^T p = U S V^T, R = U V^T and σ = trace(S); then p R^T σ ≈ g.
  const Eigen::JacobiSVD<Eigen::Matrix3d> svd(g.transpose() * p, Eigen::ComputeFullU | Eigen::ComputeFullV);
  const Eigen::Matrix3d R = svd.matrixU() * svd.matrixV().transpose();
  const double sigma = svd.singularValues().sum();
  Points aligned = (p * R.transpose()) * (sigma * norm_g);
  return aligned.rowwise() + mean_gt;
}

}  // namespace

Tensor point_errors(const Tensor& pred, const Tensor& gt) {
  check_same_shape(pred, gt, "point_errors");
  if (pred.dim() < 1) throw std::invalid_argument("point_errors: need [..., K, D], got " + pred.shape_string());
  const int64_t d = pred.size(-1), n = d == 0 ? 0 : pred.numel() / d;
  const std::vector<double> a = values_f64(pred), b = values_f64(gt);
  std::vector<double> e(n);
  for (int64_t i = 0; i < n; ++i) {
    double s = 0;
    for (int64_t c = 0; c < d; ++c) s += (a[i * d + c] - b[i * d + c]) * (a[i * d + c] - b[i * d + c]);
    e[i] = std::sqrt(s);
  }
  Shape out = pred.sizes();
  out.pop_back();
  return from_vector(e, out, DType::f64);
}

ErrorSummary summarize_errors(const Tensor& errors, const Tensor& valid) {
  if (valid.defined()) check_same_shape(errors, valid, "summarize_errors");
  const std::vector<double> e = values_f64(errors);
  const std::vector<double> v = valid.defined() ? values_f64(valid) : std::vector<double>(e.size(), 1.0);
  std::vector<double> kept;
  for (size_t i = 0; i < e.size(); ++i)
    if (v[i] != 0) kept.push_back(e[i]);
  ErrorSummary s;
  s.count = static_cast<int64_t>(kept.size());
  if (kept.empty()) return s;
  double total = 0;
  for (double x : kept) total += x;
  s.mean = total / kept.size();
  std::sort(kept.begin(), kept.end());
  const size_t mid = kept.size() / 2;
  s.median = kept.size() % 2 ? kept[mid] : 0.5 * (kept[mid - 1] + kept[mid]);
  return s;
}

Tensor procrustes_align(const Tensor& pred, const Tensor& gt) {
  check_same_shape(pred, gt, "procrustes_align");
  if (pred.dim() < 2 || pred.size(-1) != 3)
    throw std::invalid_argument("procrustes_align: need [..., K, 3], got " + pred.shape_string());
  const int64_t k = pred.size(-2), n = k == 0 ? 0 : pred.numel() / (3 * k);
  const std::vector<double> a = values_f64(pred), b = values_f64(gt);
  std::vector<double> out(a.size());
  for (int64_t i = 0; i < n; ++i) {
    const Points p = Eigen::Map<const Points>(a.data() + i * 3 * k, k, 3);
    const Points g = Eigen::Map<const Points>(b.data() + i * 3 * k, k, 3);
    Eigen::Map<Points>(out.data() + i * 3 * k, k, 3) = align_one(p, g);
  }
  return from_vector(out, pred.sizes(), DType::f64);
}

PckCurve pck_curve(const Tensor& errors, const Tensor& valid, double lo, double hi, int64_t steps) {
  if (errors.dim() != 2) throw std::invalid_argument("pck_curve: errors must be [N, K], got " + errors.shape_string());
  if (valid.defined()) check_same_shape(errors, valid, "pck_curve");
  if (steps < 2 || !(hi > lo))
    throw std::invalid_argument("pck_curve: need steps >= 2 and hi > lo, got steps " + std::to_string(steps) +
                                ", range [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  const int64_t n = errors.size(0), k = errors.size(1);
  const std::vector<double> e = values_f64(errors);
  const std::vector<double> v = valid.defined() ? values_f64(valid) : std::vector<double>(e.size(), 1.0);
  PckCurve c;
  for (int64_t t = 0; t < steps; ++t) c.thresholds.push_back(lo + (hi - lo) * t / (steps - 1));
  c.pck.assign(steps, 0.0);
  int64_t keypoints_used = 0;
  for (int64_t j = 0; j < k; ++j) {
    int64_t frames = 0;
    for (int64_t i = 0; i < n; ++i) frames += v[i * k + j] != 0;
    if (frames == 0) continue;
    ++keypoints_used;
    std::vector<double> curve(steps);
    for (int64_t t = 0; t < steps; ++t) {
      int64_t within = 0;
      for (int64_t i = 0; i < n; ++i) within += v[i * k + j] != 0 && e[i * k + j] <= c.thresholds[t];
      curve[t] = static_cast<double>(within) / frames;
      c.pck[t] += curve[t];
    }
    double area = 0;  // trapezoid rule, normalised by the area under 1
    for (int64_t t = 1; t < steps; ++t) area += 0.5 * (curve[t] + curve[t - 1]) * (c.thresholds[t] - c.thresholds[t - 1]);
    c.auc += area / (hi - lo);
  }
  if (keypoints_used > 0) {
    for (double& p : c.pck) p /= keypoints_used;
    c.auc /= keypoints_used;
  }
  return c;
}

FScore f_score(const Tensor& pred, const Tensor& gt, double threshold) {
  if (pred.dim() != 2 || pred.size(1) != 3 || gt.dim() != 2 || gt.size(1) != 3)
    throw std::invalid_argument("f_score: need pred [M, 3] and gt [N, 3], got " + pred.shape_string() + " and " +
                                gt.shape_string());
  const std::vector<double> a = values_f64(pred), b = values_f64(gt);
  const int64_t m = pred.size(0), n = gt.size(0);
  // Fraction of the points of x whose nearest point of y lies within the threshold.
  auto fraction_within = [threshold](const std::vector<double>& x, int64_t nx, const std::vector<double>& y, int64_t ny) {
    if (nx == 0) return 0.0;
    int64_t hits = 0;
    for (int64_t i = 0; i < nx; ++i) {
      double best = INFINITY;
      for (int64_t j = 0; j < ny; ++j) {
        const double dx = x[3 * i] - y[3 * j], dy = x[3 * i + 1] - y[3 * j + 1], dz = x[3 * i + 2] - y[3 * j + 2];
        best = std::min(best, dx * dx + dy * dy + dz * dz);
      }
      hits += std::sqrt(best) <= threshold;
    }
    return static_cast<double>(hits) / nx;
  };
  FScore s;
  s.precision = fraction_within(a, m, b, n);
  s.recall = fraction_within(b, n, a, m);
  s.f = s.precision + s.recall > 0 ? 2 * s.precision * s.recall / (s.precision + s.recall) : 0.0;
  return s;
}

Pose3dEvaluation evaluate_pose3d(const Tensor& pred, const Tensor& gt, const Tensor& valid) {
  check_same_shape(pred, gt, "evaluate_pose3d");
  if (pred.dim() != 3 || pred.size(2) != 3)
    throw std::invalid_argument("evaluate_pose3d: need [N, K, 3], got " + pred.shape_string());
  Pose3dEvaluation r;
  const Tensor errors_mm = ops::mul(point_errors(pred, gt), 1000.0);
  const Tensor pa_errors_mm = ops::mul(point_errors(procrustes_align(pred, gt), gt), 1000.0);
  r.epe_mm = summarize_errors(errors_mm, valid);
  const Tensor root_pred = ops::narrow(pred, 1, 0, 1), root_gt = ops::narrow(gt, 1, 0, 1);
  r.rr_epe_mm = summarize_errors(ops::mul(point_errors(ops::sub(pred, root_pred), ops::sub(gt, root_gt)), 1000.0), valid);
  r.pa_epe_mm = summarize_errors(pa_errors_mm, valid);
  r.pck = pck_curve(errors_mm, valid);
  r.pa_pck = pck_curve(pa_errors_mm, valid);
  return r;
}

}  // namespace hg::hand
