// Normalisation layers with their derivatives side by side. batch_norm and layer_norm are single
// nodes with the fused analytic backward of ops/norm.h; normalize is composed of primitives.
#include "autograd/norm.h"

#include <cmath>
#include <limits>

#include "autograd/autocast.h"
#include "autograd/node.h"
#include "autograd/pointwise.h"
#include "autograd/reduce.h"
#include "ops/norm.h"

namespace hg {

static const Differentiable kBatchNorm(
    "batch_norm",
    "xh = (x - mean)/sigma per channel; train: dx = (w/sigma)(g - mean(g) - xh mean(g xh)), eval: dx = g w/sigma; dw = sum g xh; db = sum g");
Tensor batch_norm(const Tensor& x_in, const Tensor& weight_in, const Tensor& bias_in, const Tensor& running_mean,
                  const Tensor& running_var, bool training, double momentum, double eps) {
  // autocast policy: f32 (the running statistics are buffers updated in place, never cast)
  const Tensor x = autocast_f32(x_in), weight = autocast_f32(weight_in), bias = autocast_f32(bias_in);
  ops::NormForward f = ops::batch_norm(x, weight, bias, running_mean, running_var, training, momentum, eps);
  return record(kBatchNorm, {x, weight, bias}, f.out,
                [x, weight, mean = f.mean, invstd = f.invstd, training](const Tensor& g, const NeedsGrad& n) {
                  auto r = ops::batch_norm_backward(g, x, weight, mean, invstd, training, {n[0], n[1], n[2]});
                  return Grads{r.input, r.weight, r.bias};
                });
}

static const Differentiable kLayerNorm(
    "layer_norm", "xh = (x - mean)/sigma per row, gh = g w; dx = (gh - mean(gh) - xh mean(gh xh))/sigma; dw = sum g xh; db = sum g");
Tensor layer_norm(const Tensor& x_in, const Shape& normalized_shape, const Tensor& weight_in, const Tensor& bias_in,
                  double eps) {
  const Tensor x = autocast_f32(x_in), weight = autocast_f32(weight_in), bias = autocast_f32(bias_in);  // autocast: f32
  ops::NormForward f = ops::layer_norm(x, normalized_shape, weight, bias, eps);
  return record(kLayerNorm, {x, weight, bias}, f.out,
                [x, normalized_shape, weight, mean = f.mean, rstd = f.invstd](const Tensor& g, const NeedsGrad& n) {
                  auto r = ops::layer_norm_backward(g, x, normalized_shape, weight, mean, rstd, {n[0], n[1], n[2]});
                  return Grads{r.input, r.weight, r.bias};
                });
}

// Composite: ‖x‖_p with keepdim, clamped below at eps (the clamp passes no gradient where it
// binds, as torch's clamp_min), then a broadcasting division.
Tensor normalize(const Tensor& x, double p, int64_t dim, double eps) {
  const int64_t d = wrap_dim(dim, x.dim(), "normalize");
  Tensor n;
  if (p == 1.0 || p == 2.0 || std::isinf(p)) n = norm(x, p, {d}, true);
  else n = pow(sum(pow(abs(x), p), {d}, true), 1.0 / p);  // general p: (Σ |x|^p)^(1/p)
  return div(x, clamp(n, eps, std::numeric_limits<double>::infinity()));
}

}  // namespace hg
