#include "hand/procedural_rig.h"

#include <Eigen/Cholesky>
#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

namespace hg::hand::procedural {
namespace {

// Share of a vertex at chain position s that has moved past a joint at s_joint (blend half-width h).
double past(double s, double s_joint, double h) { return smoothstep((s - s_joint + h) / (2.0 * h)); }

// The finger whose MCP a palm column leads to (back and palm columns by knuckle, sides by nearness).
int finger_of_column(int c) {
  if (c < 16) return kIndex + c / 4;
  if (c < 18) return kLittle;
  if (c < 34) return kIndex + (33 - c) / 4;
  return kIndex;
}

// Joint positions along a digit (scaled metres from its first joint): 0, first bone, first two.
std::array<double, 3> joint_s(const Proportions& p, int d) {
  return {0.0, p.bones[d][0] * p.scale, (p.bones[d][0] + p.bones[d][1]) * p.scale};
}

// Distance from each vertex to the nearest thumb-hole vertex.
std::vector<double> distance_to_hole(const HandMesh& m) {
  std::vector<double> dist(m.vertices.size(), std::numeric_limits<double>::infinity());
  for (const int64_t h : m.digit_rings[kThumb][0])
    for (size_t v = 0; v < m.vertices.size(); ++v) dist[v] = std::min(dist[v], (m.vertices[v] - m.vertices[h]).norm());
  return dist;
}

// Position along digit d and "backness" (+1 back of the digit .. -1 pad side) of vertex v, if v
// belongs to the digit's chain (its tube, its knuckle-ring columns and palm columns, the thumb hole).
struct ChainPoint {
  bool on_chain = false;
  double s = 0, backness = 0;
};
ChainPoint chain_point(const HandMesh& m, const Proportions& p, int64_t v, int d) {
  const VertexTag& t = m.tags[v];
  if (t.digit == d) return {true, t.s * p.scale, t.dorsal};
  const bool palm_of_d = t.column >= 0 && (d == kThumb ? t.thumb_hole : finger_of_column(t.column) == d);
  if (!palm_of_d) return {};
  const DigitFrame& f = digit_frames()[d];
  const Vec3 r = m.vertices[v] - m.skeleton.joints[kDigitJoints[d][0]];
  const double s = r.dot(f.along);
  const Vec3 across = r - s * f.along;
  const double n = across.norm();
  return {true, s, n > 0 ? -across.dot(f.palmar) / n : 0.0};
}

}  // namespace

RowMatrix skinning_weights(const HandMesh& m, const Proportions& p) {
  const int64_t V = static_cast<int64_t>(m.vertices.size());
  RowMatrix w = RowMatrix::Zero(V, 16);
  const double mm = 1e-3 * p.scale;
  const std::vector<double> hole_dist = distance_to_hole(m);
  constexpr std::array<std::array<double, 3>, kDigits> kHalfWidth{
      {{0, 6, 5}, {11, 5, 4}, {11, 5, 4}, {11, 5, 4}, {10, 5, 4}}};  // mm, per digit joint
  // Along a chain, b_k = the share past joint k (b_0 >= b_1 >= b_2); the weights are the
  // differences: wrist 1 - b_0, first joint b_0 - b_1, middle joint b_1 - b_2, last joint b_2.
  for (int64_t v = 0; v < V; ++v) {
    const VertexTag& t = m.tags[v];
    if (t.digit >= 0) {
      const int d = t.digit;
      const auto js = joint_s(p, d);
      const auto& j = kDigitJoints[d];
      const double s = t.s * p.scale;
      const double b0 = d == kThumb ? (t.ring == 1 ? 0.7 : t.ring == 2 ? 0.95 : 1.0) : past(s, js[0], kHalfWidth[d][0] * mm);
      const double b1 = std::min(b0, past(s, js[1], kHalfWidth[d][1] * mm));
      const double b2 = std::min(b1, past(s, js[2], kHalfWidth[d][2] * mm));
      w(v, 0) = 1.0 - b0;
      w(v, j[0]) = b0 - b1;
      w(v, j[1]) = b1 - b2;
      w(v, j[2]) = b2;
      continue;
    }
    // Wrist, palm and knuckle ring: the wrist, the thenar share of the CMC, and near the knuckles the MCP.
    const double thenar = hole_dist[v] < 30 * mm ? 0.35 * std::exp(-std::pow(hole_dist[v] / (12 * mm), 2)) : 0.0;
    double knuckle = 0;
    int finger = -1;
    if (t.column >= 0) {
      finger = finger_of_column(t.column);
      knuckle = past(chain_point(m, p, v, finger).s, 0.0, kHalfWidth[finger][0] * mm);
    }
    w(v, 0) = (1.0 - thenar) * (1.0 - knuckle);
    if (finger >= 0) w(v, kDigitJoints[finger][0]) = (1.0 - thenar) * knuckle;
    w(v, kDigitJoints[kThumb][0]) += thenar;
  }
  return w;
}

RowMatrix joint_regressor(const HandMesh& m, const Proportions& p) {
  const int64_t V = static_cast<int64_t>(m.vertices.size());
  RowMatrix reg = RowMatrix::Zero(16, V);
  const double scale = p.scale;
  std::array<std::vector<int64_t>, 16> support;
  auto add = [](std::vector<int64_t>& to, const std::vector<int64_t>& ids) { to.insert(to.end(), ids.begin(), ids.end()); };
  add(support[0], m.wrist_ring);
  add(support[0], m.root_ring);
  add(support[0], m.palm_rings[0]);
  for (int d = 0; d < kDigits; ++d) {
    const auto& j = kDigitJoints[d];
    const auto& rings = m.digit_rings[d];
    if (d == kThumb) {  // the CMC sits inside the thenar: every non-digit or thenar vertex within 25 mm
      for (int64_t v = 0; v < V; ++v) {
        const bool thenar = m.tags[v].digit < 0 || (m.tags[v].digit == kThumb && m.tags[v].ring <= 2);
        if (thenar && (m.vertices[v] - m.skeleton.joints[j[0]]).norm() < 0.025 * scale) support[j[0]].push_back(v);
      }
    } else {
      // The finger's base ring and first ring. The MCP lies inside their hull because the base
      // ring's sides were moved toward the neighbours' MCP heights: the middle finger's both back,
      // the ring finger's one forward and one back; the outer fingers add the palm's side columns
      // of the knuckle ring (behind their MCP). All of these move rigidly with the MCP when the
      // palm changes shape, so the regressed MCP follows it.
      add(support[j[0]], rings[0]);
      add(support[j[0]], rings[1]);
      const auto& knuckles = m.palm_rings[kPalmRings - 1];
      if (d == kIndex) support[j[0]].insert(support[j[0]].end(), {knuckles[34], knuckles[35], knuckles[36]});
      if (d == kLittle) support[j[0]].insert(support[j[0]].end(), {knuckles[16], knuckles[17]});
    }
    for (int r = 2; r <= 4; ++r) add(support[j[1]], rings[r]);  // rings 3 and 6 pass through the joints
    for (int r = 5; r <= 7; ++r) add(support[j[2]], rings[r]);
  }
  const double sigma = 0.012 * scale;
  for (int j = 0; j < 16; ++j) {
    const Vec3& target = m.skeleton.joints[j];
    const auto& ids = support[j];
    const size_t n = ids.size();
    std::vector<Vec3> x(n);  // offsets from the joint, in millimetres for conditioning
    std::vector<double> log_prior(n);
    for (size_t k = 0; k < n; ++k) {
      x[k] = 1e3 * (m.vertices[ids[k]] - target);
      log_prior[k] = -(m.vertices[ids[k]] - target).squaredNorm() / (2 * sigma * sigma);
    }
    // Minimise F(λ) = log Σ prior_k exp(λ·x_k): its gradient is the weighted mean of x, zero exactly
    // when the weights w_k ∝ prior_k exp(λ·x_k) reproduce the joint.
    auto mean_offset = [&](const std::vector<double>& w) {
      Vec3 mean = Vec3::Zero();
      for (size_t k = 0; k < n; ++k) mean += w[k] * x[k];
      return mean;
    };
    auto weights = [&](const Vec3& lambda, std::vector<double>& w) {
      double top = -std::numeric_limits<double>::infinity();
      for (size_t k = 0; k < n; ++k) top = std::max(top, log_prior[k] + lambda.dot(x[k]));
      double sum = 0;
      for (size_t k = 0; k < n; ++k) sum += (w[k] = std::exp(log_prior[k] + lambda.dot(x[k]) - top));
      for (auto& wk : w) wk /= sum;
      return top + std::log(sum);  // F(λ)
    };
    std::vector<double> w(n);
    Vec3 lambda = Vec3::Zero();
    double f = weights(lambda, w);
    bool converged = false;
    for (int iter = 0; iter < 200; ++iter) {
      const Vec3 mean = mean_offset(w);
      if (mean.norm() < 1e-10) {  // millimetres
        converged = true;
        break;
      }
      Eigen::Matrix3d cov = Eigen::Matrix3d::Zero();
      for (size_t k = 0; k < n; ++k) cov += w[k] * (x[k] - mean) * (x[k] - mean).transpose();
      const Vec3 step = -cov.ldlt().solve(mean);
      double t = 1.0;  // backtracking line search on F (or on the residual, once F is flat to rounding)
      std::vector<double> trial(n);
      for (; t > 1e-12; t *= 0.5) {
        const double ft = weights(lambda + t * step, trial);
        if (ft <= f - 1e-4 * t * mean.dot(-step) || mean_offset(trial).norm() < 0.5 * mean.norm()) {
          lambda += t * step;
          f = ft;
          w.swap(trial);
          break;
        }
      }
      if (t <= 1e-12) break;
    }
    if (!converged)
      throw std::logic_error("procedural hand: joint " + std::to_string(j) +
                             " lies outside the convex hull of its regressor support");
    for (size_t k = 0; k < n; ++k) reg(j, ids[k]) += w[k];
  }
  return reg;
}

RowMatrix pose_correctives(const HandMesh& m, const Proportions& p) {
  const int64_t V = static_cast<int64_t>(m.vertices.size());
  RowMatrix dirs = RowMatrix::Zero(3 * V, 9 * 15);
  const double mm = 1e-3 * p.scale;
  struct Corrective {
    double sigma_mm, back_mm, front_mm;  // fall-off along the digit; push at sin = 1, back / pad side
  };
  constexpr std::array<std::array<Corrective, 3>, kDigits> kCorrective{{
      {{{8, 1.0, 1.0}, {6, 1.5, 1.2}, {5, 1.0, 0.8}}},  // thumb CMC, MCP, IP
      {{{7, 2.5, 1.5}, {5, 1.5, 1.2}, {4, 0.8, 0.6}}},  // index MCP, PIP, DIP
      {{{7, 2.5, 1.5}, {5, 1.5, 1.2}, {4, 0.8, 0.6}}},
      {{{7, 2.5, 1.5}, {5, 1.5, 1.2}, {4, 0.8, 0.6}}},
      {{{7, 2.2, 1.3}, {5, 1.3, 1.0}, {4, 0.7, 0.5}}},
  }};
  for (int d = 0; d < kDigits; ++d) {
    const DigitFrame& f = digit_frames()[d];
    const Vec3 back = -f.palmar;
    const Vec3& e = f.flexion;
    // <C, R - I> = ½ e·vee(R - Rᵀ), vee(A) = (A21, A02, A10).
    Eigen::Matrix3d C = Eigen::Matrix3d::Zero();
    C(2, 1) = 0.5 * e.x(), C(1, 2) = -0.5 * e.x();
    C(0, 2) = 0.5 * e.y(), C(2, 0) = -0.5 * e.y();
    C(1, 0) = 0.5 * e.z(), C(0, 1) = -0.5 * e.z();
    const auto js = joint_s(p, d);
    for (int level = 0; level < 3; ++level) {
      const int j = kDigitJoints[d][level];
      const Corrective& c = kCorrective[d][level];
      for (int64_t v = 0; v < V; ++v) {
        const ChainPoint cp = chain_point(m, p, v, d);
        if (!cp.on_chain) continue;
        const double x = (cp.s - js[level]) / (c.sigma_mm * mm);
        if (std::abs(x) > 2.5) continue;
        const double b = cp.backness;
        const double amount =
            std::exp(-x * x) * mm * (c.back_mm * std::pow(std::max(b, 0.0), 2) + c.front_mm * std::pow(std::min(b, 0.0), 2));
        for (int coord = 0; coord < 3; ++coord)
          for (int a = 0; a < 3; ++a)
            for (int bb = 0; bb < 3; ++bb) dirs(3 * v + coord, 9 * (j - 1) + 3 * a + bb) = amount * back[coord] * C(a, bb);
      }
    }
  }
  return dirs;
}

}  // namespace hg::hand::procedural
