// Rotations with their derivatives side by side.
#include "autograd/rotation.h"

#include "autograd/node.h"
#include "ops/rotation.h"

namespace hg {

static const Differentiable kRodrigues(
    "rodrigues",
    "R = c I + a [r]x + b r r^T (a = sin t/t, b = (1-cos t)/t^2, c = cos t, s = t^2 = |r|^2); "
    "dL/dr = 2r(-a/2 tr G + a'(r.w) + b' r^T G r) + a w + b (G + G^T) r, w = (G21-G12, G02-G20, G10-G01), "
    "' = d/ds (Taylor series below s = 1, so exact at r = 0)");
Tensor rodrigues(const Tensor& axis_angle) {
  return record(kRodrigues, {axis_angle}, ops::rodrigues(axis_angle), [axis_angle](const Tensor& g) {
    return Grads{ops::rodrigues_backward(g, axis_angle)};
  });
}

}  // namespace hg
