// Losses with their derivatives. cross_entropy is one fused node (ops/loss.h); the regression
// losses and cosine similarity are composed of differentiable primitives.
#include "autograd/loss.h"

#include <limits>
#include <string>

#include "autograd/autocast.h"
#include "autograd/node.h"
#include "autograd/pointwise.h"
#include "autograd/reduce.h"
#include "autograd/shape.h"
#include "ops/device_check.h"
#include "ops/pointwise.h"

namespace hg {
namespace {

Tensor reduce(const Tensor& per_element, Reduction r) {
  switch (r) {
    case Reduction::none: return per_element;
    case Reduction::mean: return mean(per_element);
    case Reduction::sum: return sum(per_element);
  }
  throw std::invalid_argument("unknown reduction");
}

void check_regression(const char* what, const Tensor& input, const Tensor& target) {
  ops::check_same_shape(what, input, target);
  ops::check_floating(what, input);
  ops::check_floating(what, target);
}

}  // namespace

static const Differentiable kCrossEntropy(
    "cross_entropy",
    "dx_c = w (softmax_c - (1-eps)[c = t] - eps/C); w = g (sum), g/#kept (mean), g_n (none); 0 where ignored");
Tensor cross_entropy(const Tensor& logits_in, const Tensor& target, Reduction reduction, int64_t ignore_index,
                     double label_smoothing) {
  const Tensor logits = autocast_f32(logits_in);  // autocast policy: f32
  ops::CrossEntropyForward f = ops::cross_entropy(logits, target, reduction, ignore_index, label_smoothing);
  return record(kCrossEntropy, {logits}, f.loss,
                [logits, target, lse = f.lse, reduction, ignore_index, label_smoothing, count = f.count](
                    const Tensor& g) {
                  return Grads{ops::cross_entropy_backward(g, logits, target, lse, reduction, ignore_index,
                                                           label_smoothing, count)};
                });
}

// (x − y)²: d/dx = 2(x − y) g, d/dy = −2(x − y) g (from sub and square)
Tensor mse_loss(const Tensor& input_in, const Tensor& target_in, Reduction reduction) {
  const Tensor input = autocast_f32(input_in), target = autocast_f32(target_in);  // autocast policy: f32
  check_regression("mse_loss", input, target);
  return reduce(square(sub(input, target)), reduction);
}

// |x − y|: d/dx = sign(x − y) g, d/dy = −sign(x − y) g (from sub and abs)
Tensor l1_loss(const Tensor& input_in, const Tensor& target_in, Reduction reduction) {
  const Tensor input = autocast_f32(input_in), target = autocast_f32(target_in);  // autocast policy: f32
  check_regression("l1_loss", input, target);
  return reduce(abs(sub(input, target)), reduction);
}

// d = x − y: 0.5 d²/β (gradient d/β) where |d| < β, |d| − 0.5β (gradient sign(d)) elsewhere
Tensor smooth_l1_loss(const Tensor& input_in, const Tensor& target_in, Reduction reduction, double beta) {
  const Tensor input = autocast_f32(input_in), target = autocast_f32(target_in);  // autocast policy: f32
  check_regression("smooth_l1_loss", input, target);
  if (!(beta >= 0)) throw std::invalid_argument("smooth_l1_loss: beta must be >= 0, got " + std::to_string(beta));
  if (beta == 0.0) return l1_loss(input, target, reduction);
  Tensor d = sub(input, target);
  Tensor ad = abs(d);
  Tensor quadratic = mul(square(d), 0.5 / beta);
  Tensor linear = add(ad, -0.5 * beta);
  return reduce(where(ops::lt(ad, beta), quadratic, linear), reduction);
}

namespace {
// max(w, lo) in value, but with derivative 1 everywhere: torch's `with no_grad: w.clamp_min_(lo)`.
Tensor clamp_min_outside_graph(const Tensor& w, double lo) {
  Tensor raw = detach(w);
  Tensor shift = ops::sub(ops::clamp(raw, lo, std::numeric_limits<double>::infinity()), raw);
  return add(w, shift);
}
}  // namespace

Tensor cosine_similarity(const Tensor& a_raw, const Tensor& b_raw, int64_t dim, double eps) {
  const char* what = "cosine_similarity";
  const Tensor a_in = autocast_f32(a_raw), b_in = autocast_f32(b_raw);  // autocast policy: f32
  ops::check_floating(what, a_in);
  ops::check_floating(what, b_in);
  const Shape shape = broadcast_shapes(a_in.sizes(), b_in.sizes(), what);
  const Tensor a = a_in.sizes() == shape ? a_in : expand(a_in, shape);
  const Tensor b = b_in.sizes() == shape ? b_in : expand(b_in, shape);
  const int64_t d = wrap_dim(dim, static_cast<int64_t>(shape.size()), what);
  Tensor w12 = sum(mul(a, b), {d});
  Tensor w1 = clamp_min_outside_graph(sum(square(a), {d}), eps * eps);
  Tensor w2 = clamp_min_outside_graph(sum(square(b), {d}), eps * eps);
  return mul(w12, rsqrt(mul(w1, w2)));  // Σ ab / sqrt(max(Σa², eps²)·max(Σb², eps²))
}

}  // namespace hg
