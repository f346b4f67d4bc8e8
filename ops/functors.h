// Element-wise formulas, written once for every backend.
//
// Each functor maps compute-type values (float for f32/f16/bf16, double for f64, the integer type
// for integers) to a result. The CPU kernels (ops/cpu/) and the CUDA kernels (ops/cuda/) both
// instantiate these same structs, so the CPU tests cover the arithmetic the GPU runs.
// Backward functors are named *Grad and take (grad_output, saved values...).
#pragma once
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "tensor/host_device.h"

namespace hg::fn {

// a < 0; false for unsigned types without comparing (nvcc warns on "unsigned < 0").
template <class T>
HG_HOST_DEVICE bool is_negative(T a) {
  if constexpr (std::is_unsigned_v<T>) {
    return false;
  } else {
    return a < T(0);
  }
}

// ---- binary arithmetic ----
struct Add { template <class T> HG_HOST_DEVICE T operator()(T a, T b) const { return a + b; } };
struct Sub { template <class T> HG_HOST_DEVICE T operator()(T a, T b) const { return a - b; } };
struct Mul { template <class T> HG_HOST_DEVICE T operator()(T a, T b) const { return a * b; } };
struct Div { template <class T> HG_HOST_DEVICE T operator()(T a, T b) const { return a / b; } };
struct Maximum {  // NaN-propagating, like torch.maximum
  template <class T> HG_HOST_DEVICE T operator()(T a, T b) const { return (a != a || a > b) ? a : b; }
};
struct Minimum {
  template <class T> HG_HOST_DEVICE T operator()(T a, T b) const { return (a != a || a < b) ? a : b; }
};
struct Pow { template <class T> HG_HOST_DEVICE T operator()(T a, T b) const { using std::pow; return pow(a, b); } };
struct Atan2 { template <class T> HG_HOST_DEVICE T operator()(T y, T x) const { using std::atan2; return atan2(y, x); } };

// ---- with a scalar parameter ----
struct AddScalar { double s; template <class T> HG_HOST_DEVICE T operator()(T a) const { return a + T(s); } };
struct MulScalar { double s; template <class T> HG_HOST_DEVICE T operator()(T a) const { return a * T(s); } };
struct RSubScalar { double s; template <class T> HG_HOST_DEVICE T operator()(T a) const { return T(s) - a; } };
struct PowScalar {  // x^p; integer p = 2 and 0.5 take exact fast paths
  double p;
  template <class T> HG_HOST_DEVICE T operator()(T a) const {
    using std::pow;
    using std::sqrt;
    if (p == 2.0) return a * a;
    if (p == 1.0) return a;
    if (p == 0.5) return sqrt(a);
    return pow(a, T(p));
  }
};
struct LeakyRelu { double slope; template <class T> HG_HOST_DEVICE T operator()(T x) const { return x > T(0) ? x : x * T(slope); } };
struct Clamp {  // clamp to [lo, hi]; NaN stays NaN
  double lo, hi;
  template <class T> HG_HOST_DEVICE T operator()(T x) const { return x < T(lo) ? T(lo) : (x > T(hi) ? T(hi) : x); }
};
// softplus(x) = log(1 + exp(beta x)) / beta, linear above `threshold` (as torch)
struct Softplus {
  double beta, threshold;
  template <class T> HG_HOST_DEVICE T operator()(T x) const {
    using std::exp;
    using std::log1p;
    const T bx = T(beta) * x;
    return bx > T(threshold) ? x : log1p(exp(bx)) / T(beta);
  }
};

// ---- unary ----
struct Neg { template <class T> HG_HOST_DEVICE T operator()(T a) const { return -a; } };
struct Abs { template <class T> HG_HOST_DEVICE T operator()(T a) const { return is_negative(a) ? T(-a) : a; } };
struct Exp { template <class T> HG_HOST_DEVICE T operator()(T a) const { using std::exp; return exp(a); } };
struct Log { template <class T> HG_HOST_DEVICE T operator()(T a) const { using std::log; return log(a); } };
struct Log1p { template <class T> HG_HOST_DEVICE T operator()(T a) const { using std::log1p; return log1p(a); } };
struct Sqrt { template <class T> HG_HOST_DEVICE T operator()(T a) const { using std::sqrt; return sqrt(a); } };
struct Rsqrt { template <class T> HG_HOST_DEVICE T operator()(T a) const { using std::sqrt; return T(1) / sqrt(a); } };
struct Square { template <class T> HG_HOST_DEVICE T operator()(T a) const { return a * a; } };
struct Sin { template <class T> HG_HOST_DEVICE T operator()(T a) const { using std::sin; return sin(a); } };
struct Cos { template <class T> HG_HOST_DEVICE T operator()(T a) const { using std::cos; return cos(a); } };
struct Tanh { template <class T> HG_HOST_DEVICE T operator()(T a) const { using std::tanh; return tanh(a); } };
struct Sigmoid {  // 1 / (1 + e^-x), evaluated so that neither branch overflows
  template <class T> HG_HOST_DEVICE T operator()(T a) const {
    using std::exp;
    if (a >= T(0)) return T(1) / (T(1) + exp(-a));
    const T e = exp(a);
    return e / (T(1) + e);
  }
};
struct Relu { template <class T> HG_HOST_DEVICE T operator()(T a) const { return a > T(0) ? a : T(0); } };
// relu(a + b) in one pass (a residual block's sum and activation at inference)
struct AddRelu {
  template <class T> HG_HOST_DEVICE T operator()(T a, T b) const { const T s = a + b; return s > T(0) ? s : T(0); }
};
struct Sign { template <class T> HG_HOST_DEVICE T operator()(T a) const { return T(int(a > T(0)) - int(is_negative(a))); } };
struct Floor { template <class T> HG_HOST_DEVICE T operator()(T a) const { using std::floor; return floor(a); } };
struct Round {  // half to even, like torch.round
  template <class T> HG_HOST_DEVICE T operator()(T a) const { using std::nearbyint; return nearbyint(a); }
};

// ---- comparisons (result is bool) ----
struct Eq { template <class T> HG_HOST_DEVICE bool operator()(T a, T b) const { return a == b; } };
struct Ne { template <class T> HG_HOST_DEVICE bool operator()(T a, T b) const { return a != b; } };
struct Lt { template <class T> HG_HOST_DEVICE bool operator()(T a, T b) const { return a < b; } };
struct Le { template <class T> HG_HOST_DEVICE bool operator()(T a, T b) const { return a <= b; } };
struct Gt { template <class T> HG_HOST_DEVICE bool operator()(T a, T b) const { return a > b; } };
struct Ge { template <class T> HG_HOST_DEVICE bool operator()(T a, T b) const { return a >= b; } };

// ---- derivatives (g = incoming gradient) ----
struct ReluGrad { template <class T> HG_HOST_DEVICE T operator()(T g, T x) const { return x > T(0) ? g : T(0); } };
struct LeakyReluGrad {
  double slope;
  template <class T> HG_HOST_DEVICE T operator()(T g, T x) const { return x > T(0) ? g : g * T(slope); }
};
struct SigmoidGrad { template <class T> HG_HOST_DEVICE T operator()(T g, T y) const { return g * y * (T(1) - y); } };  // y(1-y)
struct TanhGrad { template <class T> HG_HOST_DEVICE T operator()(T g, T y) const { return g * (T(1) - y * y); } };     // 1-y²
struct AbsGrad { template <class T> HG_HOST_DEVICE T operator()(T g, T x) const { return x > T(0) ? g : (x < T(0) ? -g : T(0)); } };
struct SqrtGrad { template <class T> HG_HOST_DEVICE T operator()(T g, T y) const { return g / (T(2) * y); } };        // 1/(2√x)
struct RsqrtGrad { template <class T> HG_HOST_DEVICE T operator()(T g, T y) const { return T(-0.5) * g * y * y * y; } };  // -x^{-3/2}/2
struct ClampGrad {  // passes the gradient where lo < x < hi (and at the bounds, as torch does)
  double lo, hi;
  template <class T> HG_HOST_DEVICE T operator()(T g, T x) const { return (x >= T(lo) && x <= T(hi)) ? g : T(0); }
};
struct SoftplusGrad {  // sigmoid(beta x), 1 above the threshold
  double beta, threshold;
  template <class T> HG_HOST_DEVICE T operator()(T g, T x) const {
    using std::exp;
    const T bx = T(beta) * x;
    if (bx > T(threshold)) return g;
    const T z = exp(-bx);
    return g / (T(1) + z);
  }
};
struct PowScalarGrad {  // p x^(p-1)
  double p;
  template <class T> HG_HOST_DEVICE T operator()(T g, T x) const {
    using std::pow;
    if (p == 0.0) return T(0);
    if (p == 1.0) return g;
    if (p == 2.0) return T(2) * x * g;
    return g * T(p) * pow(x, T(p - 1.0));
  }
};
struct MaximumGradA {  // d max(a,b)/da: 1 where a > b, 1/2 on ties (as torch)
  template <class T> HG_HOST_DEVICE T operator()(T g, T a, T b) const { return a > b ? g : (a == b ? g / T(2) : T(0)); }
};
struct MinimumGradA {
  template <class T> HG_HOST_DEVICE T operator()(T g, T a, T b) const { return a < b ? g : (a == b ? g / T(2) : T(0)); }
};
struct Atan2GradY {  // d atan2(y,x)/dy = x / (x² + y²)
  template <class T> HG_HOST_DEVICE T operator()(T g, T y, T x) const { return g * x / (x * x + y * y); }
};
struct Atan2GradX {  // d atan2(y,x)/dx = -y / (x² + y²)
  template <class T> HG_HOST_DEVICE T operator()(T g, T y, T x) const { return -g * y / (x * x + y * y); }
};
struct PowGradBase {  // d a^b / da = b a^(b-1)
  template <class T> HG_HOST_DEVICE T operator()(T g, T a, T b) const { using std::pow; return g * b * pow(a, b - T(1)); }
};
struct PowGradExponent {  // d a^b / db = a^b log a (0 where a = 0)
  template <class T> HG_HOST_DEVICE T operator()(T g, T a, T b) const {
    using std::log;
    using std::pow;
    return a > T(0) ? g * pow(a, b) * log(a) : T(0);
  }
};
struct DivGradB {  // d (a/b) / db = -a / b²
  template <class T> HG_HOST_DEVICE T operator()(T g, T a, T b) const { return -g * a / (b * b); }
};
struct Where {  // c ? a : b
  template <class T> HG_HOST_DEVICE T operator()(bool c, T a, T b) const { return c ? a : b; }
};

// ---- in-place updates (dst = f(dst, src)) ----
struct AddScaled {  // a + alpha b: axpy_
  double alpha;
  template <class T> HG_HOST_DEVICE T operator()(T a, T b) const { return a + T(alpha) * b; }
};

// ---- the list of every functor above ----
// By arity and dtype domain: "numeric" = f32 f64 f16 bf16 i32 i64 u8, "floating" = f32 f64 f16 bf16;
// predicates are binary, numeric, with a bool result. ops::map() accepts only listed functors (a
// static_assert) and only with their listed domain (std::logic_error otherwise), and the CUDA backend
// instantiates its map kernels from these lists (ops/cuda/map_*.cu) for every dtype of the domain —
// so a functor added above without its entry here fails to compile wherever map() runs it, and
// tests/ops/test_functor_list.cpp fails while any struct of this file is missing from the lists.
#define HG_FN_UNARY_NUMERIC(X) \
  X(AddScalar) X(MulScalar) X(RSubScalar) X(Clamp) X(Neg) X(Abs) X(Square) X(Relu) X(Sign)
#define HG_FN_UNARY_FLOATING(X)                                                                          \
  X(PowScalar) X(LeakyRelu) X(Softplus) X(Exp) X(Log) X(Log1p) X(Sqrt) X(Rsqrt) X(Sin) X(Cos) X(Tanh) \
  X(Sigmoid) X(Floor) X(Round)
#define HG_FN_BINARY_NUMERIC(X) X(Add) X(Sub) X(Mul) X(Maximum) X(Minimum) X(AddRelu)
#define HG_FN_PREDICATE(X) X(Eq) X(Ne) X(Lt) X(Le) X(Gt) X(Ge)
#define HG_FN_BINARY_FLOATING(X)                                                                       \
  X(Div) X(Pow) X(Atan2) X(AddScaled) X(ReluGrad) X(LeakyReluGrad) X(SigmoidGrad) X(TanhGrad) X(AbsGrad) \
  X(SqrtGrad) X(RsqrtGrad) X(ClampGrad) X(SoftplusGrad) X(PowScalarGrad)
#define HG_FN_TERNARY_FLOATING(X) \
  X(MaximumGradA) X(MinimumGradA) X(Atan2GradY) X(Atan2GradX) X(PowGradBase) X(PowGradExponent) X(DivGradB)
// (bool, T, T) -> T: run by ops::where (CPU and CUDA), not by map().
#define HG_FN_SELECT(X) X(Where)

// What the lists say about a functor type, for map() and the CUDA launchers.
template <class F>
struct functor_traits {
  static constexpr bool listed = false;
  static constexpr int arity = 0;
  static constexpr bool floating_only = false;
  static constexpr bool predicate = false;
};
#define HG_FN_TRAITS_(name, n, floating, pred)       \
  template <>                                        \
  struct functor_traits<name> {                      \
    static constexpr bool listed = true;             \
    static constexpr int arity = n;                  \
    static constexpr bool floating_only = floating;  \
    static constexpr bool predicate = pred;          \
  };
#define HG_FN_TRAITS_UNARY_NUMERIC_(name) HG_FN_TRAITS_(name, 1, false, false)
#define HG_FN_TRAITS_UNARY_FLOATING_(name) HG_FN_TRAITS_(name, 1, true, false)
#define HG_FN_TRAITS_BINARY_NUMERIC_(name) HG_FN_TRAITS_(name, 2, false, false)
#define HG_FN_TRAITS_PREDICATE_(name) HG_FN_TRAITS_(name, 2, false, true)
#define HG_FN_TRAITS_BINARY_FLOATING_(name) HG_FN_TRAITS_(name, 2, true, false)
#define HG_FN_TRAITS_TERNARY_FLOATING_(name) HG_FN_TRAITS_(name, 3, true, false)
HG_FN_UNARY_NUMERIC(HG_FN_TRAITS_UNARY_NUMERIC_)
HG_FN_UNARY_FLOATING(HG_FN_TRAITS_UNARY_FLOATING_)
HG_FN_BINARY_NUMERIC(HG_FN_TRAITS_BINARY_NUMERIC_)
HG_FN_PREDICATE(HG_FN_TRAITS_PREDICATE_)
HG_FN_BINARY_FLOATING(HG_FN_TRAITS_BINARY_FLOATING_)
HG_FN_TERNARY_FLOATING(HG_FN_TRAITS_TERNARY_FLOATING_)
#undef HG_FN_TRAITS_UNARY_NUMERIC_
#undef HG_FN_TRAITS_UNARY_FLOATING_
#undef HG_FN_TRAITS_BINARY_NUMERIC_
#undef HG_FN_TRAITS_PREDICATE_
#undef HG_FN_TRAITS_BINARY_FLOATING_
#undef HG_FN_TRAITS_TERNARY_FLOATING_
#undef HG_FN_TRAITS_

}  // namespace hg::fn
