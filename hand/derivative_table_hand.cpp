// Derivative table: hand geometry (skeleton reorders, pinhole camera, 2.5D pose). These functions
// only compose registered differentiable functions; the rows check the compositions end to end.
#include <cmath>
#include <vector>

#include "autograd/gradcheck.h"
#include "autograd/node.h"
#include "autograd/shape.h"
#include "hand/camera.h"
#include "hand/pose25d.h"
#include "hand/skeleton.h"
#include "tensor/factory.h"

namespace hg::hand {
namespace {

using In = std::vector<Tensor>;

// Rows with pixel-scale values (K ~ 500 px, uv ~ 100 px) sum to s = sum(y R) ~ 1e4, whose rounding
// (~1e-12) swamps a 1e-6 central difference; a 1e-4 step keeps it ~1e-8 while the truncation error
// (eps^2/6 times the third derivative) stays far below the tolerance.
constexpr double kPixelAtol = 1e-7, kPixelRtol = 1e-5, kPixelEps = 1e-4;

// Random hands [batch, 21, 3] (metres): wrist 0.45-0.65 m in front of the camera, index MCP at
// 8-12 cm from it in a direction at most 45° off the image plane, every other joint within 4 cm
// of its parent. No grad.
Tensor plausible_hands(Generator& g, int64_t batch) {
  std::vector<double> r = uniform({batch, 32, 3}, 0.0, 1.0, DType::f64, &g).to_vector<double>();
  std::vector<double> xyz(batch * 21 * 3);
  for (int64_t b = 0; b < batch; ++b) {
    const double* u = r.data() + b * 96;
    double* p = xyz.data() + b * 63;
    p[0] = -0.1 + 0.2 * u[0], p[1] = -0.1 + 0.2 * u[1], p[2] = 0.45 + 0.2 * u[2];
    const double dx = (u[3] < 0.5 ? -1.0 : 1.0) * (0.5 + 0.5 * u[4]), dy = 2 * u[5] - 1, dz = u[6] - 0.5;
    const double len = (0.08 + 0.04 * u[7]) / std::sqrt(dx * dx + dy * dy + dz * dz);
    for (int64_t k = 1; k < 21; ++k) {
      const int64_t par = kKeypointParents[k];
      for (int64_t c = 0; c < 3; ++c) p[3 * k + c] = p[3 * par + c] + (-0.04 + 0.08 * u[9 + 3 * k + c]);
    }
    p[15] = p[0] + dx * len, p[16] = p[1] + dy * len, p[17] = p[2] + dz * len;  // joint 5
    for (int64_t k = 6; k <= 8; ++k)  // keep the index chain attached to the moved MCP
      for (int64_t c = 0; c < 3; ++c) p[3 * k + c] = p[3 * (k - 1) + c] + (-0.04 + 0.08 * u[9 + 3 * k + c]);
  }
  return from_vector(xyz, {batch, 21, 3}, DType::f64);
}

// Intrinsics [batch, 3, 3]: f 400-600 px, principal point near (112, 112). No grad.
Tensor intrinsics(Generator& g, int64_t batch) {
  std::vector<double> r = uniform({batch, 4}, 0.0, 1.0, DType::f64, &g).to_vector<double>();
  std::vector<double> k;
  for (int64_t b = 0; b < batch; ++b) {
    const double* u = r.data() + 4 * b;
    const std::vector<double> m = {400 + 200 * u[0], 0, 100 + 30 * u[2], 0, 400 + 200 * u[1], 100 + 30 * u[3], 0, 0, 1};
    k.insert(k.end(), m.begin(), m.end());
  }
  return from_vector(k, {batch, 3, 3}, DType::f64);
}

Tensor leaf(Tensor t) { return contiguous(t).set_requires_grad(true); }

// (uv, z_rel_norm, K, s) of plausible hands, each a leaf requiring grad.
In pose25d_inputs(Generator& g, int64_t batch) {
  NoGradGuard no_grad;
  Tensor xyz = plausible_hands(g, batch), K = intrinsics(g, batch);
  Pose25d p = to_pose25d(xyz, K);
  return {leaf(p.uv), leaf(p.z_rel_norm), leaf(K), leaf(reference_bone_length(xyz))};
}

const GradcheckTable rows({
    {"hand_mano_to_freihand/batch", [](Generator& g) { return In{gc_uniform(g, {2, 21, 3})}; },
     [](const In& x) { return mano_to_freihand(x[0]); }},
    {"hand_freihand_to_mano/noncontiguous", [](Generator& g) { return In{gc_noncontiguous(g, {21, 3})}; },
     [](const In& x) { return freihand_to_mano(x[0]); }},
    {"hand_project/batch_K", [](Generator& g) { return In{leaf(plausible_hands(g, 2)), leaf(intrinsics(g, 2))}; },
     [](const In& x) { return project(x[0], x[1]); }, kPixelAtol, kPixelRtol, kPixelEps},
    {"hand_project/broadcast_K_noncontiguous",
     [](Generator& g) { return In{gc_noncontiguous(g, {2, 4, 3}, 0.5, 1.0), leaf(intrinsics(g, 1))}; },
     [](const In& x) { return project(x[0], select(x[1], 0, 0)); }, kPixelAtol, kPixelRtol, kPixelEps},
    {"hand_unproject_rays/batch", [](Generator& g) { return In{gc_uniform(g, {2, 3, 2}, 50, 200), leaf(intrinsics(g, 2))}; },
     [](const In& x) { return unproject_rays(x[0], x[1]); }, kPixelAtol, kPixelRtol, kPixelEps},
    {"hand_backproject/batch",
     [](Generator& g) { return In{gc_uniform(g, {2, 3, 2}, 50, 200), gc_uniform(g, {2, 3}, 0.3, 0.8), leaf(intrinsics(g, 2))}; },
     [](const In& x) { return backproject(x[0], x[1], x[2]); }, kPixelAtol, kPixelRtol, kPixelEps},
    {"hand_crop_intrinsics", [](Generator& g) { return In{leaf(intrinsics(g, 2))}; },
     [](const In& x) { return crop_intrinsics(x[0], 12.0, -7.5); }},
    {"hand_resize_intrinsics", [](Generator& g) { return In{leaf(intrinsics(g, 2))}; },
     [](const In& x) { return resize_intrinsics(x[0], 0.5, 1.75); }},
    {"hand_rotate_intrinsics", [](Generator& g) { return In{leaf(intrinsics(g, 2))}; },
     [](const In& x) { return rotate_intrinsics(x[0], 0.3, 112.0, 100.0); }},
    {"hand_transform_intrinsics/grad_A", [](Generator& g) { return In{leaf(intrinsics(g, 1)), gc_uniform(g, {3, 3})}; },
     [](const In& x) { return transform_intrinsics(x[0], x[1]); }},
    {"hand_transform_uv/batch", [](Generator& g) { return In{gc_uniform(g, {2, 4, 2}, 0, 200), gc_uniform(g, {2, 3, 3})}; },
     [](const In& x) { return transform_uv(x[0], x[1]); }},
    {"hand_reference_bone_length", [](Generator& g) { return In{leaf(plausible_hands(g, 2))}; },
     [](const In& x) { return reference_bone_length(x[0]); }},
    {"hand_to_pose25d/batch", [](Generator& g) { return In{leaf(plausible_hands(g, 2)), leaf(intrinsics(g, 2))}; },
     [](const In& x) {
       Pose25d p = to_pose25d(x[0], x[1]);
       return cat({flatten(p.uv, -2), p.z_rel_norm}, -1);
     }, kPixelAtol, kPixelRtol, kPixelEps},
    {"hand_root_depth/batch", [](Generator& g) { auto in = pose25d_inputs(g, 2); in.pop_back(); return in; },
     [](const In& x) { return root_depth(x[0], x[1], x[2]); }, kPixelAtol, kPixelRtol, kPixelEps},
    {"hand_from_pose25d/batch", [](Generator& g) { return pose25d_inputs(g, 2); },
     [](const In& x) { return from_pose25d(x[0], x[1], x[2], x[3]); }, kPixelAtol, kPixelRtol, kPixelEps},
});

}  // namespace
}  // namespace hg::hand
