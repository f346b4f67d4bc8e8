// Rodrigues forward/backward on CUDA vs the CPU op: the same fn::Rodrigues / fn::RodriguesGrad on
// both sides, every floating dtype, the series branch (θ² < 1) and the closed form, θ = 0 exactly,
// non-contiguous input, empty batches. Tolerances (relative to max(1, max |expected|)): f64 1e-12,
// f32 1e-5, f16 1e-2, bf16 2e-2. Skipped without a GPU.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "ops/pointwise.h"
#include "ops/rotation.h"
#include "tensor/factory.h"
#include "tensor/philox.h"
#include "tensor/view.h"
#include "tests/common/compare.h"
#include "tests/common/gpu_test.h"

namespace hg {
namespace {

using testing::tolerance;

Tensor gpu(const Tensor& t) { return ops::to_device(t, Device::cuda(0)); }

::testing::AssertionResult Matches(const Tensor& actual, const Tensor& expected, double tol) {
  if (!actual.device().is_cuda()) return ::testing::AssertionFailure() << "result is on " << actual.device().str();
  if (actual.dtype() != expected.dtype()) return ::testing::AssertionFailure() << "dtypes differ";
  return testing::AllClose(actual, expected, tol);
}

TEST(RotationGpu, RodriguesForwardBackwardEveryDtype) {
  REQUIRE_GPU();
  Generator g(5);
  // 40 vectors of norm 0.05 .. 3 (both branches), one exact zero
  Tensor r = ops::mul(randn({40, 3}, DType::f64, &g), 1.0);
  ops::fill_(ops::select(r, 0, 0), 0.0);
  const Tensor grad = randn({40, 3, 3}, DType::f64, &g);
  for (DType dt : {DType::f64, DType::f32, DType::f16, DType::bf16}) {
    SCOPED_TRACE(dtype_name(dt));
    const Tensor x = ops::to_dtype(r, dt), gr = ops::to_dtype(grad, dt);
    EXPECT_TRUE(Matches(ops::rodrigues(gpu(x)), ops::rodrigues(x), tolerance(dt)));
    EXPECT_TRUE(Matches(ops::rodrigues_backward(gpu(gr), gpu(x)), ops::rodrigues_backward(gr, x), tolerance(dt)));
    // [3, 40] viewed transposed: non-contiguous input
    const Tensor xt = ops::transpose(ops::contiguous(ops::transpose(x, 0, 1)), 0, 1);
    EXPECT_TRUE(Matches(ops::rodrigues(ops::transpose(gpu(ops::transpose(x, 0, 1)), 0, 1)), ops::rodrigues(xt), tolerance(dt)));
  }
  EXPECT_EQ(ops::rodrigues(gpu(zeros({0, 3}, DType::f32))).sizes(), (Shape{0, 3, 3}));
  EXPECT_THROW(ops::rodrigues(gpu(zeros({2, 4}, DType::f32))), std::invalid_argument);
  EXPECT_THROW(ops::rodrigues_backward(gpu(zeros({2, 3, 3}, DType::f32)), zeros({2, 3}, DType::f32)), std::invalid_argument);
}

}  // namespace
}  // namespace hg
