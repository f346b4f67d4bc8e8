// conv2d's CPU strategies against a direct six-loop reference (in double), the dtype paths, the
// argument errors, and pooling edge cases. Fixtures from PyTorch are in test_conv_pool.cpp.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "autograd/conv.h"
#include "autograd/pool.h"
#include "ops/conv.h"
#include "ops/pointwise.h"
#include "ops/pool.h"
#include "tensor/factory.h"
#include "tensor/view.h"
#include "tests/common/compare.h"
#include "tests/common/expect_throw.h"

namespace hg {
namespace {

using testing::AllClose;
using hg::testing::error_message;

// y[n, o, i, j] = b[o] + sum_{c in group, a, b} w[o, c, a, b] x[n, g Cg + c, i sh - ph + a dh, j sw - pw + b dw]
// and the two adjoints, by brute force in double.
struct Reference {
  Tensor y, gx, gw;
};
Reference reference_conv(const Tensor& x, const Tensor& w, const Tensor& bias, const Tensor& gy, const Conv2dParams& p) {
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  const int64_t O = w.size(0), Cg = w.size(1), kh = w.size(2), kw = w.size(3);
  const int64_t Ho = p.out_h(H, kh), Wo = p.out_w(W, kw), Og = O / p.groups;
  const auto xv = x.to_vector<double>(), wv = w.to_vector<double>(), gv = gy.to_vector<double>();
  const auto bv = bias.defined() ? bias.to_vector<double>() : std::vector<double>(O, 0.0);
  std::vector<double> y(N * O * Ho * Wo), gx(xv.size(), 0.0), gw(wv.size(), 0.0);
  for (int64_t n = 0; n < N; ++n)
    for (int64_t o = 0; o < O; ++o)
      for (int64_t i = 0; i < Ho; ++i)
        for (int64_t j = 0; j < Wo; ++j) {
          const int64_t yi = ((n * O + o) * Ho + i) * Wo + j;
          double s = bv[o];
          for (int64_t c = 0; c < Cg; ++c)
            for (int64_t a = 0; a < kh; ++a)
              for (int64_t b = 0; b < kw; ++b) {
                const int64_t ih = i * p.stride_h - p.pad_h + a * p.dilation_h;
                const int64_t iw = j * p.stride_w - p.pad_w + b * p.dilation_w;
                if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                const int64_t xi = ((n * C + (o / Og) * Cg + c) * H + ih) * W + iw;
                const int64_t wi = ((o * Cg + c) * kh + a) * kw + b;
                s += wv[wi] * xv[xi];
                gx[xi] += wv[wi] * gv[yi];
                gw[wi] += xv[xi] * gv[yi];
              }
          y[yi] = s;
        }
  return {from_vector(y, {N, O, Ho, Wo}), from_vector(gx, x.sizes()), from_vector(gw, w.sizes())};
}

struct Case {
  const char* name;
  Shape x, w;
  Conv2dParams p;
  bool bias;
};
const std::vector<Case> kCases = {
    {"3x3_pad1", {4, 3, 8, 8}, {5, 3, 3, 3}, Conv2dParams::square(1, 1), true},
    {"5x5_stride2_pad2", {3, 2, 11, 10}, {4, 2, 5, 5}, Conv2dParams::square(2, 2), false},
    {"dilation3_groups3", {2, 6, 9, 9}, {6, 2, 3, 3}, {1, 1, 3, 3, 3, 3, 3}, true},
    {"asymmetric", {3, 4, 7, 12}, {2, 4, 3, 2}, {2, 3, 0, 1, 1, 2, 1}, true},
    {"1x1_wide", {3, 5, 16, 17}, {7, 5, 1, 1}, {}, true},  // 272 columns: the direct path
    {"1x1_narrow_groups", {5, 6, 3, 3}, {4, 3, 1, 1}, Conv2dParams::square(1, 0, 1, 2), false},
    {"depthwise_stride2", {3, 4, 8, 8}, {8, 1, 3, 3}, Conv2dParams::square(2, 1, 1, 4), true},
    {"kernel_covers_input", {2, 3, 4, 4}, {2, 3, 4, 4}, {}, false},
    {"pad_larger_than_kernel", {2, 2, 3, 3}, {3, 2, 2, 2}, Conv2dParams::square(1, 3), true},
};

class ConvStrategies : public ::testing::TestWithParam<std::tuple<size_t, int>> {
 protected:
  void TearDown() override { ops::conv_cpu_tuning() = ops::ConvCpuTuning{}; }
};

TEST_P(ConvStrategies, MatchesDirectReference) {
  const Case& c = kCases[std::get<0>(GetParam())];
  const int strategy = std::get<1>(GetParam());
  ops::ConvCpuTuning t;
  if (strategy == 1) t.threading = ops::ConvThreading::batch_parallel;
  if (strategy == 2) t.threading = ops::ConvThreading::gemm_parallel;
  if (strategy == 3) t.pointwise_fast_path = false;
  if (strategy == 4) t.col_buffer_bytes = 1 << 30;  // the whole batch in one GEMM
  if (strategy == 5) t.winograd = false;             // 3x3 stride 1 on the implicit GEMM too
  ops::conv_cpu_tuning() = t;
  Generator g(7, std::get<0>(GetParam()));
  Tensor x = randn(c.x, {}, &g), w = randn(c.w, {}, &g);
  Tensor b = c.bias ? randn({c.w[0]}, {}, &g) : Tensor();
  Tensor y = ops::conv2d(x, w, b, c.p);
  Tensor gy = randn(y.sizes(), {}, &g);
  const Reference r = reference_conv(x, w, b, gy, c.p);
  EXPECT_TRUE(AllClose(y, r.y, 1e-5)) << c.name;
  EXPECT_TRUE(AllClose(ops::conv2d_backward_input(gy, w, x.sizes(), c.p), r.gx, 1e-5)) << c.name;
  EXPECT_TRUE(AllClose(ops::conv2d_backward_weight(gy, x, w.sizes(), c.p), r.gw, 1e-5)) << c.name;
}

std::string strategy_case_name(const ::testing::TestParamInfo<std::tuple<size_t, int>>& info) {
  static const char* kNames[] = {"auto", "batch", "gemm", "no_fast_path", "one_gemm", "no_winograd"};
  return std::string(kCases[std::get<0>(info.param)].name) + "_" + kNames[std::get<1>(info.param)];
}
INSTANTIATE_TEST_SUITE_P(AllShapes, ConvStrategies,
                         ::testing::Combine(::testing::Range<size_t>(0, kCases.size()), ::testing::Range(0, 6)),
                         strategy_case_name);

class ConvTuning : public ::testing::Test {
 protected:
  void TearDown() override { ops::conv_cpu_tuning() = ops::ConvCpuTuning{}; }
};

// Everything three ways: fwd, bwd-input, bwd-weight.
std::vector<Tensor> all_passes(const Tensor& x, const Tensor& w, const Tensor& b, const Conv2dParams& p) {
  Tensor y = ops::conv2d(x, w, b, p);
  Tensor gy = ops::mul(ops::sin(y), 0.5);
  return {y, ops::conv2d_backward_input(gy, w, x.sizes(), p), ops::conv2d_backward_weight(gy, x, w.sizes(), p)};
}

TEST_F(ConvTuning, PointwiseFastPathEqualsGeneralPath) {
  Generator g(11, 0);
  Tensor x = randn({4, 16, 20, 20}, {}, &g), w = randn({24, 16, 1, 1}, {}, &g), b = randn({24}, {}, &g);
  const auto fast = all_passes(x, w, b, {});
  ops::conv_cpu_tuning().pointwise_fast_path = false;
  const auto general = all_passes(x, w, b, {});
  for (size_t k = 0; k < 3; ++k) EXPECT_TRUE(AllClose(fast[k], general[k], 1e-6)) << "pass " << k;
}

TEST_F(ConvTuning, BatchParallelEqualsSerialGemm) {
  Generator g(12, 0);
  Tensor x = randn({7, 8, 12, 12}, {}, &g), w = randn({16, 8, 3, 3}, {}, &g), b = randn({16}, {}, &g);
  const Conv2dParams p = Conv2dParams::square(1, 1);
  ops::conv_cpu_tuning().threading = ops::ConvThreading::batch_parallel;
  const auto batch = all_passes(x, w, b, p);
  ops::conv_cpu_tuning().threading = ops::ConvThreading::gemm_parallel;
  const auto serial = all_passes(x, w, b, p);
  for (size_t k = 0; k < 3; ++k) EXPECT_TRUE(AllClose(batch[k], serial[k], 1e-6)) << "pass " << k;
}

TEST_F(ConvTuning, BatchParallelWithFewerImagesThanThreads) {
  Generator g(16, 0);
  Tensor x = randn({1, 3, 6, 6}, {}, &g), w = randn({4, 3, 3, 3}, {}, &g);
  Tensor gy = randn({1, 4, 4, 4}, {}, &g);
  const Reference r = reference_conv(x, w, Tensor(), gy, {});
  ops::conv_cpu_tuning().threading = ops::ConvThreading::batch_parallel;
  EXPECT_TRUE(AllClose(ops::conv2d(x, w, Tensor()), r.y, 1e-5));
  EXPECT_TRUE(AllClose(ops::conv2d_backward_input(gy, w, x.sizes()), r.gx, 1e-5));
  EXPECT_TRUE(AllClose(ops::conv2d_backward_weight(gy, x, w.sizes()), r.gw, 1e-5));
}

TEST_F(ConvTuning, F64MatchesReferenceTightly) {
  Generator g(13, 0);
  Tensor x = randn({3, 4, 6, 7}, DType::f64, &g), w = randn({6, 2, 3, 3}, DType::f64, &g);
  const Conv2dParams p{2, 1, 1, 1, 1, 2, 2};
  Tensor y = ops::conv2d(x, w, Tensor(), p);
  Tensor gy = randn(y.sizes(), DType::f64, &g);
  const Reference r = reference_conv(x, w, Tensor(), gy, p);
  EXPECT_EQ(y.dtype(), DType::f64);
  EXPECT_TRUE(AllClose(y, r.y, 1e-12));
  EXPECT_TRUE(AllClose(ops::conv2d_backward_input(gy, w, x.sizes(), p), r.gx, 1e-12));
  EXPECT_TRUE(AllClose(ops::conv2d_backward_weight(gy, x, w.sizes(), p), r.gw, 1e-12));
}

TEST(ConvDtypes, HalfAndBfloat16ComputeThroughF32) {
  Generator g(14, 0);
  Tensor x = randn({2, 3, 6, 6}, {}, &g), w = randn({4, 3, 3, 3}, {}, &g), b = randn({4}, {}, &g);
  const Conv2dParams p = Conv2dParams::square(1, 1);
  for (DType dt : {DType::f16, DType::bf16}) {
    Tensor xl = ops::to_dtype(x, dt), wl = ops::to_dtype(w, dt), bl = ops::to_dtype(b, dt);
    // the reference sees the same rounded inputs, computed in f32
    Tensor ref = ops::conv2d(ops::to_dtype(xl, DType::f32), ops::to_dtype(wl, DType::f32),
                             ops::to_dtype(bl, DType::f32), p);
    Tensor y = ops::conv2d(xl, wl, bl, p);
    EXPECT_EQ(y.dtype(), dt);
    const double tol = dt == DType::f16 ? 1e-3 : 8e-3;  // one rounding of the output
    EXPECT_TRUE(AllClose(y, ref, tol)) << dtype_name(dt);
    Tensor gy = ops::to_dtype(ops::mul(ops::cos(ref), 0.5), dt);
    Tensor gx = ops::conv2d_backward_input(gy, wl, x.sizes(), p), gw = ops::conv2d_backward_weight(gy, xl, w.sizes(), p);
    EXPECT_EQ(gx.dtype(), dt);
    EXPECT_EQ(gw.dtype(), dt);
    EXPECT_TRUE(AllClose(gx, ops::conv2d_backward_input(ops::to_dtype(gy, DType::f32), ops::to_dtype(wl, DType::f32), x.sizes(), p), tol));
    EXPECT_TRUE(AllClose(gw, ops::conv2d_backward_weight(ops::to_dtype(gy, DType::f32), ops::to_dtype(xl, DType::f32), w.sizes(), p), tol));
    EXPECT_EQ(ops::max_pool2d(xl, 2).values.dtype(), dt);
    EXPECT_TRUE(AllClose(ops::avg_pool2d(xl, 3, 1, 1), ops::avg_pool2d(ops::to_dtype(xl, DType::f32), 3, 1, 1), tol));
    EXPECT_TRUE(AllClose(ops::adaptive_avg_pool2d(xl, 4, 5),
                         ops::adaptive_avg_pool2d(ops::to_dtype(xl, DType::f32), 4, 5), tol));
  }
}

TEST(ConvAutograd, FirstLayerImageGetsNoGradient) {
  Generator g(15, 0);
  Tensor x = randn({2, 3, 5, 5}, {}, &g);  // an image: no requires_grad
  Tensor w = randn({4, 3, 3, 3}, {}, &g).set_requires_grad(true);
  Tensor b = zeros({4}).set_requires_grad(true);
  Tensor y = conv2d(x, w, b, Conv2dParams::square(1, 1));
  y.backward(ones_like(y));
  EXPECT_FALSE(x.grad().defined());
  ASSERT_TRUE(w.grad().defined());
  EXPECT_TRUE(AllClose(b.grad(), full({4}, 2.0 * 5 * 5), 0));
  EXPECT_TRUE(AllClose(w.grad(), ops::conv2d_backward_weight(ones_like(y), x, w.sizes(), Conv2dParams::square(1, 1)), 0));
}

TEST(ConvAutograd, NoGraphWhenNothingRequiresGrad) {
  Tensor y = conv2d(ones({1, 1, 3, 3}), ones({1, 1, 2, 2}));
  EXPECT_FALSE(y.requires_grad());
  EXPECT_EQ(y.to_vector<float>(), std::vector<float>(4, 4.0f));
}

TEST(ConvErrors, NameBothShapes) {
  const Tensor x = zeros({2, 4, 8, 8}), w = zeros({6, 2, 3, 3});
  std::string m = error_message<std::invalid_argument>([&] { ops::conv2d(zeros({4, 8, 8}), w, Tensor()); });
  EXPECT_NE(m.find("[4, 8, 8]"), std::string::npos) << m;
  EXPECT_NE(m.find("[6, 2, 3, 3]"), std::string::npos) << m;

  m = error_message<std::invalid_argument>([&] { ops::conv2d(x, w, Tensor()); });  // 4 channels vs 2 x groups 1
  EXPECT_NE(m.find("[2, 4, 8, 8]"), std::string::npos) << m;
  EXPECT_NE(m.find("[6, 2, 3, 3]"), std::string::npos) << m;
  EXPECT_NE(m.find("channels"), std::string::npos) << m;

  m = error_message<std::invalid_argument>([&] { ops::conv2d(zeros({1, 6, 8, 8}), zeros({6, 2, 3, 3}), Tensor(), Conv2dParams::square(1, 0, 1, 4)); });
  EXPECT_NE(m.find("groups 4 must divide"), std::string::npos) << m;

  m = error_message<std::invalid_argument>([&] { ops::conv2d(zeros({1, 2, 2, 2}), zeros({3, 2, 3, 3}), Tensor()); });
  EXPECT_NE(m.find("output size would be 0x0"), std::string::npos) << m;
  EXPECT_NE(m.find("[1, 2, 2, 2]"), std::string::npos) << m;

  m = error_message<std::invalid_argument>([&] { ops::conv2d(x, w, zeros({5}), Conv2dParams::square(1, 0, 1, 2)); });
  EXPECT_NE(m.find("bias [5]"), std::string::npos) << m;

  m = error_message<std::invalid_argument>([&] { ops::conv2d(x, zeros({6, 2, 3, 3}, DType::f64), Tensor(), Conv2dParams::square(1, 0, 1, 2)); });
  EXPECT_NE(m.find("dtypes differ"), std::string::npos) << m;

  m = error_message<std::invalid_argument>([&] { ops::conv2d(x, w, Tensor(), Conv2dParams::square(0)); });
  EXPECT_NE(m.find("invalid parameters"), std::string::npos) << m;

  m = error_message<std::invalid_argument>([&] { ops::conv2d_backward_input(zeros({2, 6, 5, 5}), w, x.sizes(), Conv2dParams::square(1, 0, 1, 2)); });
  EXPECT_NE(m.find("grad_output [2, 6, 5, 5] does not match [2, 6, 6, 6]"), std::string::npos) << m;

  m = error_message<std::invalid_argument>([&] { ops::conv2d(zeros({1, 2, 3, 3}, DType::i64), zeros({1, 2, 1, 1}, DType::i64), Tensor()); });
  EXPECT_NE(m.find("floating"), std::string::npos) << m;
}

TEST(PoolErrors, NameTheShapeAndWindow) {
  std::string m = error_message<std::invalid_argument>([] { ops::max_pool2d(zeros({2, 2}), 2); });
  EXPECT_NE(m.find("[2, 2]"), std::string::npos) << m;
  m = error_message<std::invalid_argument>([] { ops::max_pool2d(zeros({1, 1, 5, 5}), 2, 2, 2); });
  EXPECT_NE(m.find("padding must be at most half the kernel"), std::string::npos) << m;
  m = error_message<std::invalid_argument>([] { ops::avg_pool2d(zeros({1, 1, 2, 2}), 3); });
  EXPECT_NE(m.find("output size would be 0x0"), std::string::npos) << m;
  EXPECT_NE(m.find("[1, 1, 2, 2]"), std::string::npos) << m;
  m = error_message<std::invalid_argument>([] { ops::adaptive_avg_pool2d(zeros({1, 1, 4, 4}), 0, 2); });
  EXPECT_NE(m.find("must be positive"), std::string::npos) << m;
  m = error_message<std::invalid_argument>([] { ops::max_pool2d_backward(zeros({1, 1, 2, 2}), zeros({1, 1, 2, 1}, DType::i64), {1, 1, 4, 4}); });
  EXPECT_NE(m.find("do not match"), std::string::npos) << m;
}

TEST(Pool, MaxPoolIndicesAreFlatPlanePositionsAndNaNPropagates) {
  // plane 0..15 in a 4x4 grid; 2x2 windows pick the bottom-right element
  Tensor x = ops::reshape(arange(0.0, 16.0), {1, 1, 4, 4});
  auto r = ops::max_pool2d(x, 2);
  EXPECT_EQ(r.indices.to_vector<int64_t>(), (std::vector<int64_t>{5, 7, 13, 15}));
  EXPECT_EQ(r.values.to_vector<float>(), (std::vector<float>{5, 7, 13, 15}));
  std::vector<float> v(16, 1.0f);
  v[4] = std::numeric_limits<float>::quiet_NaN();
  auto rn = ops::max_pool2d(from_vector(v, {1, 4, 4}), 2);  // 3-D input works too
  EXPECT_EQ(rn.values.sizes(), (Shape{1, 2, 2}));
  EXPECT_TRUE(std::isnan(rn.values.to_vector<float>()[0]));
  EXPECT_EQ(rn.indices.to_vector<int64_t>()[0], 4);
}

TEST(Pool, AvgPoolDivisors) {
  Tensor x = ones({1, 1, 3, 3});
  // 3x3 window, padding 1: the corner window has 4 real pixels of 9
  EXPECT_FLOAT_EQ(ops::avg_pool2d(x, 3, 1, 1, false, true).to_vector<float>()[0], 4.0f / 9.0f);
  EXPECT_FLOAT_EQ(ops::avg_pool2d(x, 3, 1, 1, false, false).to_vector<float>()[0], 1.0f);
}

TEST(Pool, AdaptiveCellsOverlapWhenSizesDoNotDivide) {
  // H = 5 into 3 cells: [0, 2), [1, 4), [3, 5)
  Tensor x = ops::reshape(arange(0.0, 5.0), {1, 1, 5, 1});
  EXPECT_EQ(ops::adaptive_avg_pool2d(x, 3, 1).to_vector<float>(), (std::vector<float>{0.5f, 2.0f, 3.5f}));
}

}  // namespace
}  // namespace hg
