// Derivative table: PeCLR's latent inverse transform. The translation's extent L_z is a constant of
// the step (computed on the detached latent), so the rows pass it explicitly: finite differences
// must not see it move.
#include <vector>

#include "autograd/gradcheck.h"
#include "hand/peclr_latent.h"
#include "tensor/factory.h"

namespace hg::hand {
namespace {

using In = std::vector<Tensor>;

// Made inside the functions, on the device of the input `like`.
LatentTransform rotation_translation_scale(bool with_scale, const Tensor& like) {
  LatentTransform t;
  t.angle = gc_on_device_of(tensor({0.4, -1.1}, DType::f64), like);
  t.translation = gc_on_device_of(from_vector(std::vector<double>{5, -12, 0.5, 9}, {2, 2}, DType::f64), like);
  t.extent = gc_on_device_of(from_vector(std::vector<double>{0.8, 1.3, 0.4, 0.9}, {2, 2}, DType::f64), like);
  if (with_scale) t.scale = gc_on_device_of(tensor({0.7, 1.8}, DType::f64), like);
  return t;
}

const GradcheckTable rows({
    {"hand_invert_latent_transform/rotation_translation", [](Generator& g) { return In{gc_uniform(g, {2, 8})}; },
     [](const In& x) { return invert_latent_transform(x[0], rotation_translation_scale(false, x[0])); }},
    {"hand_invert_latent_transform/with_scale_noncontiguous", [](Generator& g) { return In{gc_noncontiguous(g, {2, 6})}; },
     [](const In& x) { return invert_latent_transform(x[0], rotation_translation_scale(true, x[0])); }},
    {"hand_peclr_equivariant_projection/batch", [](Generator& g) { return In{gc_uniform(g, {2, 8})}; },
     [](const In& x) { return peclr_equivariant_projection(x[0], rotation_translation_scale(true, x[0])); }},
});

}  // namespace
}  // namespace hg::hand
