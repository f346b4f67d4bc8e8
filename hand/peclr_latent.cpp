#include "hand/peclr_latent.h"

#include <stdexcept>
#include <string>

#include "autograd/node.h"
#include "autograd/norm.h"
#include "autograd/pointwise.h"
#include "autograd/reduce.h"
#include "autograd/shape.h"

namespace hg::hand {
namespace {

void check_param(const Tensor& p, const Shape& expected, const char* name, const Tensor& z) {
  if (!p.defined()) return;
  if (p.sizes() != expected)
    throw std::invalid_argument(std::string("invert_latent_transform: ") + name + " must be " +
                                shape_str(expected) + " for z " + z.shape_string() + ", got " +
                                p.shape_string());
}

}  // namespace

Tensor latent_extent(const Tensor& z) {
  if (z.dim() != 2 || z.size(1) < 2 || z.size(1) % 2 != 0)
    throw std::invalid_argument("latent_extent: z must be [B, 2P], got " + z.shape_string());
  NoGradGuard no_grad;
  const Tensor q = reshape(detach(z), {z.size(0), z.size(1) / 2, 2});
  return sub(amax(q, {1}), amin(q, {1}));
}

Tensor invert_latent_transform(const Tensor& z, const LatentTransform& t) {
  if (z.dim() != 2 || z.size(1) < 2 || z.size(1) % 2 != 0)
    throw std::invalid_argument("invert_latent_transform: z must be [B, 2P], got " + z.shape_string());
  if (!(t.image_size > 0))
    throw std::invalid_argument("invert_latent_transform: image_size must be > 0, got " +
                                std::to_string(t.image_size));
  const int64_t batch = z.size(0), points = z.size(1) / 2;
  check_param(t.angle, {batch}, "angle", z);
  check_param(t.translation, {batch, 2}, "translation", z);
  check_param(t.scale, {batch}, "scale", z);
  check_param(t.extent, {batch, 2}, "extent", z);

  Tensor q = reshape(z, {batch, points, 2});
  if (t.translation.defined()) {
    const Tensor extent = reshape(t.extent.defined() ? to_dtype(t.extent, z.dtype()) : latent_extent(z), {batch, 1, 2});
    const Tensor fraction = reshape(mul(to_dtype(t.translation, z.dtype()), 1.0 / t.image_size), {batch, 1, 2});
    q = sub(q, mul(fraction, extent));
  }
  const bool about_centroid = t.scale.defined() || t.angle.defined();
  if (!about_centroid) return reshape(q, {batch, 2 * points});
  const Tensor centroid = mean(q, {1}, true);  // [B, 1, 2]
  Tensor d = sub(q, centroid);
  if (t.scale.defined()) d = div(d, reshape(to_dtype(t.scale, z.dtype()), {batch, 1, 1}));
  if (t.angle.defined()) {
    // R(−a)(dx, dy) = (cos a·dx + sin a·dy, −sin a·dx + cos a·dy)
    const Tensor a = reshape(to_dtype(t.angle, z.dtype()), {batch, 1});
    const Tensor c = cos(a), s = sin(a);
    const Tensor dx = select(d, 2, 0), dy = select(d, 2, 1);  // [B, P]
    d = stack({add(mul(c, dx), mul(s, dy)), sub(mul(c, dy), mul(s, dx))}, 2);
  }
  return reshape(add(d, centroid), {batch, 2 * points});
}

Tensor peclr_equivariant_projection(const Tensor& z, const LatentTransform& t) {
  return normalize(invert_latent_transform(normalize(z, 2.0, 1), t), 2.0, 1);
}

}  // namespace hg::hand
