// Element-wise ops on CUDA vs the CPU op on the same inputs: every functor of ops/functors.h through
// map() (unary, binary, ternary derivative functors, predicates), where, the in-place helpers,
// all_finite, cross and the batched 3x3 helpers, views/copies/cat on the device; broadcasting,
// non-contiguous operands, every dtype of each op's domain, empty tensors, NaN/inf, determinism.
// Tolerances (relative to max(1, max |expected|)): f64 1e-12, f32 1e-5, f16 1e-2, bf16 2e-2;
// integer and bool results exactly. Skipped without a GPU.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "autograd/shape.h"
#include "ops/functors.h"
#include "ops/linalg.h"
#include "ops/map.h"
#include "ops/pointwise.h"
#include "tensor/factory.h"
#include "tensor/philox.h"
#include "tensor/view.h"
#include "tests/common/compare.h"
#include "tests/common/gpu_test.h"

namespace hg {
namespace {

using testing::kGpu;
using testing::tolerance;
using testing::gpu;
using testing::Matches;

const std::vector<DType> kFloating = {DType::f64, DType::f32, DType::f16, DType::bf16};
const std::vector<DType> kNumeric = {DType::f64, DType::f32, DType::f16, DType::bf16, DType::i32, DType::i64, DType::u8};


// Random values in [lo, hi) of dtype dt (integers: rounded), on the CPU.
Tensor random(const Shape& shape, DType dt, double lo, double hi, uint64_t seed) {
  Generator g(seed);
  Tensor u = ops::add(ops::mul(rand(shape, DType::f64, &g), hi - lo), lo);
  if (!is_floating(dt)) u = ops::round(u);
  return ops::to_dtype(u, dt);
}

// x with a NaN, +inf and -inf planted (floating dtypes).
Tensor with_specials(const Tensor& x) {
  Tensor c = ops::clone(x);
  if (!is_floating(c.dtype()) || c.numel() < 3) return c;
  Tensor flat = ops::reshape(c, {-1});
  ops::fill_(ops::select(flat, 0, 0), NAN);
  ops::fill_(ops::select(flat, 0, 1), INFINITY);
  ops::fill_(ops::select(flat, 0, 2), -INFINITY);
  return c;
}

using Unary = std::function<Tensor(const Tensor&)>;
struct UnaryCase {
  std::string name;
  Unary op;
  bool numeric;   // also integer dtypes
  double lo, hi;  // input range (u8 draws from [0, hi))
  bool u8 = true;  // false: a negative scalar parameter, which has no u8 value
};

std::vector<UnaryCase> unary_cases() {
  return {
      {"neg", [](const Tensor& x) { return ops::neg(x); }, true, -5, 5},
      {"abs", [](const Tensor& x) { return ops::abs(x); }, true, -5, 5},
      {"square", [](const Tensor& x) { return ops::square(x); }, true, -5, 5},
      {"relu", [](const Tensor& x) { return ops::relu(x); }, true, -5, 5},
      {"sign", [](const Tensor& x) { return ops::sign(x); }, true, -5, 5},
      {"clamp", [](const Tensor& x) { return ops::clamp(x, 1, 4); }, true, -5, 5},
      {"clamp_negative", [](const Tensor& x) { return ops::clamp(x, -1.5, 2); }, true, -5, 5, false},
      {"add_scalar", [](const Tensor& x) { return ops::add(x, 3.0); }, true, -5, 5},
      {"mul_scalar", [](const Tensor& x) { return ops::mul(x, -2.0); }, true, -5, 5, false},
      {"rsub", [](const Tensor& x) { return ops::rsub(x, 1.0); }, true, -5, 5},
      {"exp", [](const Tensor& x) { return ops::exp(x); }, false, -4, 4},
      {"log", [](const Tensor& x) { return ops::log(x); }, false, 0.1, 9},
      {"log1p", [](const Tensor& x) { return ops::log1p(x); }, false, -0.9, 9},
      {"sqrt", [](const Tensor& x) { return ops::sqrt(x); }, false, 0.1, 9},
      {"rsqrt", [](const Tensor& x) { return ops::rsqrt(x); }, false, 0.1, 9},
      {"sin", [](const Tensor& x) { return ops::sin(x); }, false, -6, 6},
      {"cos", [](const Tensor& x) { return ops::cos(x); }, false, -6, 6},
      {"tanh", [](const Tensor& x) { return ops::tanh(x); }, false, -4, 4},
      {"sigmoid", [](const Tensor& x) { return ops::sigmoid(x); }, false, -30, 30},
      {"leaky_relu", [](const Tensor& x) { return ops::leaky_relu(x, 0.1); }, false, -5, 5},
      {"softplus", [](const Tensor& x) { return ops::softplus(x, 2.0, 20.0); }, false, -20, 20},
      {"pow_scalar", [](const Tensor& x) { return ops::pow(x, 1.7); }, false, 0.1, 4},
      {"pow_2", [](const Tensor& x) { return ops::pow(x, 2.0); }, false, -3, 3},
      {"pow_half", [](const Tensor& x) { return ops::pow(x, 0.5); }, false, 0.1, 3},
      {"floor", [](const Tensor& x) { return ops::floor(x); }, false, -5, 5},
      {"round", [](const Tensor& x) { return ops::round(x); }, false, -5, 5},
  };
}

TEST(PointwiseGpu, UnaryEveryDtypeContiguousAndStrided) {
  REQUIRE_GPU();
  uint64_t seed = 1;
  for (const UnaryCase& c : unary_cases())
    for (DType dt : c.numeric ? kNumeric : kFloating) {
      if (dt == DType::u8 && !c.u8) continue;
      SCOPED_TRACE(c.name + " " + dtype_name(dt));
      const Tensor x = random({6, 9}, dt, dt == DType::u8 ? 0.0 : c.lo, c.hi, seed++);
      EXPECT_TRUE(Matches(c.op(gpu(x)), c.op(x), tolerance(dt)));
      const Tensor xt = ops::transpose(x, 0, 1);  // non-contiguous on both devices
      EXPECT_TRUE(Matches(c.op(ops::transpose(gpu(x), 0, 1)), c.op(xt), tolerance(dt)));
      if (is_floating(dt)) {
        const Tensor s = with_specials(x);
        EXPECT_TRUE(Matches(c.op(gpu(s)), c.op(s), tolerance(dt)));
      }
    }
}

TEST(PointwiseGpu, BinaryBroadcastPromotionAndComparisons) {
  REQUIRE_GPU();
  using Binary = std::function<Tensor(const Tensor&, const Tensor&)>;
  const std::vector<std::pair<std::string, Binary>> numeric = {
      {"add", [](const Tensor& a, const Tensor& b) { return ops::add(a, b); }},
      {"sub", [](const Tensor& a, const Tensor& b) { return ops::sub(a, b); }},
      {"mul", [](const Tensor& a, const Tensor& b) { return ops::mul(a, b); }},
      {"maximum", [](const Tensor& a, const Tensor& b) { return ops::maximum(a, b); }},
      {"minimum", [](const Tensor& a, const Tensor& b) { return ops::minimum(a, b); }},
      {"eq", [](const Tensor& a, const Tensor& b) { return ops::eq(a, b); }},
      {"ne", [](const Tensor& a, const Tensor& b) { return ops::ne(a, b); }},
      {"lt", [](const Tensor& a, const Tensor& b) { return ops::lt(a, b); }},
      {"le", [](const Tensor& a, const Tensor& b) { return ops::le(a, b); }},
      {"gt", [](const Tensor& a, const Tensor& b) { return ops::gt(a, b); }},
      {"ge", [](const Tensor& a, const Tensor& b) { return ops::ge(a, b); }},
      {"gt_scalar", [](const Tensor& a, const Tensor&) { return ops::gt(a, 2.0); }},
      {"lt_scalar", [](const Tensor& a, const Tensor&) { return ops::lt(a, 2.0); }},
  };
  const std::vector<std::pair<std::string, Binary>> floating = {
      {"div", [](const Tensor& a, const Tensor& b) { return ops::div(a, b); }},
      {"pow", [](const Tensor& a, const Tensor& b) { return ops::pow(ops::abs(a), b); }},
      {"atan2", [](const Tensor& a, const Tensor& b) { return ops::atan2(a, b); }},
  };
  uint64_t seed = 100;
  auto run = [&](const std::vector<std::pair<std::string, Binary>>& cases, const std::vector<DType>& dtypes) {
    for (const auto& [name, op] : cases)
      for (DType dt : dtypes) {
        SCOPED_TRACE(name + " " + dtype_name(dt));
        const double lo = dt == DType::u8 ? 0 : -4;
        const Tensor a = random({4, 1, 3}, dt, lo, 4, seed++), b = random({5, 1}, dt, lo, 4, seed++);
        const Tensor expected = op(a, b);
        const double tol = expected.dtype() == DType::boolean ? 0 : tolerance(dt);
        EXPECT_TRUE(Matches(op(gpu(a), gpu(b)), expected, tol));
        const Tensor sa = with_specials(a), sb = with_specials(b);
        EXPECT_TRUE(Matches(op(gpu(sa), gpu(sb)), op(sa, sb), tol));
      }
  };
  run(numeric, kNumeric);
  run(floating, kFloating);
  // mixed dtypes promote as on the CPU
  const Tensor a = random({3, 4}, DType::f32, -1, 1, 7), b = random({4}, DType::f64, -1, 1, 8);
  const Tensor i = random({3, 1}, DType::i32, -3, 3, 9);
  EXPECT_TRUE(Matches(ops::add(gpu(a), gpu(b)), ops::add(a, b), 1e-12));
  EXPECT_TRUE(Matches(ops::mul(gpu(i), gpu(a)), ops::mul(i, a), 1e-5));
  // errors are the CPU's
  EXPECT_THROW(ops::add(gpu(a), gpu(random({5}, DType::f32, 0, 1, 1))), std::invalid_argument);
  EXPECT_THROW(ops::add(gpu(a), a), std::invalid_argument);  // different devices
  EXPECT_THROW(ops::exp(gpu(i)), std::invalid_argument);     // floating op on integers
}

// The derivative functors autograd runs through map(), on the device.
TEST(PointwiseGpu, DerivativeFunctorsThroughMap) {
  REQUIRE_GPU();
  constexpr auto F = ops::MapDomain::floating;
  uint64_t seed = 200;
  for (DType dt : kFloating) {
    SCOPED_TRACE(dtype_name(dt));
    const Tensor g = random({7, 5}, dt, -2, 2, seed++), x = random({7, 5}, dt, -3, 3, seed++);
    const Tensor y = random({5}, dt, 0.2, 0.9, seed++), p = random({7, 5}, dt, 0.3, 3, seed++);
    const Tensor G = gpu(g), X = gpu(x), Y = gpu(y), P = gpu(p);
    const double tol = tolerance(dt);
    EXPECT_TRUE(Matches(ops::map("t", F, fn::ReluGrad{}, G, X), ops::map("t", F, fn::ReluGrad{}, g, x), tol));
    EXPECT_TRUE(Matches(ops::map("t", F, fn::LeakyReluGrad{0.2}, G, X), ops::map("t", F, fn::LeakyReluGrad{0.2}, g, x), tol));
    EXPECT_TRUE(Matches(ops::map("t", F, fn::SigmoidGrad{}, G, Y), ops::map("t", F, fn::SigmoidGrad{}, g, y), tol));
    EXPECT_TRUE(Matches(ops::map("t", F, fn::TanhGrad{}, G, Y), ops::map("t", F, fn::TanhGrad{}, g, y), tol));
    EXPECT_TRUE(Matches(ops::map("t", F, fn::AbsGrad{}, G, X), ops::map("t", F, fn::AbsGrad{}, g, x), tol));
    EXPECT_TRUE(Matches(ops::map("t", F, fn::SqrtGrad{}, G, P), ops::map("t", F, fn::SqrtGrad{}, g, p), tol));
    EXPECT_TRUE(Matches(ops::map("t", F, fn::RsqrtGrad{}, G, P), ops::map("t", F, fn::RsqrtGrad{}, g, p), tol));
    EXPECT_TRUE(Matches(ops::map("t", F, fn::ClampGrad{-1, 1}, G, X), ops::map("t", F, fn::ClampGrad{-1, 1}, g, x), tol));
    EXPECT_TRUE(Matches(ops::map("t", F, fn::SoftplusGrad{1.5, 3}, G, X), ops::map("t", F, fn::SoftplusGrad{1.5, 3}, g, x), tol));
    EXPECT_TRUE(Matches(ops::map("t", F, fn::PowScalarGrad{2.5}, G, P), ops::map("t", F, fn::PowScalarGrad{2.5}, g, p), tol));
    EXPECT_TRUE(Matches(ops::map("t", F, fn::AddScaled{-0.5}, G, X), ops::map("t", F, fn::AddScaled{-0.5}, g, x), tol));
    EXPECT_TRUE(Matches(ops::map("t", F, fn::MaximumGradA{}, G, X, ops::round(X)), ops::map("t", F, fn::MaximumGradA{}, g, x, ops::round(x)), tol));
    EXPECT_TRUE(Matches(ops::map("t", F, fn::MinimumGradA{}, G, X, ops::round(X)), ops::map("t", F, fn::MinimumGradA{}, g, x, ops::round(x)), tol));
    EXPECT_TRUE(Matches(ops::map("t", F, fn::Atan2GradY{}, G, X, P), ops::map("t", F, fn::Atan2GradY{}, g, x, p), tol));
    EXPECT_TRUE(Matches(ops::map("t", F, fn::Atan2GradX{}, G, X, P), ops::map("t", F, fn::Atan2GradX{}, g, x, p), tol));
    EXPECT_TRUE(Matches(ops::map("t", F, fn::PowGradBase{}, G, P, X), ops::map("t", F, fn::PowGradBase{}, g, p, x), tol));
    EXPECT_TRUE(Matches(ops::map("t", F, fn::PowGradExponent{}, G, P, X), ops::map("t", F, fn::PowGradExponent{}, g, p, x), tol));
    EXPECT_TRUE(Matches(ops::map("t", F, fn::DivGradB{}, G, X, P), ops::map("t", F, fn::DivGradB{}, g, x, p), tol));
  }
}

TEST(PointwiseGpu, WhereInPlaceHelpersAllFinite) {
  REQUIRE_GPU();
  uint64_t seed = 300;
  std::vector<DType> every = kNumeric;
  every.push_back(DType::boolean);
  for (DType dt : every) {
    SCOPED_TRACE(dtype_name(dt));
    const Tensor c = ops::gt(random({4, 6}, DType::f32, 0, 1, seed++), 0.5);
    const Tensor a = random({4, 6}, dt, 0, 9, seed++), b = random({6}, dt, 0, 9, seed++);
    EXPECT_TRUE(Matches(ops::where(gpu(c), gpu(a), gpu(b)), ops::where(c, a, b), 0));
    // fill_ / zero_ through a strided view
    Tensor hc = ops::clone(a), dc = gpu(a);
    ops::fill_(ops::transpose(ops::narrow(hc, 1, 1, 3), 0, 1), 7.0);
    ops::fill_(ops::transpose(ops::narrow(dc, 1, 1, 3), 0, 1), 7.0);
    EXPECT_TRUE(Matches(dc, hc, 0));
    ops::zero_(dc);
    EXPECT_TRUE(Matches(dc, zeros({4, 6}, dt), 0));
  }
  for (DType dt : kFloating) {
    SCOPED_TRACE(dtype_name(dt));
    const Tensor a = random({5, 4}, dt, -2, 2, seed++), s = random({4}, DType::f32, -2, 2, seed++);
    Tensor h = ops::clone(a), d = gpu(a);
    ops::axpy_(ops::transpose(h, 0, 1), 0.5, ops::reshape(s, {4, 1}));  // src converted and broadcast
    ops::axpy_(ops::transpose(d, 0, 1), 0.5, gpu(ops::reshape(s, {4, 1})));
    EXPECT_TRUE(Matches(d, h, tolerance(dt)));
    ops::add_(h, s);
    ops::add_(d, gpu(s));
    EXPECT_TRUE(Matches(d, h, tolerance(dt)));
    ops::mul_(h, -3.0);
    ops::mul_(d, -3.0);
    EXPECT_TRUE(Matches(d, h, tolerance(dt)));
    EXPECT_TRUE(ops::all_finite(d));
    EXPECT_FALSE(ops::all_finite(gpu(with_specials(a))));
    Tensor one_nan = ops::clone(d);
    ops::fill_(ops::select(ops::select(one_nan, 0, 4), 0, 3), NAN);  // the last element only
    EXPECT_FALSE(ops::all_finite(one_nan));
  }
  EXPECT_TRUE(ops::all_finite(gpu(zeros({0}, DType::f32))));
  EXPECT_THROW(ops::mul_(gpu(zeros({2}, DType::i32)), 2.0), std::invalid_argument);
}

TEST(PointwiseGpu, EmptyTensorsAndDeterminism) {
  REQUIRE_GPU();
  const Tensor e = zeros({0, 3}, DType::f32);
  EXPECT_EQ(ops::exp(gpu(e)).sizes(), (Shape{0, 3}));
  EXPECT_EQ(ops::add(gpu(e), gpu(zeros({3}, DType::f32))).sizes(), (Shape{0, 3}));
  EXPECT_EQ(ops::where(gpu(zeros({0, 3}, DType::boolean)), gpu(e), gpu(e)).sizes(), (Shape{0, 3}));
  const Tensor x = gpu(random({257, 129}, DType::f32, -3, 3, 11));
  const Tensor y = gpu(random({129}, DType::f32, -3, 3, 12));
  EXPECT_TRUE(testing::BitEqual(ops::atan2(x, y), ops::atan2(x, y)));
  EXPECT_TRUE(testing::BitEqual(ops::softplus(x, 1, 20), ops::softplus(x, 1, 20)));
}

TEST(PointwiseGpu, ViewsCopiesCatAndSmall3x3) {
  REQUIRE_GPU();
  const Tensor a = random({2, 3, 4}, DType::f64, -1, 1, 400);
  const Tensor A = gpu(a);
  EXPECT_TRUE(Matches(ops::contiguous(ops::permute(A, {2, 0, 1})), ops::contiguous(ops::permute(a, {2, 0, 1})), 0));
  EXPECT_TRUE(Matches(ops::clone(ops::expand(ops::slice(A, 2, 0, 1), {2, 3, 5})), ops::clone(ops::expand(ops::slice(a, 2, 0, 1), {2, 3, 5})), 0));
  EXPECT_TRUE(Matches(ops::to_dtype(A, DType::bf16), ops::to_dtype(a, DType::bf16), 0));
  EXPECT_TRUE(Matches(cat({A, ops::mul(A, 2.0)}, 1), cat({a, ops::mul(a, 2.0)}, 1), 0));
  EXPECT_TRUE(Matches(stack({A, A}, 2), stack({a, a}, 2), 0));
  const auto parts = split(A, 3, 2);
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_TRUE(Matches(ops::clone(parts[1]), ops::clone(split(a, 3, 2)[1]), 0));

  for (DType dt : {DType::f64, DType::f32}) {
    SCOPED_TRACE(dtype_name(dt));
    const Tensor m = random({5, 3, 3}, dt, -2, 2, 401), v = random({5, 3}, dt, -2, 2, 402);
    const Tensor M = gpu(m);
    EXPECT_TRUE(Matches(ops::det3(M), ops::det3(m), tolerance(dt)));
    EXPECT_TRUE(Matches(ops::cofactor3(M), ops::cofactor3(m), tolerance(dt)));
    EXPECT_TRUE(Matches(ops::inverse3(M), ops::inverse3(m), tolerance(dt) * 100));  // conditioning
    const Tensor w = random({3}, dt, -2, 2, 403);  // broadcast over the batch
    EXPECT_TRUE(Matches(ops::cross(gpu(v), gpu(w)), ops::cross(v, w), tolerance(dt)));
  }
}

}  // namespace
}  // namespace hg
