// Element-wise formulas, written once for every backend.
//
// Each functor maps compute-type values (float for f32/f16/bf16, double for f64, the integer type
// for integers) to a result. The CPU kernels (ops/cpu/) and the CUDA kernels (ops/cuda/) both
// instantiate these same structs, so the CPU tests cover the arithmetic the GPU runs.
// Backward functors are named *Grad and take (grad_output, saved values...).
#pragma once
#include <cmath>

#include "tensor/host_device.h"

namespace hg::fn {

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
struct Abs { template <class T> HG_HOST_DEVICE T operator()(T a) const { return a < T(0) ? -a : a; } };
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
struct Sign { template <class T> HG_HOST_DEVICE T operator()(T a) const { return T((a > T(0)) - (a < T(0))); } };
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

}  // namespace hg::fn
