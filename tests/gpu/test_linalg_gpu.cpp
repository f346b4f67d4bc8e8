// matmul / linear on cuBLAS vs the CPU op, and (on the CPU, always run) the row-major ->
// column-major mapping of ops/cuda/gemm_layout.h checked against a reference column-major GEMM.
// Tolerances (relative to max |expected|): f64 1e-12, f32 1e-5 (TF32 off), f16 1e-2, bf16 2e-2.
#include <gtest/gtest.h>

#include <vector>

#include "ops/cuda/gemm_layout.h"
#include "ops/linalg.h"
#include "tensor/factory.h"
#include "tensor/view.h"
#include "tests/common/compare.h"
#include "tests/common/gpu_test.h"
#if HANDGRAD_WITH_CUDA
#include "ops/cuda/math_options.h"
#endif

namespace hg {
namespace {

using testing::kGpu;
using testing::tolerance;
using testing::gpu;
using testing::cpu;

// ---- CPU: the layout analysis ----

TEST(GemmLayout, RowMajorColumnMajorAndUnusableStrides) {
  using cuda::gemm::matrix_layout;
  auto l = matrix_layout(4, 3, 3, 1);  // contiguous
  EXPECT_TRUE(l.ok && l.row_major);
  EXPECT_EQ(l.ld, 3);
  l = matrix_layout(4, 3, 1, 4);  // a transposed contiguous [3, 4]
  EXPECT_TRUE(l.ok && !l.row_major);
  EXPECT_EQ(l.ld, 4);
  l = matrix_layout(4, 3, 10, 1);  // rows of a wider matrix
  EXPECT_TRUE(l.ok && l.row_major);
  EXPECT_EQ(l.ld, 10);
  l = matrix_layout(1, 3, 0, 1);  // one row: its stride is irrelevant, ld must still be >= cols
  EXPECT_TRUE(l.ok && l.row_major);
  EXPECT_EQ(l.ld, 3);
  EXPECT_FALSE(matrix_layout(4, 3, 6, 2).ok);  // no unit stride
  EXPECT_FALSE(matrix_layout(4, 3, 2, 1).ok);  // rows overlap (ld < cols)
  EXPECT_FALSE(matrix_layout(4, 3, 0, 1).ok);  // broadcast rows
}

TEST(GemmLayout, UniformBatchStride) {
  using cuda::gemm::uniform_batch_stride;
  const int64_t s1[] = {2, 3}, t1[] = {60, 20};
  EXPECT_EQ(uniform_batch_stride(s1, t1, 2), 20);
  const int64_t t2[] = {0, 0};  // fully broadcast
  EXPECT_EQ(uniform_batch_stride(s1, t2, 2), 0);
  const int64_t t3[] = {0, 20};  // broadcast outside a real dim: not one progression
  EXPECT_FALSE(uniform_batch_stride(s1, t3, 2).has_value());
  const int64_t s4[] = {2, 1, 3}, t4[] = {60, 999, 20};  // size-1 dims are ignored
  EXPECT_EQ(uniform_batch_stride(s4, t4, 3), 20);
  EXPECT_EQ(uniform_batch_stride(s4, t4, 0), 0);
}

// Column-major reference GEMM with BLAS semantics: C = op(A)·op(B), C is [M, N] with leading dim ldc.
void reference_column_major_gemm(bool ta, bool tb, int64_t M, int64_t N, int64_t K, const double* A, int64_t lda,
                                 const double* B, int64_t ldb, double* C, int64_t ldc) {
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = 0; j < N; ++j) {
      double s = 0;
      for (int64_t p = 0; p < K; ++p) {
        const double a = ta ? A[p + i * lda] : A[i + p * lda];
        const double b = tb ? B[j + p * ldb] : B[p + j * ldb];
        s += a * b;
      }
      C[i + j * ldc] = s;
    }
}

// The call computed from the operands' strides, run by the reference, equals ops::matmul.
void expect_mapping_matches(const Tensor& a, const Tensor& b) {
  const int64_t n = a.size(0), k = a.size(1), m = b.size(1);
  const auto la = cuda::gemm::matrix_layout(n, k, a.stride(0), a.stride(1));
  const auto lb = cuda::gemm::matrix_layout(k, m, b.stride(0), b.stride(1));
  ASSERT_TRUE(la.ok && lb.ok);
  const cuda::gemm::ColumnMajorCall c = cuda::gemm::column_major_call(n, k, m, la, lb);
  std::vector<double> out(static_cast<size_t>(n * m));
  reference_column_major_gemm(c.transpose_first, c.transpose_second, c.m, c.n, c.k, b.data<double>(), c.ld_first,
                              a.data<double>(), c.ld_second, out.data(), c.ldc);
  EXPECT_TRUE(testing::AllClose(from_vector(out, {n, m}, DType::f64), ops::matmul(a, b), 1e-12));
}

TEST(GemmLayout, ColumnMajorCallComputesTheRowMajorProduct) {
  Generator g(3);
  const Tensor a = uniform({4, 5}, -1, 1, DType::f64, &g), b = uniform({5, 3}, -1, 1, DType::f64, &g);
  const Tensor at = ops::transpose(uniform({5, 4}, -1, 1, DType::f64, &g), 0, 1);
  const Tensor bt = ops::transpose(uniform({3, 5}, -1, 1, DType::f64, &g), 0, 1);
  const Tensor wide = ops::narrow(uniform({4, 9}, -1, 1, DType::f64, &g), 1, 2, 5);  // row stride 9
  expect_mapping_matches(a, b);
  expect_mapping_matches(at, b);
  expect_mapping_matches(a, bt);
  expect_mapping_matches(at, bt);
  expect_mapping_matches(wide, bt);
  expect_mapping_matches(uniform({1, 5}, -1, 1, DType::f64, &g), b);      // one row
  expect_mapping_matches(a, uniform({5, 1}, -1, 1, DType::f64, &g));      // one column
}

// ---- GPU vs CPU ----

void expect_matmul_matches(const Tensor& a, const Tensor& b, DType dt) {
  const Tensor ac = ops::to_dtype(a, dt), bc = ops::to_dtype(b, dt);
  const Tensor expected = ops::matmul(ac, bc);
  const Tensor actual = ops::matmul(gpu(ac), gpu(bc));
  EXPECT_EQ(actual.device(), kGpu);
  EXPECT_EQ(actual.dtype(), dt);
  EXPECT_TRUE(testing::AllClose(cpu(actual), expected, tolerance(dt)))
      << dtype_name(dt) << " " << a.shape_string() << " @ " << b.shape_string();
}

TEST(GpuLinalg, MatmulMatchesCpuForEveryDtypeAndLayout) {
  REQUIRE_GPU();
  Generator g(11);
  auto u = [&](const Shape& s) { return uniform(s, -1, 1, DType::f64, &g); };
  for (DType dt : {DType::f64, DType::f32, DType::f16, DType::bf16}) {
    expect_matmul_matches(u({5, 7}), u({7, 3}), dt);
    expect_matmul_matches(u({2, 1, 4, 5}), u({3, 5, 6}), dt);                     // broadcast batch
    expect_matmul_matches(ops::transpose(u({7, 5}), 0, 1), u({7, 3}), dt);         // transposed view
    expect_matmul_matches(u({3, 5, 7}), ops::transpose(u({3, 9, 7}), 1, 2), dt);  // batched transposed
    expect_matmul_matches(ops::slice(u({5, 14}), 1, 0, 14, 2), u({7, 3}), dt);     // no unit stride: copied
    expect_matmul_matches(ops::expand(u({1, 33, 17}), {4, 33, 17}), u({4, 17, 65}), dt);
  }
}

TEST(GpuLinalg, EmptyInnerDimensionGivesZeros) {
  REQUIRE_GPU();
  const Tensor out = ops::matmul(gpu(zeros({3, 0})), gpu(zeros({0, 4})));
  EXPECT_TRUE(testing::AllClose(cpu(out), zeros({3, 4}), 0));
}

TEST(GpuLinalg, LinearWithAndWithoutBiasMatchesCpu) {
  REQUIRE_GPU();
  Generator g(5);
  for (DType dt : {DType::f64, DType::f32, DType::f16, DType::bf16}) {
    const Tensor x = ops::to_dtype(uniform({2, 3, 10}, -1, 1, DType::f64, &g), dt);
    const Tensor w = ops::to_dtype(uniform({6, 10}, -1, 1, DType::f64, &g), dt);
    const Tensor b = ops::to_dtype(uniform({6}, -1, 1, DType::f64, &g), dt);
    EXPECT_TRUE(testing::AllClose(cpu(ops::linear(gpu(x), gpu(w), gpu(b))), ops::linear(x, w, b), tolerance(dt)));
    EXPECT_TRUE(
        testing::AllClose(cpu(ops::linear(gpu(x), gpu(w), Tensor())), ops::linear(x, w, Tensor()), tolerance(dt)));
  }
}

TEST(GpuLinalg, RepeatedProductsAreBitIdentical) {
  REQUIRE_GPU();
  Generator g(9);
  const Tensor a = gpu(uniform({8, 129, 257}, -1, 1, DType::f32, &g)), b = gpu(uniform({8, 257, 63}, -1, 1, DType::f32, &g));
  EXPECT_TRUE(testing::BitEqual(cpu(ops::matmul(a, b)), cpu(ops::matmul(a, b))));
}

#if HANDGRAD_WITH_CUDA
TEST(GpuLinalg, Tf32IsUsedOnlyWhenAllowed) {
  REQUIRE_GPU();
  Generator g(2);
  const Tensor a = uniform({64, 512}, -1, 1, DType::f32, &g), b = uniform({512, 64}, -1, 1, DType::f32, &g);
  const Tensor expected = ops::matmul(ops::to_dtype(a, DType::f64), ops::to_dtype(b, DType::f64));
  cuda::MathOptions& o = cuda::math_options();
  const bool saved = o.allow_tf32;
  o.allow_tf32 = false;
  const Tensor strict = cpu(ops::matmul(gpu(a), gpu(b)));
  o.allow_tf32 = true;
  const Tensor fast = cpu(ops::matmul(gpu(a), gpu(b)));
  o.allow_tf32 = saved;
  EXPECT_TRUE(testing::AllClose(strict, expected, 1e-5));
  EXPECT_TRUE(testing::AllClose(fast, expected, 1e-2));  // TF32: 10-bit mantissa products
}
#endif

}  // namespace
}  // namespace hg
