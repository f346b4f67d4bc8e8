// Element-wise operations (no graph). Binary ops broadcast (NumPy rules) and promote dtypes;
// math functions need a floating dtype. Formulas: ops/functors.h.
#pragma once
#include "tensor/tensor.h"

namespace hg::ops {

// binary, broadcasting
Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
Tensor pow(const Tensor& a, const Tensor& b);
Tensor atan2(const Tensor& y, const Tensor& x);
Tensor maximum(const Tensor& a, const Tensor& b);
Tensor minimum(const Tensor& a, const Tensor& b);
// with a scalar
Tensor add(const Tensor& a, double s);
Tensor mul(const Tensor& a, double s);
Tensor rsub(const Tensor& a, double s);  // s - a
Tensor pow(const Tensor& a, double p);
// unary
Tensor neg(const Tensor& x);
Tensor abs(const Tensor& x);
Tensor exp(const Tensor& x);
Tensor log(const Tensor& x);
Tensor log1p(const Tensor& x);
Tensor sqrt(const Tensor& x);
Tensor rsqrt(const Tensor& x);
Tensor square(const Tensor& x);
Tensor sin(const Tensor& x);
Tensor cos(const Tensor& x);
Tensor tanh(const Tensor& x);
Tensor sigmoid(const Tensor& x);
Tensor relu(const Tensor& x);
Tensor leaky_relu(const Tensor& x, double slope);
Tensor softplus(const Tensor& x, double beta, double threshold);
Tensor clamp(const Tensor& x, double lo, double hi);
Tensor sign(const Tensor& x);
Tensor floor(const Tensor& x);
Tensor round(const Tensor& x);
// comparisons -> bool
Tensor eq(const Tensor& a, const Tensor& b);
Tensor ne(const Tensor& a, const Tensor& b);
Tensor lt(const Tensor& a, const Tensor& b);
Tensor le(const Tensor& a, const Tensor& b);
Tensor gt(const Tensor& a, const Tensor& b);
Tensor ge(const Tensor& a, const Tensor& b);
Tensor gt(const Tensor& a, double s);
Tensor lt(const Tensor& a, double s);
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);  // cond: bool
// in place (dst keeps its shape and dtype; src broadcasts to it)
void add_(const Tensor& dst, const Tensor& src);
void add_relu_(const Tensor& dst, const Tensor& src);  // dst = max(0, dst + src)
void mul_(const Tensor& dst, double s);
void fill_(const Tensor& dst, double value);
void zero_(const Tensor& dst);
// dst += alpha * src, dst = a * dst + b * src (used by optimisers)
void axpy_(const Tensor& dst, double alpha, const Tensor& src);

// Applies a binary/ternary functor from ops/functors.h element-wise; used by the autograd layer for
// fused derivatives (e.g. map(fn::SigmoidGrad{}, g, y)). Declared generically in ops/map.h.
bool all_finite(const Tensor& x);  // no inf / NaN

}  // namespace hg::ops
