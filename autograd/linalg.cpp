// Linear algebra with derivatives side by side.
#include "autograd/linalg.h"

#include "autograd/autocast.h"
#include "autograd/node.h"
#include "autograd/shape.h"
#include "ops/linalg.h"
#include "ops/pointwise.h"
#include "ops/reduce.h"
#include "tensor/view.h"

namespace hg {
namespace {
Tensor mT(const Tensor& t) { return ops::transpose(t, -1, -2); }
}  // namespace

static const Differentiable kMatmul("matmul", "d(AB) = (G B^T, A^T G), summed over broadcast batch dims");
Tensor matmul(const Tensor& a_in, const Tensor& b_in) {
  const Tensor a = autocast_low(a_in), b = autocast_low(b_in);  // autocast policy
  if (a.dim() == 0 || b.dim() == 0)
    throw std::invalid_argument("matmul: 0-d operands " + a.shape_string() + " and " + b.shape_string());
  if (a.dim() == 1 && b.dim() == 1) return squeeze(squeeze(matmul(unsqueeze(a, 0), unsqueeze(b, 1)), -1), -1);
  if (a.dim() == 1) return squeeze(matmul(unsqueeze(a, 0), b), -2);
  if (b.dim() == 1) return squeeze(matmul(a, unsqueeze(b, 1)), -1);
  return record(kMatmul, {a, b}, ops::matmul(a, b), [a, b](const Tensor& g, const NeedsGrad& n) {
    return Grads{n[0] ? ops::matmul(g, mT(b)) : Tensor(), n[1] ? ops::matmul(mT(a), g) : Tensor()};
  });
}

static const Differentiable kBmm("bmm", "d(A_i B_i) = (G_i B_i^T, A_i^T G_i)");
Tensor bmm(const Tensor& a_in, const Tensor& b_in) {
  const Tensor a = autocast_low(a_in), b = autocast_low(b_in);  // autocast policy
  if (a.dim() != 3 || b.dim() != 3 || a.size(0) != b.size(0))
    throw std::invalid_argument("bmm: expected [B, n, k] and [B, k, m], got " + a.shape_string() + " and " +
                                b.shape_string());
  return record(kBmm, {a, b}, ops::matmul(a, b), [a, b](const Tensor& g, const NeedsGrad& n) {
    return Grads{n[0] ? ops::matmul(g, mT(b)) : Tensor(), n[1] ? ops::matmul(mT(a), g) : Tensor()};
  });
}

static const Differentiable kLinear("linear", "y = x W^T + b: dx = G W, dW = G^T x, db = sum G (over leading dims)");
Tensor linear(const Tensor& x_in, const Tensor& w_in, const Tensor& bias_in) {
  const Tensor x = autocast_low(x_in), w = autocast_low(w_in), bias = autocast_low(bias_in);  // autocast policy
  return record(kLinear, {x, w, bias}, ops::linear(x, w, bias), [x, w](const Tensor& g, const NeedsGrad& n) {
    Tensor g2 = ops::reshape(g, {-1, g.size(-1)});
    Grads out(3);
    if (n[0]) out[0] = ops::matmul(g, w);
    if (n[1]) out[1] = ops::matmul(mT(g2), ops::reshape(x, {-1, x.size(-1)}));
    if (n[2]) out[2] = ops::sum(g2, {0});
    return out;
  });
}

static const Differentiable kDet3("det3", "d det A = g cof(A)  (= g det(A) A^-T when invertible)");
Tensor det3(const Tensor& a) {
  return record(kDet3, {a}, ops::det3(a), [a](const Tensor& g) {
    return Grads{ops::mul(ops::unsqueeze(ops::unsqueeze(g, -1), -1), ops::cofactor3(a))};
  });
}

static const Differentiable kInverse3("inverse3", "d A^-1 = -A^-T G A^-T");
Tensor inverse3(const Tensor& a) {
  Tensor inv = ops::inverse3(a);
  return record(kInverse3, {a}, inv, [inv](const Tensor& g) {
    return Grads{ops::neg(ops::matmul(ops::matmul(mT(inv), g), mT(inv)))};
  });
}

static const Differentiable kCross("cross", "d(a x b) = (b x g, g x a)");
Tensor cross(const Tensor& a, const Tensor& b, int64_t dim) {
  return record(kCross, {a, b}, ops::cross(a, b, dim), [a, b, dim](const Tensor& g, const NeedsGrad& n) {
    return Grads{n[0] ? ops::cross(b, g, dim) : Tensor(), n[1] ? ops::cross(g, a, dim) : Tensor()};
  });
}

}  // namespace hg
