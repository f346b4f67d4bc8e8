// matmul, linear and the 3x3 helpers against PyTorch (tests/reference/make_linalg_fixtures.py).
#include <gtest/gtest.h>

#include "autograd/linalg.h"
#include "ops/linalg.h"
#include "tensor/factory.h"
#include "tensor/view.h"
#include "tests/common/compare.h"

namespace hg {
namespace {

using testing::AllClose;

class Linalg : public ::testing::Test {
 protected:
  safetensors::File f = testing::load_fixture("linalg.safetensors");
};

TEST_F(Linalg, MatmulMatchesTorch) {
  EXPECT_TRUE(AllClose(ops::matmul(f.at("mm.a"), f.at("mm.b")), f.at("mm.out"), 1e-6));
}

TEST_F(Linalg, BatchedBroadcastMatmulMatchesTorch) {
  EXPECT_TRUE(AllClose(ops::matmul(f.at("bmm_broadcast.a"), f.at("bmm_broadcast.b")), f.at("bmm_broadcast.out"), 1e-6));
}

TEST_F(Linalg, TransposedOperandsAreMappedWithoutCopyAndMatchTorch) {
  Tensor at = ops::transpose(f.at("mm_transposed.a"), 0, 1), bt = ops::transpose(f.at("mm_transposed.b"), 0, 1);
  EXPECT_FALSE(at.is_contiguous());
  EXPECT_TRUE(AllClose(ops::matmul(at, bt), f.at("mm_transposed.out"), 1e-6));
}

TEST_F(Linalg, LinearForwardAndGradientsMatchTorch) {
  Tensor x = ops::clone(f.at("linear.x")).set_requires_grad(true);
  Tensor w = ops::clone(f.at("linear.w")).set_requires_grad(true);
  Tensor b = ops::clone(f.at("linear.b")).set_requires_grad(true);
  Tensor y = linear(x, w, b);
  EXPECT_TRUE(AllClose(y, f.at("linear.out"), 1e-6));
  y.backward(f.at("linear.grad_out"));
  EXPECT_TRUE(AllClose(x.grad(), f.at("linear.grad_x"), 1e-5));
  EXPECT_TRUE(AllClose(w.grad(), f.at("linear.grad_w"), 1e-5));
  EXPECT_TRUE(AllClose(b.grad(), f.at("linear.grad_b"), 1e-5));
}

TEST_F(Linalg, SmallThreeByThreeHelpersMatchTorch) {
  EXPECT_TRUE(AllClose(ops::det3(f.at("small3.m")), f.at("small3.det"), 1e-12));
  EXPECT_TRUE(AllClose(ops::inverse3(f.at("small3.m")), f.at("small3.inv"), 1e-12));
  EXPECT_TRUE(AllClose(ops::cross(f.at("small3.u"), f.at("small3.v")), f.at("small3.cross"), 1e-12));
}

TEST(LinalgErrors, MismatchedInnerSizesNameBothShapes) {
  try {
    ops::matmul(zeros({2, 3}), zeros({4, 5}));
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("[2, 3]"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("[4, 5]"), std::string::npos) << e.what();
  }
}

TEST(LinalgErrors, SingularMatrixIsReported) {
  EXPECT_THROW(ops::inverse3(zeros({2, 3, 3}, DType::f64)), std::invalid_argument);
}

TEST(LinalgPrecision, HalfPrecisionGemmAccumulatesInFloat) {
  Tensor a = ops::to_dtype(ones({1, 4096}), DType::bf16), b = ops::to_dtype(ones({4096, 1}), DType::bf16);
  // 4096 summed in bf16 would stall at 256; accumulation in f32 gives the exact 4096.
  EXPECT_EQ(ops::matmul(a, b).item<float>(), 4096.0f);
}

TEST(LinalgPrecision, EmptyInnerDimensionGivesZeros) {
  Tensor c = ops::matmul(zeros({2, 0}), zeros({0, 3}));
  EXPECT_EQ(c.to_vector<float>(), std::vector<float>(6, 0.0f));
}

}  // namespace
}  // namespace hg
