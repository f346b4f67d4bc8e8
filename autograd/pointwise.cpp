// Element-wise functions with their derivatives side by side. Gradients of broadcast inputs are
// summed back to the input's shape by the engine.
#include "autograd/pointwise.h"

#include "autograd/node.h"
#include "ops/functors.h"
#include "ops/map.h"
#include "ops/pointwise.h"

namespace hg {
namespace {
constexpr auto F = ops::MapDomain::floating;
}

static const Differentiable kAdd("add", "d(a+b) = (g, g)");
Tensor add(const Tensor& a, const Tensor& b) {
  return record(kAdd, {a, b}, ops::add(a, b), [](const Tensor& g) { return Grads{g, g}; });
}

static const Differentiable kSub("sub", "d(a-b) = (g, -g)");
Tensor sub(const Tensor& a, const Tensor& b) {
  return record(kSub, {a, b}, ops::sub(a, b), [](const Tensor& g, const NeedsGrad& n) {
    return Grads{g, n[1] ? ops::neg(g) : Tensor()};
  });
}

static const Differentiable kMul("mul", "d(ab) = (g b, g a)");
Tensor mul(const Tensor& a, const Tensor& b) {
  return record(kMul, {a, b}, ops::mul(a, b), [a, b](const Tensor& g, const NeedsGrad& n) {
    return Grads{n[0] ? ops::mul(g, b) : Tensor(), n[1] ? ops::mul(g, a) : Tensor()};
  });
}

static const Differentiable kDiv("div", "d(a/b) = (g/b, -g a/b^2)");
Tensor div(const Tensor& a, const Tensor& b) {
  return record(kDiv, {a, b}, ops::div(a, b), [a, b](const Tensor& g, const NeedsGrad& n) {
    return Grads{n[0] ? ops::div(g, b) : Tensor(), n[1] ? ops::map("div_backward", F, fn::DivGradB{}, g, a, b) : Tensor()};
  });
}

static const Differentiable kPow("pow", "d(a^b) = (g b a^(b-1), g a^b log a)");
Tensor pow(const Tensor& a, const Tensor& b) {
  return record(kPow, {a, b}, ops::pow(a, b), [a, b](const Tensor& g, const NeedsGrad& n) {
    return Grads{n[0] ? ops::map("pow_backward", F, fn::PowGradBase{}, g, a, b) : Tensor(),
                 n[1] ? ops::map("pow_backward", F, fn::PowGradExponent{}, g, a, b) : Tensor()};
  });
}

static const Differentiable kPowScalar("pow_scalar", "d(x^p) = g p x^(p-1)");
Tensor pow(const Tensor& a, double p) {
  return record(kPowScalar, {a}, ops::pow(a, p), [a, p](const Tensor& g) {
    return Grads{ops::map("pow_backward", F, fn::PowScalarGrad{p}, g, a)};
  });
}

static const Differentiable kAtan2("atan2", "d atan2(y,x) = (g x/(x^2+y^2), -g y/(x^2+y^2))");
Tensor atan2(const Tensor& y, const Tensor& x) {
  return record(kAtan2, {y, x}, ops::atan2(y, x), [y, x](const Tensor& g, const NeedsGrad& n) {
    return Grads{n[0] ? ops::map("atan2_backward", F, fn::Atan2GradY{}, g, y, x) : Tensor(),
                 n[1] ? ops::map("atan2_backward", F, fn::Atan2GradX{}, g, y, x) : Tensor()};
  });
}

static const Differentiable kMaximum("maximum", "d max(a,b) = g to the larger input (half each on ties)");
Tensor maximum(const Tensor& a, const Tensor& b) {
  return record(kMaximum, {a, b}, ops::maximum(a, b), [a, b](const Tensor& g, const NeedsGrad& n) {
    return Grads{n[0] ? ops::map("maximum_backward", F, fn::MaximumGradA{}, g, a, b) : Tensor(),
                 n[1] ? ops::map("maximum_backward", F, fn::MaximumGradA{}, g, b, a) : Tensor()};
  });
}

static const Differentiable kMinimum("minimum", "d min(a,b) = g to the smaller input (half each on ties)");
Tensor minimum(const Tensor& a, const Tensor& b) {
  return record(kMinimum, {a, b}, ops::minimum(a, b), [a, b](const Tensor& g, const NeedsGrad& n) {
    return Grads{n[0] ? ops::map("minimum_backward", F, fn::MinimumGradA{}, g, a, b) : Tensor(),
                 n[1] ? ops::map("minimum_backward", F, fn::MinimumGradA{}, g, b, a) : Tensor()};
  });
}

static const Differentiable kAddScalar("add_scalar", "d(x+s) = g");
Tensor add(const Tensor& a, double s) {
  return record(kAddScalar, {a}, ops::add(a, s), [](const Tensor& g) { return Grads{g}; });
}

static const Differentiable kMulScalar("mul_scalar", "d(s x) = s g");
Tensor mul(const Tensor& a, double s) {
  return record(kMulScalar, {a}, ops::mul(a, s), [s](const Tensor& g) { return Grads{ops::mul(g, s)}; });
}

static const Differentiable kRsubScalar("rsub_scalar", "d(s-x) = -g");
Tensor rsub(const Tensor& a, double s) {
  return record(kRsubScalar, {a}, ops::rsub(a, s), [](const Tensor& g) { return Grads{ops::neg(g)}; });
}

static const Differentiable kNeg("neg", "d(-x) = -g");
Tensor neg(const Tensor& x) {
  return record(kNeg, {x}, ops::neg(x), [](const Tensor& g) { return Grads{ops::neg(g)}; });
}

static const Differentiable kAbs("abs", "d|x| = g sign(x)");
Tensor abs(const Tensor& x) {
  return record(kAbs, {x}, ops::abs(x), [x](const Tensor& g) { return Grads{ops::map("abs_backward", F, fn::AbsGrad{}, g, x)}; });
}

static const Differentiable kExp("exp", "d e^x = g e^x");
Tensor exp(const Tensor& x) {
  Tensor y = ops::exp(x);
  return record(kExp, {x}, y, [y](const Tensor& g) { return Grads{ops::mul(g, y)}; });
}

static const Differentiable kLog("log", "d log x = g / x");
Tensor log(const Tensor& x) {
  return record(kLog, {x}, ops::log(x), [x](const Tensor& g) { return Grads{ops::div(g, x)}; });
}

static const Differentiable kLog1p("log1p", "d log(1+x) = g / (1+x)");
Tensor log1p(const Tensor& x) {
  return record(kLog1p, {x}, ops::log1p(x), [x](const Tensor& g) { return Grads{ops::div(g, ops::add(x, 1.0))}; });
}

static const Differentiable kSqrt("sqrt", "d sqrt(x) = g / (2 sqrt(x))");
Tensor sqrt(const Tensor& x) {
  Tensor y = ops::sqrt(x);
  return record(kSqrt, {x}, y, [y](const Tensor& g) { return Grads{ops::map("sqrt_backward", F, fn::SqrtGrad{}, g, y)}; });
}

static const Differentiable kRsqrt("rsqrt", "d x^(-1/2) = -g x^(-3/2) / 2");
Tensor rsqrt(const Tensor& x) {
  Tensor y = ops::rsqrt(x);
  return record(kRsqrt, {x}, y, [y](const Tensor& g) { return Grads{ops::map("rsqrt_backward", F, fn::RsqrtGrad{}, g, y)}; });
}

static const Differentiable kSquare("square", "d x^2 = 2 g x");
Tensor square(const Tensor& x) {
  return record(kSquare, {x}, ops::square(x), [x](const Tensor& g) {
    return Grads{ops::map("square_backward", F, fn::PowScalarGrad{2.0}, g, x)};
  });
}

static const Differentiable kSin("sin", "d sin x = g cos x");
Tensor sin(const Tensor& x) {
  return record(kSin, {x}, ops::sin(x), [x](const Tensor& g) { return Grads{ops::mul(g, ops::cos(x))}; });
}

static const Differentiable kCos("cos", "d cos x = -g sin x");
Tensor cos(const Tensor& x) {
  return record(kCos, {x}, ops::cos(x), [x](const Tensor& g) { return Grads{ops::neg(ops::mul(g, ops::sin(x)))}; });
}

static const Differentiable kTanh("tanh", "d tanh x = g (1 - y^2)");
Tensor tanh(const Tensor& x) {
  Tensor y = ops::tanh(x);
  return record(kTanh, {x}, y, [y](const Tensor& g) { return Grads{ops::map("tanh_backward", F, fn::TanhGrad{}, g, y)}; });
}

static const Differentiable kSigmoid("sigmoid", "d sigmoid x = g y (1 - y)");
Tensor sigmoid(const Tensor& x) {
  Tensor y = ops::sigmoid(x);
  return record(kSigmoid, {x}, y, [y](const Tensor& g) { return Grads{ops::map("sigmoid_backward", F, fn::SigmoidGrad{}, g, y)}; });
}

// The mask is read off the output (y > 0 exactly where x > 0), so the node keeps y, which the next
// layer keeps anyway, and not x: in a conv-BN-ReLU stack the BN output is freed after the forward.
static const Differentiable kRelu("relu", "d relu x = g [x > 0] = g [y > 0]");
Tensor relu(const Tensor& x) {
  Tensor y = ops::relu(x);
  return record(kRelu, {x}, y, [y](const Tensor& g) { return Grads{ops::map("relu_backward", F, fn::ReluGrad{}, g, y)}; });
}

static const Differentiable kLeakyRelu("leaky_relu", "d = g [x > 0] + slope g [x <= 0]");
Tensor leaky_relu(const Tensor& x, double slope) {
  return record(kLeakyRelu, {x}, ops::leaky_relu(x, slope), [x, slope](const Tensor& g) {
    return Grads{ops::map("leaky_relu_backward", F, fn::LeakyReluGrad{slope}, g, x)};
  });
}

static const Differentiable kSoftplus("softplus", "d softplus x = g sigmoid(beta x) (g above the threshold)");
Tensor softplus(const Tensor& x, double beta, double threshold) {
  return record(kSoftplus, {x}, ops::softplus(x, beta, threshold), [x, beta, threshold](const Tensor& g) {
    return Grads{ops::map("softplus_backward", F, fn::SoftplusGrad{beta, threshold}, g, x)};
  });
}

static const Differentiable kClamp("clamp", "d clamp(x, lo, hi) = g [lo <= x <= hi]");
Tensor clamp(const Tensor& x, double lo, double hi) {
  return record(kClamp, {x}, ops::clamp(x, lo, hi), [x, lo, hi](const Tensor& g) {
    return Grads{ops::map("clamp_backward", F, fn::ClampGrad{lo, hi}, g, x)};
  });
}

static const Differentiable kWhere("where", "d where(c, a, b) = (g [c], g [!c])");
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  return record(kWhere, {cond, a, b}, ops::where(cond, a, b), [cond](const Tensor& g, const NeedsGrad& n) {
    Tensor zero = ops::mul(g, 0.0);
    return Grads{Tensor(), n[1] ? ops::where(cond, g, zero) : Tensor(), n[2] ? ops::where(cond, zero, g) : Tensor()};
  });
}

Tensor sign(const Tensor& x) { return ops::sign(x); }
Tensor floor(const Tensor& x) { return ops::floor(x); }
Tensor round(const Tensor& x) { return ops::round(x); }
Tensor eq(const Tensor& a, const Tensor& b) { return ops::eq(a, b); }
Tensor ne(const Tensor& a, const Tensor& b) { return ops::ne(a, b); }
Tensor lt(const Tensor& a, const Tensor& b) { return ops::lt(a, b); }
Tensor le(const Tensor& a, const Tensor& b) { return ops::le(a, b); }
Tensor gt(const Tensor& a, const Tensor& b) { return ops::gt(a, b); }
Tensor ge(const Tensor& a, const Tensor& b) { return ops::ge(a, b); }

}  // namespace hg
