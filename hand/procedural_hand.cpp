#include "hand/procedural_hand.h"

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "hand/pose_prior.h"
#include "hand/procedural_rig.h"
#include "hand/skeleton.h"
#include "tensor/factory.h"

namespace hg::hand {
namespace {

using namespace procedural;

Tensor f64_tensor(const double* data, const Shape& sizes) {
  const int64_t n = shape_numel(sizes);
  return from_vector(std::vector<double>(data, data + n), sizes, DType::f64);
}

Tensor vertices_tensor(const std::vector<Vec3>& vs) {
  std::vector<double> flat;
  flat.reserve(3 * vs.size());
  for (const Vec3& v : vs) flat.insert(flat.end(), {v.x(), v.y(), v.z()});
  return from_vector(flat, {static_cast<int64_t>(vs.size()), 3}, DType::f64);
}

// shapedirs [V, 3, 10]: central differences of the construction in each shape parameter (the
// construction is linear or very nearly so in each, so this is the tangent at the template).
Tensor shape_directions(const Proportions& base, const HandMesh& mesh) {
  constexpr double kStep = 1e-3;
  const int64_t V = static_cast<int64_t>(mesh.vertices.size());
  std::vector<double> dirs(V * 3 * kShapeParams);
  for (int i = 0; i < kShapeParams; ++i) {
    std::array<double, kShapeParams> beta{};
    beta[i] = kStep;
    const HandMesh plus = build_hand_mesh(with_shape(base, beta));
    beta[i] = -kStep;
    const HandMesh minus = build_hand_mesh(with_shape(base, beta));
    if (plus.faces != mesh.faces || minus.faces != mesh.faces)
      throw std::logic_error("procedural hand: shape parameter " + std::to_string(i) + " changed the topology");
    for (int64_t v = 0; v < V; ++v)
      for (int c = 0; c < 3; ++c)
        dirs[(v * 3 + c) * kShapeParams + i] = (plus.vertices[v][c] - minus.vertices[v][c]) / (2 * kStep);
  }
  return from_vector(dirs, {V, 3, kShapeParams}, DType::f64);
}

PosePca compute_pose_pca() {
  PosePca pca;
  pca.samples = 16384;
  pca.seed = 0x706f7365ull;  // "pose"
  Generator g(pca.seed);
  const std::vector<double> x = sample_hand_poses(g, pca.samples).to_vector<double>();
  constexpr int D = 45;
  // Mean and covariance accumulated in a fixed order (no threaded GEMM), so the result is the same
  // bits on every machine.
  Eigen::Matrix<double, D, 1> mean = Eigen::Matrix<double, D, 1>::Zero();
  for (int64_t i = 0; i < pca.samples; ++i)
    for (int c = 0; c < D; ++c) mean[c] += x[i * D + c];
  mean /= double(pca.samples);
  Eigen::Matrix<double, D, D> cov = Eigen::Matrix<double, D, D>::Zero();
  for (int64_t i = 0; i < pca.samples; ++i) {
    double row[D];
    for (int c = 0; c < D; ++c) row[c] = x[i * D + c] - mean[c];
    for (int a = 0; a < D; ++a)
      for (int b = 0; b <= a; ++b) cov(a, b) += row[a] * row[b];
  }
  for (int a = 0; a < D; ++a)
    for (int b = 0; b <= a; ++b) cov(b, a) = cov(a, b) /= double(pca.samples - 1);
  const Eigen::SelfAdjointEigenSolver<Eigen::Matrix<double, D, D>> eig(cov);
  if (eig.info() != Eigen::Success) throw std::logic_error("procedural hand: pose PCA did not converge");
  std::vector<double> components(D * D), variances(D);
  for (int r = 0; r < D; ++r) {
    const int col = D - 1 - r;  // eigenvalues come ascending
    Eigen::Matrix<double, D, 1> u = eig.eigenvectors().col(col);
    Eigen::Index top = 0;
    u.cwiseAbs().maxCoeff(&top);
    if (u[top] < 0) u = -u;
    for (int c = 0; c < D; ++c) components[r * D + c] = u[c];
    variances[r] = std::max(0.0, eig.eigenvalues()[col]);
  }
  pca.mean = from_vector(std::vector<double>(mean.data(), mean.data() + D), {D}, DType::f64);
  pca.components = from_vector(components, {D, D}, DType::f64);
  pca.variances = from_vector(variances, {D}, DType::f64);
  return pca;
}

// Per-joint mirror of 45-d pose vectors stored as rows of a [rows, 45] buffer.
std::vector<double> mirror_pose_rows(std::vector<double> v) {
  for (size_t i = 0; i < v.size(); ++i)
    if (i % 3 != 0) v[i] = -v[i];
  return v;
}

}  // namespace

const PosePca& procedural_pose_pca() {
  static const PosePca pca = compute_pose_pca();
  return pca;
}

ManoModel make_procedural_hand(const ProceduralHandOptions& options) {
  const Proportions base = seeded_proportions(options.seed);
  const HandMesh mesh = build_hand_mesh(base);
  const int64_t V = static_cast<int64_t>(mesh.vertices.size());

  ManoModel m;
  m.v_template = vertices_tensor(mesh.vertices);
  m.shapedirs = shape_directions(base, mesh);
  const RowMatrix posedirs = pose_correctives(mesh, base);  // [3V, 135] = [V, 3, 135] row-major
  m.posedirs = f64_tensor(posedirs.data(), {V, 3, kManoPoseFeatures});
  const RowMatrix regressor = joint_regressor(mesh, base);
  m.J_regressor = f64_tensor(regressor.data(), {kManoJoints, V});
  const RowMatrix weights = skinning_weights(mesh, base);
  m.weights = f64_tensor(weights.data(), {V, kManoJoints});
  std::vector<int64_t> faces;
  faces.reserve(3 * mesh.faces.size());
  for (const auto& f : mesh.faces) faces.insert(faces.end(), f.begin(), f.end());
  m.faces = from_vector(faces, {static_cast<int64_t>(mesh.faces.size()), 3}, DType::i64);
  const PosePca& pca = procedural_pose_pca();
  m.hands_components = pca.components;
  m.hands_mean = pca.mean;
  m.parents = kManoParents;
  for (int d = 0; d < kDigits; ++d) m.fingertips[d] = mesh.tip_vertex[d];
  m.is_right = true;
  if (!options.right) m = mirror_hand_model(m);
  m.source = "procedural(seed=" + std::to_string(options.seed) + (options.right ? ", right)" : ", left)");
  return m;
}

ManoModel mirror_hand_model(const ManoModel& model) {
  ManoModel m = model;
  const std::array<double, 3> sign{-1.0, 1.0, 1.0};  // M = diag(-1, 1, 1)
  {
    std::vector<double> v = model.v_template.to_vector<double>();
    for (size_t i = 0; i < v.size(); i += 3) v[i] = -v[i];
    m.v_template = from_vector(v, model.v_template.sizes(), DType::f64);
  }
  {  // shapedirs [V, 3, S]: the x rows
    std::vector<double> s = model.shapedirs.to_vector<double>();
    const int64_t S = model.shapedirs.size(2);
    for (size_t i = 0; i < s.size(); ++i)
      if ((i / S) % 3 == 0) s[i] = -s[i];
    m.shapedirs = from_vector(s, model.shapedirs.sizes(), DType::f64);
  }
  {  // posedirs [V, 3, 135]: (M R M)_ab = m_a m_b R_ab, and the offset itself is mirrored by m_c
    std::vector<double> p = model.posedirs.to_vector<double>();
    const int64_t P = model.posedirs.size(2);
    for (size_t i = 0; i < p.size(); ++i) {
      const int64_t coord = (i / P) % 3, feature = i % P, a = (feature % 9) / 3, b = feature % 3;
      p[i] *= sign[coord] * sign[a] * sign[b];
    }
    m.posedirs = from_vector(p, model.posedirs.sizes(), DType::f64);
  }
  {  // faces: re-wound so they stay counter-clockwise seen from outside
    std::vector<int64_t> f = model.faces.to_vector<int64_t>();
    for (size_t i = 0; i < f.size(); i += 3) std::swap(f[i + 1], f[i + 2]);
    m.faces = from_vector(f, model.faces.sizes(), DType::i64);
  }
  m.hands_components = from_vector(mirror_pose_rows(model.hands_components.to_vector<double>()),
                                   model.hands_components.sizes(), DType::f64);
  m.hands_mean = from_vector(mirror_pose_rows(model.hands_mean.to_vector<double>()), model.hands_mean.sizes(), DType::f64);
  m.is_right = !model.is_right;
  m.source = model.source + (model.is_right ? " mirrored to left" : " mirrored to right");
  return m;
}

}  // namespace hg::hand
