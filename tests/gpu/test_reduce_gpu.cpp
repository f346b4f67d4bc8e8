// Reductions on CUDA vs the CPU op on the same inputs: sum/mean/var/std/norm/logsumexp/amax/amin,
// max/min with indices, argmax/argmin, cumsum/reverse_cumsum, sum_to; every dtype of each op, all /
// some / no dims, keepdim, non-contiguous input, rows short (one thread per row) and long (chunked
// two-pass tree), empty tensors, NaN/inf rules, determinism (two runs bit-equal).
// Tolerances (relative to max(1, max |expected|)): f64 1e-12, f32 1e-5, f16 1e-2, bf16 2e-2;
// integer results and indices exactly. Skipped without a GPU.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "ops/pointwise.h"
#include "ops/reduce.h"
#include "tensor/factory.h"
#include "tensor/philox.h"
#include "tensor/view.h"
#include "tests/common/compare.h"
#include "tests/common/gpu_test.h"

namespace hg {
namespace {

using testing::kGpu;
using testing::gpu;
using testing::Matches;
using testing::tolerance;

const std::vector<DType> kFloating = {DType::f64, DType::f32, DType::f16, DType::bf16};
const double kInf = std::numeric_limits<double>::infinity();


Tensor random(const Shape& shape, DType dt, double lo, double hi, uint64_t seed) {
  Generator g(seed);
  Tensor u = ops::add(ops::mul(rand(shape, DType::f64, &g), hi - lo), lo);
  if (!is_floating(dt)) u = ops::round(u);
  return ops::to_dtype(u, dt);
}

struct DimsCase {
  ops::Dims dims;
  bool keepdim;
};
const std::vector<DimsCase> kDims = {{{}, false}, {{1}, false}, {{0, 2}, true}, {{-1}, true}, {{2, 0}, false}};

TEST(ReduceGpu, SumMeanVarStdNormLogsumexp) {
  REQUIRE_GPU();
  uint64_t seed = 1;
  // [3, 40, 5]: reducing dim 1 (40 > 32) takes the block path, the others the per-thread path
  for (DType dt : kFloating)
    for (const DimsCase& c : kDims) {
      SCOPED_TRACE(std::string(dtype_name(dt)) + " dims " + std::to_string(c.dims.size()));
      const Tensor x = random({3, 40, 5}, dt, -2, 3, seed++);
      const Tensor xs = ops::permute(x, {0, 2, 1});  // non-contiguous: [3, 5, 40]
      const Tensor X = gpu(x), XS = ops::permute(X, {0, 2, 1});
      const double tol = tolerance(dt);
      EXPECT_TRUE(Matches(ops::sum(X, c.dims, c.keepdim), ops::sum(x, c.dims, c.keepdim), tol));
      EXPECT_TRUE(Matches(ops::sum(XS, c.dims, c.keepdim), ops::sum(xs, c.dims, c.keepdim), tol));
      EXPECT_TRUE(Matches(ops::mean(X, c.dims, c.keepdim), ops::mean(x, c.dims, c.keepdim), tol));
      EXPECT_TRUE(Matches(ops::var(X, c.dims, 1, c.keepdim), ops::var(x, c.dims, 1, c.keepdim), tol));
      EXPECT_TRUE(Matches(ops::var(XS, c.dims, 0, c.keepdim), ops::var(xs, c.dims, 0, c.keepdim), tol));
      EXPECT_TRUE(Matches(ops::std(X, c.dims, 1, c.keepdim), ops::std(x, c.dims, 1, c.keepdim), tol));
      for (double p : {1.0, 2.0, kInf})
        EXPECT_TRUE(Matches(ops::norm(XS, p, c.dims, c.keepdim), ops::norm(xs, p, c.dims, c.keepdim), tol));
      EXPECT_TRUE(Matches(ops::logsumexp(X, c.dims, c.keepdim), ops::logsumexp(x, c.dims, c.keepdim), tol));
    }
}

TEST(ReduceGpu, LongRowsTakeTheChunkedPathDeterministically) {
  REQUIRE_GPU();
  // one row of 100000 (13 chunks of 8192, then the second pass) and 3 rows of 20000
  for (const Shape& shape : {Shape{100000}, Shape{3, 20000}}) {
    const Tensor x = random(shape, DType::f32, -1, 1, 50);
    const Tensor X = gpu(x);
    const ops::Dims last = {-1};
    EXPECT_TRUE(Matches(ops::sum(X, last), ops::sum(x, last), 1e-5));
    EXPECT_TRUE(Matches(ops::mean(X, last), ops::mean(x, last), 1e-5));
    EXPECT_TRUE(Matches(ops::var(X, last), ops::var(x, last), 1e-5));
    EXPECT_TRUE(Matches(ops::norm(X, kInf, last), ops::norm(x, kInf, last), 0));
    EXPECT_TRUE(Matches(ops::logsumexp(X, last), ops::logsumexp(x, last), 1e-5));
    EXPECT_TRUE(Matches(ops::max(X, -1).indices, ops::max(x, -1).indices, 0));
    EXPECT_TRUE(Matches(ops::amin(X, last), ops::amin(x, last), 0));
    EXPECT_TRUE(testing::BitEqual(ops::sum(X, last), ops::sum(X, last)));
    EXPECT_TRUE(testing::BitEqual(ops::var(X, last), ops::var(X, last)));
    EXPECT_TRUE(testing::BitEqual(ops::logsumexp(X, last), ops::logsumexp(X, last)));
  }
  // f64 sums of 100000 values: the GPU's tree and the CPU's blocks agree to rounding
  const Tensor d = random({100000}, DType::f64, 0, 1, 51);
  EXPECT_TRUE(Matches(ops::sum(gpu(d)), ops::sum(d), 1e-12));
}

TEST(ReduceGpu, IntegerAndBoolSums) {
  REQUIRE_GPU();
  for (DType dt : {DType::i32, DType::i64, DType::u8, DType::boolean}) {
    SCOPED_TRACE(dtype_name(dt));
    const Tensor x = dt == DType::boolean ? ops::gt(random({4, 50}, DType::f32, 0, 1, 60), 0.5)
                                          : random({4, 50}, dt, 0, 200, 61);
    EXPECT_TRUE(Matches(ops::sum(gpu(x)), ops::sum(x), 0));  // i64
    EXPECT_TRUE(Matches(ops::sum(gpu(x), {1}, true), ops::sum(x, {1}, true), 0));
    EXPECT_TRUE(Matches(ops::cumsum(gpu(x), 1), ops::cumsum(x, 1), 0));
    EXPECT_TRUE(Matches(ops::amax(gpu(x), {0}), ops::amax(x, {0}), 0));
    EXPECT_TRUE(Matches(ops::argmin(gpu(x), 1), ops::argmin(x, 1), 0));
  }
}

TEST(ReduceGpu, MaxMinIndicesAndNanRules) {
  REQUIRE_GPU();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  // ties (first index wins), NaN (first NaN wins), ±0, infinities; rows short and long
  std::vector<double> v(2 * 70, 1.0);
  v[5] = 4;
  v[9] = 4;  // tie: index 5
  v[70 + 3] = nan;
  v[70 + 60] = nan;  // first NaN: 3
  v[70 + 1] = kInf;
  for (DType dt : kFloating) {
    SCOPED_TRACE(dtype_name(dt));
    const Tensor x = ops::to_dtype(from_vector(v, {2, 70}), dt);
    const Tensor X = gpu(x);
    for (bool keepdim : {false, true}) {
      const auto a = ops::max(X, 1, keepdim), e = ops::max(x, 1, keepdim);
      EXPECT_TRUE(Matches(a.values, e.values, 0));
      EXPECT_TRUE(Matches(a.indices, e.indices, 0));
      const auto b = ops::min(X, -1, keepdim), f = ops::min(x, -1, keepdim);
      EXPECT_TRUE(Matches(b.values, f.values, 0));
      EXPECT_TRUE(Matches(b.indices, f.indices, 0));
    }
    EXPECT_EQ(ops::argmax(X, 1).to_vector<int64_t>(), (std::vector<int64_t>{5, 3}));
    EXPECT_TRUE(Matches(ops::amax(X, {}), ops::amax(x, {}), 0));
    EXPECT_TRUE(Matches(ops::amin(ops::transpose(X, 0, 1), {0}, true), ops::amin(ops::transpose(x, 0, 1), {0}, true), 0));
    EXPECT_TRUE(Matches(ops::norm(X, kInf, {1}), ops::norm(x, kInf, {1}), 0));  // NaN row -> NaN
    EXPECT_TRUE(Matches(ops::logsumexp(X, {1}), ops::logsumexp(x, {1}), tolerance(dt)));
    EXPECT_TRUE(Matches(ops::sum(X, {1}), ops::sum(x, {1}), tolerance(dt)));
    const Tensor zeros_signed = ops::to_dtype(from_vector<double>({-0.0, 0.0, -0.0}, {3}), dt);
    EXPECT_TRUE(testing::BitEqual(ops::to_device(ops::amax(gpu(zeros_signed), {}), Device::cpu()), ops::amax(zeros_signed, {})));
  }
  // all -inf: logsumexp is -inf
  const Tensor ninf = full({2, 3}, -kInf, DType::f32);
  EXPECT_TRUE(Matches(ops::logsumexp(gpu(ninf), {1}), ops::logsumexp(ninf, {1}), 0));
  // max of a 0-d tensor
  const Tensor s = scalar_tensor(2.5, DType::f32);
  EXPECT_TRUE(Matches(ops::max(gpu(s), 0).indices, ops::max(s, 0).indices, 0));
}

TEST(ReduceGpu, CumsumReverseCumsumSumTo) {
  REQUIRE_GPU();
  uint64_t seed = 80;
  for (DType dt : kFloating) {
    SCOPED_TRACE(dtype_name(dt));
    const Tensor x = random({4, 7, 3}, dt, -2, 2, seed++);
    const Tensor X = gpu(x);
    for (int64_t d : {0, 1, 2, -1}) {
      EXPECT_TRUE(Matches(ops::cumsum(X, d), ops::cumsum(x, d), tolerance(dt)));
      EXPECT_TRUE(Matches(ops::reverse_cumsum(ops::transpose(X, 0, 2), d), ops::reverse_cumsum(ops::transpose(x, 0, 2), d), tolerance(dt)));
    }
    EXPECT_TRUE(Matches(ops::sum_to(X, {7, 1}), ops::sum_to(x, {7, 1}), tolerance(dt)));
    EXPECT_TRUE(Matches(ops::sum_to(X, {1, 3}), ops::sum_to(x, {1, 3}), tolerance(dt)));
    EXPECT_TRUE(Matches(ops::sum_to(X, {}), ops::sum_to(x, {}), tolerance(dt)));
  }
}

TEST(ReduceGpu, EmptyTensorsAndErrors) {
  REQUIRE_GPU();
  const Tensor e = zeros({0, 4}, DType::f32), E = gpu(e);
  EXPECT_TRUE(Matches(ops::sum(E, {0}), ops::sum(e, {0}), 0));      // zeros
  EXPECT_TRUE(Matches(ops::mean(E, {0}), ops::mean(e, {0}), 0));    // NaN
  EXPECT_TRUE(Matches(ops::var(E, {0}), ops::var(e, {0}), 0));      // NaN
  EXPECT_TRUE(Matches(ops::norm(E, 2.0, {0}), ops::norm(e, 2.0, {0}), 0));
  EXPECT_TRUE(Matches(ops::logsumexp(E, {0}), ops::logsumexp(e, {0}), 0));
  EXPECT_TRUE(Matches(ops::sum(E, {1}), ops::sum(e, {1}), 0));      // no rows
  EXPECT_TRUE(Matches(ops::cumsum(E, 0), ops::cumsum(e, 0), 0));
  EXPECT_THROW(ops::amax(E, {1}), std::invalid_argument);
  EXPECT_THROW(ops::max(E, 1), std::invalid_argument);
  EXPECT_THROW(ops::sum(E, {2}), std::out_of_range);
  EXPECT_THROW(ops::norm(gpu(random({3}, DType::f32, 0, 1, 1)), 3.0), std::invalid_argument);
}

}  // namespace
}  // namespace hg
