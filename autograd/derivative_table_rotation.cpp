// Derivative table: rotations (Rodrigues' formula). Rows at the special angles: exactly zero
// (where the series give R = I + [r]x and dR/dr_k = [e_k]x), tiny (1e-5 rad), either side of the
// series/closed-form switch at |r| = 1, generic, just below pi, batched and non-contiguous.
#include <cmath>
#include <numbers>
#include <vector>

#include "autograd/gradcheck.h"
#include "autograd/rotation.h"
#include "autograd/shape.h"
#include "tensor/factory.h"

namespace hg {
namespace {

using In = std::vector<Tensor>;

// Random axis-angle vectors [n, 3] with norms exactly `angle` (random unit axes scaled).
Tensor with_angle(Generator& g, int64_t n, double angle) {
  std::vector<double> v = uniform({n, 3}, -1.0, 1.0, DType::f64, &g).to_vector<double>();
  for (int64_t i = 0; i < n; ++i) {
    double* r = v.data() + 3 * i;
    const double len = std::sqrt(r[0] * r[0] + r[1] * r[1] + r[2] * r[2]);
    for (int c = 0; c < 3; ++c) r[c] *= angle / len;
  }
  return from_vector(v, {n, 3}, DType::f64).set_requires_grad(true);
}

const GradcheckTable rows({
    {"rodrigues/zero", [](Generator&) { return In{zeros({1, 3}, DType::f64).set_requires_grad(true)}; },
     [](const In& x) { return rodrigues(x[0]); }},
    {"rodrigues/tiny_1e-5", [](Generator& g) { return In{with_angle(g, 2, 1e-5)}; },
     [](const In& x) { return rodrigues(x[0]); }},
    {"rodrigues/series_side_0.999", [](Generator& g) { return In{with_angle(g, 2, 0.999)}; },
     [](const In& x) { return rodrigues(x[0]); }},
    {"rodrigues/closed_side_1.001", [](Generator& g) { return In{with_angle(g, 2, 1.001)}; },
     [](const In& x) { return rodrigues(x[0]); }},
    {"rodrigues/generic", [](Generator& g) { return In{gc_uniform(g, {4, 3}, -2.0, 2.0)}; },
     [](const In& x) { return rodrigues(x[0]); }},
    {"rodrigues/near_pi", [](Generator& g) { return In{with_angle(g, 2, std::numbers::pi - 1e-3)}; },
     [](const In& x) { return rodrigues(x[0]); }},
    {"rodrigues/large_angle", [](Generator& g) { return In{with_angle(g, 1, 7.5)}; },
     [](const In& x) { return rodrigues(x[0]); }},
    {"rodrigues/batched_3d", [](Generator& g) { return In{gc_uniform(g, {2, 3, 3}, -1.5, 1.5)}; },
     [](const In& x) { return rodrigues(x[0]); }},
    {"rodrigues/noncontiguous", [](Generator& g) { return In{gc_noncontiguous(g, {4, 3}, -1.5, 1.5)}; },
     [](const In& x) { return rodrigues(x[0]); }},
    {"rodrigues/single_vector", [](Generator& g) { return In{gc_uniform(g, {3}, -1.0, 1.0)}; },
     [](const In& x) { return rodrigues(x[0]); }},
});

}  // namespace
}  // namespace hg
