// The f32 GEMM (ops/cpu/gemm_f32.h) against a naive triple loop accumulated in double: edge sizes
// around the 8 x 32 tile and the 256-deep / 512-wide blocks, transposed operands, leading dims
// larger than the row, grouped views (a conv's [b, O, P] tensor seen as [O, b P]), accumulation,
// and the threaded call giving bit-identical results.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "ops/cpu/gemm_f32.h"

namespace hg {
namespace {

namespace gm = ops::cpu::gemm;

std::vector<float> random_floats(int64_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<float> v(static_cast<size_t>(n));
  for (float& x : v) x = u(rng);
  return v;
}

float at(const gm::View& v, int64_t r, int64_t c) { return v.p[v.rows.offset(r) + v.cols.offset(c)]; }

// Checks c (through `out`) against c0 + A B with |error| <= 1e-5 sum_k |a_ik b_kj| (+ 1e-6).
::testing::AssertionResult matches_naive(int64_t M, int64_t N, int64_t K, const gm::View& a, const gm::View& b,
                                         const gm::Out& out, const std::vector<float>& before, bool accumulate) {
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = 0; j < N; ++j) {
      const int64_t idx = i * out.row_stride + out.cols.offset(j);
      double s = accumulate ? before[idx] : 0.0, mag = accumulate ? std::fabs(before[idx]) : 0.0;
      for (int64_t k = 0; k < K; ++k) {
        const double p = static_cast<double>(at(a, i, k)) * at(b, k, j);
        s += p;
        mag += std::fabs(p);
      }
      const double got = out.p[idx];
      if (!(std::fabs(got - s) <= 1e-5 * mag + 1e-6))
        return ::testing::AssertionFailure() << "C[" << i << ", " << j << "] = " << got << ", expected " << s
                                             << " (M " << M << ", N " << N << ", K " << K << ")";
    }
  return ::testing::AssertionSuccess();
}

struct Dims {
  int64_t M, N, K;
};
const std::vector<Dims> kDims = {{1, 1, 1},   {7, 33, 5},    {8, 32, 256},  {9, 31, 257},  {33, 7, 3},
                                 {1, 600, 9}, {17, 513, 70}, {64, 100, 600}, {3, 1, 1000}, {40, 65, 1}};

// Every (transpose A, transpose B) combination, with leading dims padded by 3.
TEST(GemmF32, MatchesNaiveLoopForEdgeSizesAndTransposes) {
  uint32_t seed = 1;
  for (const Dims& d : kDims)
    for (int ta = 0; ta < 2; ++ta)
      for (int tb = 0; tb < 2; ++tb) {
        const int64_t lda = (ta ? d.M : d.K) + 3, ldb = (tb ? d.K : d.N) + 3, ldc = d.N + 3;
        const std::vector<float> A = random_floats((ta ? d.K : d.M) * lda, seed++);
        const std::vector<float> B = random_floats((tb ? d.N : d.K) * ldb, seed++);
        std::vector<float> C = random_floats(d.M * ldc, seed++);
        const gm::View a = ta ? gm::View::transposed(A.data(), lda) : gm::View::row_major(A.data(), lda);
        const gm::View b = tb ? gm::View::transposed(B.data(), ldb) : gm::View::row_major(B.data(), ldb);
        for (bool accumulate : {false, true}) {
          const std::vector<float> before = C;
          const gm::Out out{C.data(), ldc};
          gm::gemm(d.M, d.N, d.K, a, b, out, accumulate);
          EXPECT_TRUE(matches_naive(d.M, d.N, d.K, a, b, out, before, accumulate))
              << "ta " << ta << " tb " << tb << " accumulate " << accumulate;
          // the padding columns of C are never written
          for (int64_t i = 0; i < d.M; ++i)
            for (int64_t j = d.N; j < ldc; ++j) ASSERT_EQ(C[i * ldc + j], before[i * ldc + j]);
        }
      }
}

// A conv's view: [b, O, P] read as the matrix [O, b P] (groups of P columns, O P apart), for B, for
// C and for A (gy in the weight gradient), with planes that do and do not divide the 16-wide halves.
TEST(GemmF32, GroupedViewsWalkImagesOfABatch) {
  uint32_t seed = 100;
  for (int64_t P : {16, 64, 9, 1, 50})
    for (int64_t imgs : {1, 3}) {
      const int64_t O = 20, K = 20, N = imgs * P;  // O = 20: two full A panels (one 16-row transpose) + 4 rows
      const std::vector<float> W = random_floats(O * K, seed++), X = random_floats(imgs * K * P, seed++);
      std::vector<float> Y = random_floats(imgs * O * P, seed++);
      const gm::View w = gm::View::row_major(W.data(), K);
      const gm::View x{X.data(), gm::Axis::plain(P), gm::Axis::grouped(1, P, K * P)};  // [K, imgs P]
      const gm::Out y{Y.data(), P, gm::Axis::grouped(1, P, O * P)};                   // [O, imgs P]
      const std::vector<float> before = Y;
      gm::gemm(O, N, K, w, x, y, false);
      EXPECT_TRUE(matches_naive(O, N, K, w, x, y, before, false)) << "P " << P << " imgs " << imgs;
      // weight-gradient form: dW[O, K] = Y[O, imgs P] . X[K, imgs P]^T, both grouped along the depth
      std::vector<float> G(O * K, 0.0f);
      const gm::View yv{Y.data(), gm::Axis::plain(P), gm::Axis::grouped(1, P, O * P)};
      const gm::View xt{X.data(), gm::Axis::grouped(1, P, K * P), gm::Axis::plain(P)};
      gm::gemm(O, K, N, yv, xt, gm::Out{G.data(), K}, false);
      EXPECT_TRUE(matches_naive(O, K, N, yv, xt, gm::Out{G.data(), K}, G, false)) << "P " << P << " imgs " << imgs;
    }
}

// Runs read backwards (stride -1 inside groups), as the backward-input's flipped kernel is read:
// A(c, (o, q)) = w[(o C + c) T + T - 1 - q] for T taps.
TEST(GemmF32, ReversedGroupsReadAFlippedKernel) {
  const int64_t O = 11, C = 18, T = 9, N = 45;
  const std::vector<float> W = random_floats(O * C * T, 300), B = random_floats(O * T * N, 301);
  const gm::View flipped{W.data() + (T - 1), gm::Axis::plain(T), gm::Axis::grouped(-1, T, C * T)};
  EXPECT_EQ(at(flipped, 3, 2 * T + 4), W[(2 * C + 3) * T + (T - 1 - 4)]);
  std::vector<float> out(C * N);
  const gm::Out c{out.data(), N};
  gm::gemm(C, N, O * T, flipped, gm::View::row_major(B.data(), N), c, false);
  EXPECT_TRUE(matches_naive(C, N, O * T, flipped, gm::View::row_major(B.data(), N), c, out, false));
}

TEST(GemmF32, ParallelCallIsBitIdenticalToSerial) {
  for (const Dims& d : std::vector<Dims>{{64, 2000, 300}, {300, 40, 100}, {5, 5, 5}}) {
    const std::vector<float> A = random_floats(d.M * d.K, 7), B = random_floats(d.K * d.N, 8);
    const gm::PackedA a(d.M, d.K, gm::View::row_major(A.data(), d.K), true);
    std::vector<float> serial(d.M * d.N), parallel(d.M * d.N);
    gm::gemm(d.N, a, gm::View::row_major(B.data(), d.N), gm::Out{serial.data(), d.N}, false);
    gm::gemm_parallel(d.N, a, gm::View::row_major(B.data(), d.N), gm::Out{parallel.data(), d.N}, false);
    EXPECT_EQ(serial, parallel) << d.M << " x " << d.N << " x " << d.K;
  }
}

TEST(GemmF32, EmptyDepthWritesZerosOrKeepsC) {
  std::vector<float> C(6, 5.0f);
  const float dummy = 0;
  gm::gemm(2, 3, 0, gm::View::row_major(&dummy, 0), gm::View::row_major(&dummy, 3), gm::Out{C.data(), 3}, true);
  EXPECT_EQ(C, std::vector<float>(6, 5.0f));
  gm::gemm(2, 3, 0, gm::View::row_major(&dummy, 0), gm::View::row_major(&dummy, 3), gm::Out{C.data(), 3}, false);
  EXPECT_EQ(C, std::vector<float>(6, 0.0f));
}

TEST(GemmF32, NamesItsKernel) {
  const std::string k = gm::kernel_name();
  EXPECT_TRUE(k == "avx512" || k == "avx2" || k == "portable") << k;
}

}  // namespace
}  // namespace hg
