// Derivative table: the MANO forward pass (hand/mano.h), end to end, on a small random but valid
// model (V = 30), w.r.t. every parameter: PCA and axis-angle poses, with and without the mean
// pose, exactly zero rotations, no betas/trans, and a non-contiguous pose. The output checked is
// [vertices, joints, full_pose] flattened per batch element.
#include <cmath>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "autograd/gradcheck.h"
#include "autograd/shape.h"
#include "hand/mano.h"
#include "hand/skeleton.h"
#include "tensor/factory.h"
#include "tensor/view.h"

namespace hg::hand {
namespace {

using In = std::vector<Tensor>;

// Rows of `m` [n, n] made orthonormal by Gram–Schmidt (twice, for accuracy).
std::vector<double> orthonormal_rows(std::vector<double> m, int64_t n) {
  for (int pass = 0; pass < 2; ++pass)
    for (int64_t i = 0; i < n; ++i) {
      double* r = m.data() + i * n;
      for (int64_t k = 0; k < i; ++k) {
        const double* q = m.data() + k * n;
        double dot = 0;
        for (int64_t c = 0; c < n; ++c) dot += r[c] * q[c];
        for (int64_t c = 0; c < n; ++c) r[c] -= dot * q[c];
      }
      double len = 0;
      for (int64_t c = 0; c < n; ++c) len += r[c] * r[c];
      for (int64_t c = 0; c < n; ++c) r[c] /= std::sqrt(len);
    }
  return m;
}

// Each row of uniform(0, 1)^power [rows, cols] scaled to sum to 1.
Tensor normalised_rows(Generator& g, int64_t rows, int64_t cols, int power) {
  std::vector<double> v = uniform({rows, cols}, 0.05, 1.0, DType::f64, &g).to_vector<double>();
  for (int64_t i = 0; i < rows; ++i) {
    double total = 0;
    for (int64_t c = 0; c < cols; ++c) total += v[i * cols + c] = std::pow(v[i * cols + c], power);
    for (int64_t c = 0; c < cols; ++c) v[i * cols + c] /= total;
  }
  return from_vector(v, {rows, cols}, DType::f64);
}

ManoModel small_random_model() {
  constexpr int64_t V = 30, F = 12;
  Generator g(0x3a40, 0);
  ManoModel m;
  m.v_template = uniform({V, 3}, -0.08, 0.08, DType::f64, &g);
  m.shapedirs = uniform({V, 3, kManoShapeParams}, -0.01, 0.01, DType::f64, &g);
  m.posedirs = uniform({V, 3, kManoPoseFeatures}, -0.01, 0.01, DType::f64, &g);
  m.J_regressor = normalised_rows(g, kManoJoints, V, 3);
  m.weights = normalised_rows(g, V, kManoJoints, 4);
  std::vector<int64_t> faces;
  for (int64_t f = 0; f < F; ++f) faces.insert(faces.end(), {f, (f + 7) % V, (f + 19) % V});
  m.faces = from_vector(faces, {F, 3}, DType::i64);
  m.hands_components = from_vector(
      orthonormal_rows(uniform({45, 45}, -1, 1, DType::f64, &g).to_vector<double>(), kManoPoseParams), {45, 45},
      DType::f64);
  m.hands_mean = uniform({kManoPoseParams}, -0.3, 0.3, DType::f64, &g);
  m.parents = kManoParents;
  m.fingertips = {29, 3, 11, 17, 24};
  m.source = "procedural(derivative_table_mano, V=30)";
  return m;
}

const ManoModel& small_model() {
  static const ManoModel m = small_random_model();
  return m;
}

Tensor flat_output(const ManoOutput& o) {
  return cat({flatten(o.vertices, 1), flatten(o.joints, 1), o.full_pose}, 1);
}

// fn for a layer with these options: inputs (global_rot, pose, betas, trans); betas/trans may be
// undefined. The layer is built on first use, not during static initialisation.
// The model with its arrays on `device` (the layer's constants follow them there).
ManoModel model_on(const ManoModel& m, Device device) {
  ManoModel out = m;
  for (Tensor* t : {&out.v_template, &out.shapedirs, &out.posedirs, &out.J_regressor, &out.weights, &out.faces,
                    &out.hands_components, &out.hands_mean})
    *t = ops::to_device(*t, device);
  return out;
}

// One layer per device the case runs on (gradcheck --device), each built on first use from the
// model moved to that device.
GradcheckFn mano_fn(ManoOptions options) {
  struct Layers {
    std::mutex mutex;
    std::map<std::string, std::unique_ptr<ManoLayer>> by_device;
  };
  auto layers = std::make_shared<Layers>();
  return [options, layers](const In& x) {
    const Device device = x[0].device();
    const ManoLayer* layer = nullptr;
    {
      std::lock_guard<std::mutex> lock(layers->mutex);
      auto& slot = layers->by_device[device.str()];
      if (!slot) slot = std::make_unique<ManoLayer>(model_on(small_model(), device), options);
      layer = slot.get();
    }
    return flat_output(layer->forward({x[0], x[1], x[2], x[3]}));
  };
}

const GradcheckTable rows({
    {"hand_mano/pca10_mean_all_inputs",
     [](Generator& g) {
       return In{gc_uniform(g, {2, 3}, -1.5, 1.5), gc_uniform(g, {2, 10}), gc_uniform(g, {2, 10}), gc_uniform(g, {2, 3}, -0.2, 0.2)};
     },
     mano_fn({true, 10, false})},
    {"hand_mano/pca45_flat",
     [](Generator& g) {
       return In{gc_uniform(g, {1, 3}, -1.5, 1.5), gc_uniform(g, {1, 45}, -0.5, 0.5), gc_uniform(g, {1, 10}),
                 gc_uniform(g, {1, 3}, -0.2, 0.2)};
     },
     mano_fn({true, 45, true})},
    {"hand_mano/axis_angle_mean",
     [](Generator& g) {
       return In{gc_uniform(g, {2, 3}, -1.5, 1.5), gc_uniform(g, {2, 45}, -0.6, 0.6), gc_uniform(g, {2, 10}),
                 gc_uniform(g, {2, 3}, -0.2, 0.2)};
     },
     mano_fn({false, 45, false})},
    {"hand_mano/axis_angle_flat_zero_rotation",
     [](Generator& g) {
       auto z = [](int64_t n) { return zeros({1, n}, DType::f64).set_requires_grad(true); };
       return In{z(3), z(45), gc_uniform(g, {1, 10}), gc_uniform(g, {1, 3}, -0.2, 0.2)};
     },
     mano_fn({false, 45, true})},
    {"hand_mano/pca6_no_betas_no_trans",
     [](Generator& g) { return In{gc_uniform(g, {2, 3}, -1.5, 1.5), gc_uniform(g, {2, 6}), Tensor(), Tensor()}; },
     mano_fn({true, 6, false})},
    {"hand_mano/pca30_noncontiguous",
     [](Generator& g) {
       return In{gc_noncontiguous(g, {2, 3}, -1.5, 1.5), gc_noncontiguous(g, {2, 30}, -0.5, 0.5),
                 gc_noncontiguous(g, {2, 10}), gc_uniform(g, {2, 3}, -0.2, 0.2)};
     },
     mano_fn({true, 30, false})},
});

}  // namespace
}  // namespace hg::hand
