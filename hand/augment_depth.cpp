// Depth-map augmentation (REFERENCE.md §6: random erasing — erase_rect with 0 = no measurement —
// and salt-and-pepper noise). Depth maps are [1, H, W] f32 metres with 0 where nothing was measured.
#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "hand/augment.h"
#include "tensor/factory.h"
#include "tensor/view.h"

namespace hg::hand {

Tensor salt_and_pepper(const Tensor& depth, const SaltPepperRecord& p) {
  if (!depth.defined() || depth.dim() != 3 || depth.size(0) != 1)
    throw std::invalid_argument("salt_and_pepper: expected a depth map [1, H, W], got " +
                                (depth.defined() ? depth.shape_string() : std::string("undefined")));
  if (!(p.ratio >= 0 && p.ratio <= 1) || !(p.salt_fraction >= 0 && p.salt_fraction <= 1))
    throw std::invalid_argument("salt_and_pepper: ratio and salt_fraction must be in [0, 1], got " +
                                std::to_string(p.ratio) + " and " + std::to_string(p.salt_fraction));
  const Tensor x = ops::contiguous(ops::to_dtype(depth, DType::f32));
  const int64_t n = x.numel();
  const float* in = x.data<float>();
  float salt = 0;  // the largest depth of the map
  for (int64_t k = 0; k < n; ++k) salt = std::max(salt, in[k]);
  // Two uniform draws per pixel: whether it is replaced, and by salt or pepper.
  Generator g(p.key, 0);
  const Tensor draws = rand({2, n}, DType::f64, &g);
  const double* replace = draws.data<double>();
  const double* kind = replace + n;
  Tensor y = Tensor::empty(x.sizes(), DType::f32);
  float* out = y.data<float>();
  for (int64_t k = 0; k < n; ++k) out[k] = replace[k] < p.ratio ? (kind[k] < p.salt_fraction ? salt : 0.0f) : in[k];
  return y;
}

}  // namespace hg::hand
