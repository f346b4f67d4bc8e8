// Element-wise ops: each is map() / map_inplace() over a functor from ops/functors.h, which run
// the CPU loop or the CUDA kernels (ops/map.h). where, fill_ and all_finite route CUDA tensors to
// ops/cuda/pointwise_cuda.h after the same checks.
#include "ops/pointwise.h"

#include "ops/cuda/dispatch.h"
#include "ops/cuda/pointwise_cuda.h"
#include "ops/cuda/reduce_cuda.h"
#include "ops/functors.h"
#include "ops/map.h"
#include "ops/reduce_functors.h"
#include "tensor/factory.h"

namespace hg::ops {

constexpr auto F = MapDomain::floating;
constexpr auto N = MapDomain::any_numeric;

Tensor add(const Tensor& a, const Tensor& b) { return map("add", N, fn::Add{}, a, b); }
Tensor sub(const Tensor& a, const Tensor& b) { return map("sub", N, fn::Sub{}, a, b); }
Tensor mul(const Tensor& a, const Tensor& b) { return map("mul", N, fn::Mul{}, a, b); }
Tensor div(const Tensor& a, const Tensor& b) { return map("div", F, fn::Div{}, a, b); }
Tensor pow(const Tensor& a, const Tensor& b) { return map("pow", F, fn::Pow{}, a, b); }
Tensor atan2(const Tensor& y, const Tensor& x) { return map("atan2", F, fn::Atan2{}, y, x); }
Tensor maximum(const Tensor& a, const Tensor& b) { return map("maximum", N, fn::Maximum{}, a, b); }
Tensor minimum(const Tensor& a, const Tensor& b) { return map("minimum", N, fn::Minimum{}, a, b); }

Tensor add(const Tensor& a, double s) { return map("add", N, fn::AddScalar{s}, a); }
Tensor mul(const Tensor& a, double s) { return map("mul", N, fn::MulScalar{s}, a); }
Tensor rsub(const Tensor& a, double s) { return map("rsub", N, fn::RSubScalar{s}, a); }
Tensor pow(const Tensor& a, double p) { return map("pow", F, fn::PowScalar{p}, a); }

Tensor neg(const Tensor& x) { return map("neg", N, fn::Neg{}, x); }
Tensor abs(const Tensor& x) { return map("abs", N, fn::Abs{}, x); }
Tensor exp(const Tensor& x) { return map("exp", F, fn::Exp{}, x); }
Tensor log(const Tensor& x) { return map("log", F, fn::Log{}, x); }
Tensor log1p(const Tensor& x) { return map("log1p", F, fn::Log1p{}, x); }
Tensor sqrt(const Tensor& x) { return map("sqrt", F, fn::Sqrt{}, x); }
Tensor rsqrt(const Tensor& x) { return map("rsqrt", F, fn::Rsqrt{}, x); }
Tensor square(const Tensor& x) { return map("square", N, fn::Square{}, x); }
Tensor sin(const Tensor& x) { return map("sin", F, fn::Sin{}, x); }
Tensor cos(const Tensor& x) { return map("cos", F, fn::Cos{}, x); }
Tensor tanh(const Tensor& x) { return map("tanh", F, fn::Tanh{}, x); }
Tensor sigmoid(const Tensor& x) { return map("sigmoid", F, fn::Sigmoid{}, x); }
Tensor relu(const Tensor& x) { return map("relu", N, fn::Relu{}, x); }
Tensor leaky_relu(const Tensor& x, double slope) { return map("leaky_relu", F, fn::LeakyRelu{slope}, x); }
Tensor softplus(const Tensor& x, double beta, double threshold) {
  return map("softplus", F, fn::Softplus{beta, threshold}, x);
}
Tensor clamp(const Tensor& x, double lo, double hi) {
  if (lo > hi) throw std::invalid_argument("clamp: lo (" + std::to_string(lo) + ") > hi (" + std::to_string(hi) + ")");
  return map("clamp", N, fn::Clamp{lo, hi}, x);
}
Tensor sign(const Tensor& x) { return map("sign", N, fn::Sign{}, x); }
Tensor floor(const Tensor& x) { return map("floor", F, fn::Floor{}, x); }
Tensor round(const Tensor& x) { return map("round", F, fn::Round{}, x); }

Tensor eq(const Tensor& a, const Tensor& b) { return map("eq", N, fn::Eq{}, a, b); }
Tensor ne(const Tensor& a, const Tensor& b) { return map("ne", N, fn::Ne{}, a, b); }
Tensor lt(const Tensor& a, const Tensor& b) { return map("lt", N, fn::Lt{}, a, b); }
Tensor le(const Tensor& a, const Tensor& b) { return map("le", N, fn::Le{}, a, b); }
Tensor gt(const Tensor& a, const Tensor& b) { return map("gt", N, fn::Gt{}, a, b); }
Tensor ge(const Tensor& a, const Tensor& b) { return map("ge", N, fn::Ge{}, a, b); }
Tensor gt(const Tensor& a, double s) { return gt(a, scalar_tensor(s, a.options())); }
Tensor lt(const Tensor& a, double s) { return lt(a, scalar_tensor(s, a.options())); }

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  cond.check_dtype(DType::boolean, "where (condition)");
  check_same_device("where", cond, a, b);
  const DType dt = promote_types(a.dtype(), b.dtype());
  const Shape shape = broadcast_shapes(cond.sizes(), broadcast_shapes(a.sizes(), b.sizes(), "where"), "where");
  Tensor out = Tensor::empty(shape, TensorOptions(dt, a.device()));
  Tensor c = expand(cond, shape), x = detail::prepare(a, dt, shape), y = detail::prepare(b, dt, shape);
  HG_ON_CUDA(out, cuda::where_into(out, c, x, y));
  require_cpu("where", cond, a, b);
  dispatch_all(dt, "where", [&]<class T>() {
    strided_apply4<T, bool, T, T>(out, c, x, y, [](T& o, const bool& k, const T& p, const T& q) { o = fn::Where{}(k, p, q); });
  });
  return out;
}

