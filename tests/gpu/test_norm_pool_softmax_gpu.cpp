// batch norm, layer norm, pooling and softmax on the GPU vs the CPU ops (forward, backward, running
// statistics, determinism), and — on the CPU, always run — the shared formulas of
// ops/{batch_norm,layer_norm,pool,softmax}_functors.h and the checks of ops/cpu/norm_common.h.
// Tolerances (relative to max |expected|): f64 1e-12, f32 1e-5, f16 1e-2, bf16 2e-2.
#include <gtest/gtest.h>

#include <cmath>

#include "ops/batch_norm_functors.h"
#include "ops/cpu/norm_common.h"
#include "ops/layer_norm_functors.h"
#include "ops/norm.h"
#include "ops/pool.h"
#include "ops/pool_functors.h"
#include "ops/softmax.h"
#include "ops/softmax_functors.h"
#include "tensor/factory.h"
#include "tensor/view.h"
#include "tests/common/compare.h"
#include "tests/common/gpu_test.h"
#include "tests/common/expect_throw.h"

namespace hg {
namespace {

using testing::kGpu;
using testing::tolerance;
using testing::gpu;
using testing::cpu;

const DType kAllFloat[] = {DType::f64, DType::f32, DType::f16, DType::bf16};

Tensor random(const Shape& s, DType dt, Generator& g, double lo = -2, double hi = 2) {
  return ops::to_dtype(uniform(s, lo, hi, DType::f64, &g), dt);
}

// ---- CPU: shared formulas ----

TEST(PoolFunctors, WindowsCoveringAnInputAreExactlyTheBruteForceOnes) {
  for (int64_t H : {1, 5, 8}) for (int64_t k : {1, 2, 3}) for (int64_t s : {1, 2, 3}) for (int64_t p = 0; p <= k / 2; ++p) {
    const int64_t Ho = fn::pool_output_size(H, k, s, p, 1, false);
    if (Ho <= 0) continue;
    for (int64_t x = 0; x < H; ++x) {
      int64_t first, last;
      fn::pool_windows_covering(x, k, s, p, Ho, &first, &last);
      for (int64_t o = 0; o < Ho; ++o) {
        const bool covers = o * s - p <= x && x < o * s - p + k;
        EXPECT_EQ(covers, o >= first && o <= last) << "H " << H << " k " << k << " s " << s << " p " << p << " x " << x;
      }
    }
  }
}

TEST(PoolFunctors, AdaptiveCellsContainingAnInputAreExactlyTheBruteForceOnes) {
  for (int64_t in : {1, 3, 7, 10}) for (int64_t out : {1, 2, 3, 4, 7, 13}) for (int64_t x = 0; x < in; ++x) {
    const int64_t first = fn::adaptive_first_cell(x, in, out), last = fn::adaptive_last_cell(x, in, out);
    for (int64_t i = 0; i < out; ++i) {
      const bool inside = fn::adaptive_begin(i, in, out) <= x && x < fn::adaptive_end(i, in, out);
      EXPECT_EQ(inside, i >= first && i <= last) << "in " << in << " out " << out << " x " << x << " cell " << i;
    }
  }
}

TEST(PoolFunctors, InsideTapsAndAverageCells) {
  for (int64_t start : {-3, -1, 0, 2, 6}) for (int64_t d : {1, 2}) {
    const fn::PoolTaps t = fn::pool_inside_taps(start, d, 3, 7);
    for (int64_t a = 0; a < 3; ++a) {
      const int64_t at = start + a * d;
      EXPECT_EQ(at >= 0 && at < 7, a >= t.lo && a < t.hi) << start << " " << d << " " << a;
    }
  }
  // 3x3 window, stride 2, padding 1 on a 4x4 image: output (0, 0) covers rows/cols -1..1.
  fn::AvgPoolCell c = fn::avg_pool_cell(0, 0, 4, 4, 3, 3, 2, 2, 1, 1, true);
  EXPECT_EQ(c.h0, 0);
  EXPECT_EQ(c.h1, 2);
  EXPECT_EQ(c.divisor, 9);
  c = fn::avg_pool_cell(0, 0, 4, 4, 3, 3, 2, 2, 1, 1, false);
  EXPECT_EQ(c.divisor, 4);
  EXPECT_EQ(fn::pool_output_size(4, 3, 2, 1, 1, false), 2);
  EXPECT_EQ(fn::pool_output_size(5, 2, 2, 0, 1, true), 3);
  EXPECT_TRUE(fn::max_pool_takes(std::nan(""), 1.0));
  EXPECT_FALSE(fn::max_pool_takes(1.0, 1.0));  // ties keep the first maximum
}

TEST(NormFunctors, BatchNormCoefficientsGiveTheAnalyticGradient) {
  // One channel, m = 3 values: compare dx from the coefficients with the closed form.
  const double x[] = {0.5, -1.0, 2.0}, g[] = {0.3, 0.1, -0.7}, w = 1.7, eps = 1e-5;
  const double mean = (x[0] + x[1] + x[2]) / 3;
  double var = 0, sg = 0, sgx = 0;
  for (int i = 0; i < 3; ++i) var += (x[i] - mean) * (x[i] - mean) / 3, sg += g[i], sgx += g[i] * (x[i] - mean);
  const double is = fn::bn_invstd(var, eps);
  EXPECT_DOUBLE_EQ(is, 1 / std::sqrt(var + eps));
  const fn::BnInputGradCoefficients c = fn::bn_input_grad_coefficients(w, is, sg, sgx, 3, true);
  for (int i = 0; i < 3; ++i) {
    const double xh = (x[i] - mean) * is;
    const double expected = w * is * (g[i] - sg / 3 - xh * sgx * is / 3);
    EXPECT_NEAR(fn::bn_input_grad(g[i], x[i], mean, c.k, c.kx, c.k0), expected, 1e-12);
  }
  EXPECT_DOUBLE_EQ(fn::bn_running_update(1.0, 3.0, 0.1), 0.9 + 0.3);
  EXPECT_DOUBLE_EQ(fn::bn_unbiased_var(2.0, 4), 8.0 / 3.0);
  EXPECT_DOUBLE_EQ(fn::ln_input_grad(1.0, 2.0, 0.5, 3.0, 0.25, 0.5), 3.0 * (2.0 - 0.25 - 0.25));
}

TEST(SoftmaxFunctors, MaxSkipsNaNAndGradientsFollowTheFormulas) {
  EXPECT_EQ(fn::softmax_max(1.0, std::nan("")), 1.0);
  EXPECT_EQ(fn::softmax_max(1.0, 2.0), 2.0);
  EXPECT_DOUBLE_EQ(fn::softmax_grad(0.25, 2.0, 0.5), 0.25 * 1.5);
  EXPECT_DOUBLE_EQ(fn::log_softmax_grad(std::log(0.25), 2.0, 0.5), 2.0 - 0.125);
}

TEST(NormChecks, SharedArgumentChecksNameTheProblem) {
  const Tensor x = zeros({4, 3, 2});
  EXPECT_NE(testing::error_message<std::invalid_argument>([&] {
              ops::norm_detail::check_batch_norm_args(x, zeros({4}), Tensor(), Tensor(), Tensor(), true, 1e-5);
            }).find("weight has shape [4], expected [3]"),
            std::string::npos);
  EXPECT_NE(testing::error_message<std::invalid_argument>([&] {
              ops::norm_detail::check_batch_norm_args(zeros({1, 3}), Tensor(), Tensor(), Tensor(), Tensor(), true, 1e-5);
            }).find("more than 1 value per channel"),
            std::string::npos);
  EXPECT_NE(testing::error_message<std::invalid_argument>([&] {
              ops::layer_norm_backward(zeros({4, 3}), zeros({4, 3}), {3}, Tensor(), zeros({2}), zeros({4}),
                                       {true, false, false});
            }).find("saved statistics [2] should have 4 values"),
            std::string::npos);
}

// ---- GPU vs CPU ----

TEST(GpuNorm, BatchNormTrainingInferenceAndBackwardMatchCpu) {
  REQUIRE_GPU();
  Generator g(31);
  for (DType dt : kAllFloat) {
    for (const Shape& s : {Shape{6, 5}, Shape{3, 4, 7, 5}}) {
      const int64_t C = s[1];
      const Tensor x = random(s, dt, g), w = random({C}, DType::f32, g), b = random({C}, DType::f32, g);
      const Tensor rm = random({C}, DType::f32, g), rv = random({C}, DType::f32, g, 0.5, 2);
      for (bool training : {true, false}) {
        Tensor rm_c = ops::clone(rm), rv_c = ops::clone(rv), rm_g = gpu(rm), rv_g = gpu(rv);
        const ops::NormForward e = ops::batch_norm(x, w, b, rm_c, rv_c, training, 0.1, 1e-5);
        const ops::NormForward a = ops::batch_norm(gpu(x), gpu(w), gpu(b), rm_g, rv_g, training, 0.1, 1e-5);
        const std::string what = std::string(dtype_name(dt)) + " " + shape_str(s) + (training ? " train" : " eval");
        EXPECT_TRUE(testing::AllClose(cpu(a.out), e.out, tolerance(dt))) << what;
        EXPECT_EQ(a.mean.dtype(), DType::f64);
        EXPECT_TRUE(testing::AllClose(cpu(a.mean), e.mean, 1e-12)) << what;
        EXPECT_TRUE(testing::AllClose(cpu(a.invstd), e.invstd, 1e-10)) << what;
        EXPECT_TRUE(testing::AllClose(cpu(rm_g), rm_c, 1e-6)) << what;
        EXPECT_TRUE(testing::AllClose(cpu(rv_g), rv_c, 1e-6)) << what;
        const Tensor gy = random(s, dt, g);
        const ops::NormGrads eg = ops::batch_norm_backward(gy, x, w, e.mean, e.invstd, training, {true, true, true});
        const ops::NormGrads ag =
            ops::batch_norm_backward(gpu(gy), gpu(x), gpu(w), gpu(e.mean), gpu(e.invstd), training, {true, true, true});
        EXPECT_TRUE(testing::AllClose(cpu(ag.input), eg.input, tolerance(dt))) << what;
        EXPECT_TRUE(testing::AllClose(cpu(ag.weight), eg.weight, 1e-5)) << what;
        EXPECT_TRUE(testing::AllClose(cpu(ag.bias), eg.bias, tolerance(dt))) << what;
        EXPECT_EQ(ag.weight.dtype(), eg.weight.dtype());
      }
    }
  }
}

TEST(GpuNorm, LayerNormForwardAndBackwardMatchCpu) {
  REQUIRE_GPU();
  Generator g(32);
  for (DType dt : kAllFloat) {
    for (const Shape& ns : {Shape{7}, Shape{3, 300}}) {
      Shape s{2, 3};
      s.insert(s.end(), ns.begin(), ns.end());
      const Tensor x = random(s, dt, g), w = random(ns, dt, g), b = random(ns, dt, g);
      const ops::NormForward e = ops::layer_norm(x, ns, w, b, 1e-5);
      const ops::NormForward a = ops::layer_norm(gpu(x), ns, gpu(w), gpu(b), 1e-5);
      EXPECT_TRUE(testing::AllClose(cpu(a.out), e.out, tolerance(dt))) << dtype_name(dt);
      EXPECT_TRUE(testing::AllClose(cpu(a.mean), e.mean, 1e-12));
      EXPECT_TRUE(testing::AllClose(cpu(a.invstd), e.invstd, 1e-10));
      const Tensor gy = random(s, dt, g);
      const ops::NormGrads eg = ops::layer_norm_backward(gy, x, ns, w, e.mean, e.invstd, {true, true, true});
      const ops::NormGrads ag =
          ops::layer_norm_backward(gpu(gy), gpu(x), ns, gpu(w), gpu(e.mean), gpu(e.invstd), {true, true, true});
      EXPECT_TRUE(testing::AllClose(cpu(ag.input), eg.input, tolerance(dt))) << dtype_name(dt);
      EXPECT_TRUE(testing::AllClose(cpu(ag.weight), eg.weight, tolerance(dt))) << dtype_name(dt);
      EXPECT_TRUE(testing::AllClose(cpu(ag.bias), eg.bias, tolerance(dt))) << dtype_name(dt);
    }
  }
}

TEST(GpuPool, EveryPoolingAndBackwardMatchesCpu) {
  REQUIRE_GPU();
  Generator g(33);
  for (DType dt : kAllFloat) {
    const Tensor x = random({2, 3, 11, 9}, dt, g);
    const Tensor xt = ops::transpose(random({2, 3, 9, 11}, dt, g), 2, 3);  // non-contiguous
    for (const Tensor& in : {x, xt}) {
      for (bool ceil_mode : {false, true}) {
        const ops::ValuesIndices e = ops::max_pool2d(in, {3, 2}, {2, 2}, {1, 1}, {1, 2}, ceil_mode);
        const ops::ValuesIndices a = ops::max_pool2d(gpu(in), {3, 2}, {2, 2}, {1, 1}, {1, 2}, ceil_mode);
        EXPECT_TRUE(testing::BitEqual(cpu(a.values), e.values)) << dtype_name(dt);
        EXPECT_TRUE(testing::BitEqual(cpu(a.indices), e.indices)) << dtype_name(dt);
        const Tensor gy = random(e.values.sizes(), dt, g);
        EXPECT_TRUE(testing::AllClose(cpu(ops::max_pool2d_backward(gpu(gy), a.indices, in.sizes())),
                                      ops::max_pool2d_backward(gy, e.indices, in.sizes()), tolerance(dt)));
        for (bool include_pad : {true, false}) {
          const Tensor ea = ops::avg_pool2d(in, 3, 2, 1, ceil_mode, include_pad);
          EXPECT_TRUE(testing::AllClose(cpu(ops::avg_pool2d(gpu(in), 3, 2, 1, ceil_mode, include_pad)), ea,
                                        tolerance(dt)));
          const Tensor gya = random(ea.sizes(), dt, g);
          EXPECT_TRUE(testing::AllClose(
              cpu(ops::avg_pool2d_backward(gpu(gya), in.sizes(), 3, 2, 1, ceil_mode, include_pad)),
              ops::avg_pool2d_backward(gya, in.sizes(), 3, 2, 1, ceil_mode, include_pad), tolerance(dt)));
        }
      }
      for (auto [oh, ow] : {std::pair<int64_t, int64_t>{1, 1}, {4, 3}, {13, 20}}) {
        EXPECT_TRUE(testing::AllClose(cpu(ops::adaptive_avg_pool2d(gpu(in), oh, ow)), ops::adaptive_avg_pool2d(in, oh, ow),
                                      tolerance(dt)));
        const Tensor gy = random({2, 3, oh, ow}, dt, g);
        EXPECT_TRUE(testing::AllClose(cpu(ops::adaptive_avg_pool2d_backward(gpu(gy), in.sizes())),
                                      ops::adaptive_avg_pool2d_backward(gy, in.sizes()), tolerance(dt)));
      }
    }
  }
}

TEST(GpuPool, MaxPoolTiesAndNaNFollowTheCpuRule) {
  REQUIRE_GPU();
  Tensor x = zeros({1, 1, 4, 4});  // all ties: the first tap of each window wins
  const ops::ValuesIndices e = ops::max_pool2d(x, 2, 1);
  EXPECT_TRUE(testing::BitEqual(cpu(ops::max_pool2d(gpu(x), 2, 1).indices), e.indices));
  x = from_vector(std::vector<float>{1, NAN, 3, NAN}, {1, 1, 2, 2});
  EXPECT_TRUE(testing::BitEqual(cpu(ops::max_pool2d(gpu(x), 2).indices), ops::max_pool2d(x, 2).indices));
}

TEST(GpuSoftmax, SoftmaxLogSoftmaxAndBackwardsMatchCpuOnEveryDim) {
  REQUIRE_GPU();
  Generator g(34);
  for (DType dt : kAllFloat) {
    for (const Shape& s : {Shape{3, 5, 7}, Shape{4, 1000}, Shape{}}) {
      const Tensor x = random(s, dt, g, -5, 5), gy = random(s, dt, g);
      for (int64_t dim = -1; dim < static_cast<int64_t>(s.size()); ++dim) {
        if (s.empty() && dim != -1) continue;
        const std::string what = std::string(dtype_name(dt)) + " " + shape_str(s) + " dim " + std::to_string(dim);
        const Tensor y = ops::softmax(x, dim), ly = ops::log_softmax(x, dim);
        EXPECT_TRUE(testing::AllClose(cpu(ops::softmax(gpu(x), dim)), y, tolerance(dt))) << what;
        EXPECT_TRUE(testing::AllClose(cpu(ops::log_softmax(gpu(x), dim)), ly, tolerance(dt))) << what;
        EXPECT_TRUE(testing::AllClose(cpu(ops::softmax_backward(gpu(gy), gpu(y), dim)), ops::softmax_backward(gy, y, dim),
                                      tolerance(dt)))
            << what;
        EXPECT_TRUE(testing::AllClose(cpu(ops::log_softmax_backward(gpu(gy), gpu(ly), dim)),
                                      ops::log_softmax_backward(gy, ly, dim), tolerance(dt)))
            << what;
      }
    }
  }
}

TEST(GpuNormPoolSoftmax, RepeatedRunsAreBitIdentical) {
  REQUIRE_GPU();
  Generator g(35);
  const Tensor x = gpu(random({8, 16, 33, 17}, DType::f32, g)), gy = gpu(random({8, 16, 33, 17}, DType::f32, g));
  auto bn = [&] {
    const ops::NormForward f = ops::batch_norm(x, Tensor(), Tensor(), Tensor(), Tensor(), true, 0.1, 1e-5);
    return cpu(ops::batch_norm_backward(gy, x, Tensor(), f.mean, f.invstd, true, {true, false, false}).input);
  };
  EXPECT_TRUE(testing::BitEqual(bn(), bn()));
  auto ln = [&] {
    const ops::NormForward f = ops::layer_norm(x, {33, 17}, Tensor(), Tensor(), 1e-5);
    return cpu(ops::layer_norm_backward(gy, x, {33, 17}, Tensor(), f.mean, f.invstd, {true, true, true}).weight);
  };
  EXPECT_TRUE(testing::BitEqual(ln(), ln()));
  EXPECT_TRUE(testing::BitEqual(cpu(ops::softmax(x, -1)), cpu(ops::softmax(x, -1))));
  EXPECT_TRUE(testing::BitEqual(cpu(ops::avg_pool2d_backward(ops::avg_pool2d(gy, 3, 2, 1), x.sizes(), 3, 2, 1)),
                                cpu(ops::avg_pool2d_backward(ops::avg_pool2d(gy, 3, 2, 1), x.sizes(), 3, 2, 1))));
}

}  // namespace
}  // namespace hg
