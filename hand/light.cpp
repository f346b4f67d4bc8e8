#include "hand/light.h"

#include <stdexcept>
#include <string>
#include <vector>

#include "autograd/pointwise.h"
#include "autograd/reduce.h"
#include "autograd/shape.h"
#include "tensor/factory.h"

namespace hg::hand {

Tensor safe_normalize(const Tensor& x) { return mul(x, rsqrt(add(sum(square(x), {-1}, true), 1e-30))); }

Tensor shade(const Tensor& colors, const Tensor& normals, const Tensor& light) {
  if (!colors.defined() || !normals.defined() || !light.defined() || colors.dim() < 2 || colors.size(-1) != 3 ||
      normals.sizes() != colors.sizes() || light.size(-1) != kLightParams || light.dim() != colors.dim() - 1)
    throw std::invalid_argument(
        "shade: expected colors [..., N, 3], normals of the same shape and light [..., 11], got colors " +
        (colors.defined() ? colors.shape_string() : std::string("undefined")) + ", normals " +
        (normals.defined() ? normals.shape_string() : std::string("undefined")) + ", light " +
        (light.defined() ? light.shape_string() : std::string("undefined")));
  const Tensor intensity_a = narrow(light, -1, 0, 1), intensity_d = narrow(light, -1, 1, 1);
  const Tensor rgb_a = narrow(light, -1, 2, 3), rgb_d = narrow(light, -1, 5, 3);
  const Tensor dir = unsqueeze(safe_normalize(narrow(light, -1, 8, 3)), -2);  // [..., 1, 3]
  const Tensor lambert = relu(sum(mul(normals, dir), {-1}, true));           // max(0, n·d̂) [..., N, 1]
  const Tensor ambient = unsqueeze(mul(intensity_a, rgb_a), -2);              // [..., 1, 3]
  const Tensor directional = mul(unsqueeze(mul(intensity_d, rgb_d), -2), lambert);
  return mul(colors, add(ambient, directional));
}

Tensor light_parameters(double ambient, double directional, const std::array<double, 3>& ambient_rgb,
                        const std::array<double, 3>& directional_rgb, const std::array<double, 3>& direction,
                        DType dtype) {
  const std::vector<double> v{ambient,           directional,        ambient_rgb[0],     ambient_rgb[1],
                              ambient_rgb[2],    directional_rgb[0], directional_rgb[1], directional_rgb[2],
                              direction[0],      direction[1],       direction[2]};
  return from_vector(v, {kLightParams}, dtype);
}

}  // namespace hg::hand