void add_(const Tensor& dst, const Tensor& src) { axpy_(dst, 1.0, src); }

// dst = max(0, dst + src) (fn::AddRelu): a residual sum and its activation in one pass
void add_relu_(const Tensor& dst, const Tensor& src) { map_inplace("add_relu_", N, fn::AddRelu{}, dst, src); }

// dst = dst + alpha src (fn::AddScaled, in dst's compute type)
void axpy_(const Tensor& dst, double alpha, const Tensor& src) { map_inplace("axpy_", F, fn::AddScaled{alpha}, dst, src); }

// dst = dst * s (fn::MulScalar); floating only
void mul_(const Tensor& dst, double s) { map_inplace("mul_", F, fn::MulScalar{s}, dst); }

void fill_(const Tensor& dst, double value) {
  HG_ON_CUDA(dst, cuda::fill(dst, value));
  require_cpu("fill_", dst);
  dispatch_all(dst.dtype(), "fill_", [&]<class T>() {
    const T v = static_cast<T>(value);
    strided_apply1<T>(dst, [v](T& d) { d = v; });
  });
}

void zero_(const Tensor& dst) { fill_(dst, 0.0); }

bool all_finite(const Tensor& x) {
  if (!is_floating(x.dtype())) return true;
  HG_ON_CUDA(x, cuda::all_finite(x));
  require_cpu("all_finite", x);
  bool ok = true;
  dispatch_float(x.dtype(), "all_finite", [&]<class T>() {
    Tensor c = contiguous(x);
    const T* p = c.data<T>();
    const int64_t n = c.numel();
    bool all_ok = true;
#pragma omp parallel for reduction(&& : all_ok) if (n > 65536)
    for (int64_t i = 0; i < n; ++i) all_ok = all_ok && fn::is_finite(static_cast<compute_t<T>>(p[i]));
    ok = all_ok;
  });
  return ok;
}

}  // namespace hg::ops
