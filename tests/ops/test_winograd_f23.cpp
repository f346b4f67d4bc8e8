// Winograd F(2x2, 3x3) (ops/cpu/winograd_f23.h, the f32 3x3 stride-1 conv) against a direct
// double-precision sum: odd and even planes (partial last tiles), padding 0/1/2, planes smaller than
// a tile, channel counts that cross the GEMM's depth block and micro-tile edges, chunks of several
// images and images split over chunks; a flipped kernel read through negative strides (how the
// backward-input uses it); the adjoint identity <conv(x), dy> = <x, conv^T(dy)> through conv2d's
// public passes with Winograd on, and its weight-gradient twin <conv(x, w), dy> = <gw, w> (the f32
// derivative checks); the weight gradient against the direct sum; and bit-identical forward results
// for 1 and 2 threads.
#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "ops/conv.h"
#include "ops/cpu/winograd_f23.h"
#include "ops/pointwise.h"
#include "tensor/factory.h"

namespace hg {
namespace {

using ops::cpu::ConvGeometry;
using ops::cpu::Kernel3x3;

struct WinogradCase {
  const char* name;
  int64_t N, C, O, H, W, ph, pw;
};

ConvGeometry geometry_of(const WinogradCase& c) {
  return {c.C, c.H, c.W, 3, 3, c.H + 2 * c.ph - 2, c.W + 2 * c.pw - 2, 1, 1, c.ph, c.pw, 1, 1};
}

std::vector<float> random_floats(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (float& f : v) f = u(rng);
  return v;
}

// y = conv(x, w) in double with w(o, c, a, b) read through `k`; also sum |w x| per output (the
// scale of its rounding error).
void direct_conv(const std::vector<float>& x, const Kernel3x3& k, int64_t N, int64_t O, const ConvGeometry& g,
                 std::vector<double>& y, std::vector<double>& magnitude) {
  y.assign(static_cast<size_t>(N * O * g.plane_out()), 0.0);
  magnitude.assign(y.size(), 0.0);
  for (int64_t n = 0; n < N; ++n)
    for (int64_t o = 0; o < O; ++o)
      for (int64_t i = 0; i < g.Ho; ++i)
        for (int64_t j = 0; j < g.Wo; ++j) {
          double s = 0, m = 0;
          for (int64_t c = 0; c < g.C; ++c)
            for (int64_t a = 0; a < 3; ++a)
              for (int64_t b = 0; b < 3; ++b) {
                const int64_t ih = i - g.ph + a, iw = j - g.pw + b;
                if (ih < 0 || ih >= g.H || iw < 0 || iw >= g.W) continue;
                const double p = double(k.at(o, c, a, b)) * x[((n * g.C + c) * g.H + ih) * g.W + iw];
                s += p;
                m += std::abs(p);
              }
          const size_t at = static_cast<size_t>(((n * O + o) * g.Ho + i) * g.Wo + j);
          y[at] = s;
          magnitude[at] = m;
        }
}

// Every value within 1e-5 of its own magnitude sum (sum of |products|): a wrong tap or tile is off
// by O(1). Reports the first five misses.
void expect_close_to_direct(const char* name, const std::vector<float>& actual, const std::vector<double>& direct,
                            const std::vector<double>& magnitude) {
  int bad = 0;
  for (size_t i = 0; i < actual.size() && bad < 5; ++i)
    if (!(std::abs(actual[i] - direct[i]) <= 1e-5 * magnitude[i] + 1e-30)) {
      ADD_FAILURE() << name << ": value " << i << " is " << actual[i] << ", direct sum " << direct[i];
      ++bad;
    }
}

void expect_matches_direct(const WinogradCase& c, const Kernel3x3& k, const std::vector<float>& x) {
  const ConvGeometry g = geometry_of(c);
  std::vector<float> y(static_cast<size_t>(c.N * c.O * g.plane_out()), -7.0f);
  ops::cpu::winograd_f23_conv(x.data(), k, y.data(), c.N, c.O, g);
  std::vector<double> ref, magnitude;
  direct_conv(x, k, c.N, c.O, g, ref, magnitude);
  expect_close_to_direct(c.name, y, ref, magnitude);
}

// gw[o, c, a, b] = sum_{n, i, j} dy[n, o, i, j] x[n, c, i - ph + a, j - pw + b] in double, and the
// matching sums of |dy x|.
void direct_weight_grad(const std::vector<float>& x, const std::vector<float>& gy, int64_t N, int64_t O,
                        const ConvGeometry& g, std::vector<double>& gw, std::vector<double>& magnitude) {
  gw.assign(static_cast<size_t>(O * g.C * 9), 0.0);
  magnitude.assign(gw.size(), 0.0);
  for (int64_t n = 0; n < N; ++n)
    for (int64_t o = 0; o < O; ++o)
      for (int64_t i = 0; i < g.Ho; ++i)
        for (int64_t j = 0; j < g.Wo; ++j) {
          const double d = gy[((n * O + o) * g.Ho + i) * g.Wo + j];
          for (int64_t c = 0; c < g.C; ++c)
            for (int64_t a = 0; a < 3; ++a)
              for (int64_t b = 0; b < 3; ++b) {
                const int64_t ih = i - g.ph + a, iw = j - g.pw + b;
                if (ih < 0 || ih >= g.H || iw < 0 || iw >= g.W) continue;
                const double p = d * x[((n * g.C + c) * g.H + ih) * g.W + iw];
                gw[((o * g.C + c) * 3 + a) * 3 + b] += p;
                magnitude[((o * g.C + c) * 3 + a) * 3 + b] += std::abs(p);
              }
        }
}

class WinogradF23 : public ::testing::TestWithParam<WinogradCase> {};

TEST_P(WinogradF23, WeightGradientMatchesTheDirectSum) {
  const WinogradCase& c = GetParam();
  const ConvGeometry g = geometry_of(c);
  const auto x = random_floats(static_cast<size_t>(c.N * c.C * c.H * c.W), 5);
  const auto gy = random_floats(static_cast<size_t>(c.N * c.O * g.plane_out()), 6);
  std::vector<float> gw(static_cast<size_t>(c.O * c.C * 9), -7.0f);
  ops::cpu::winograd_f23_weight_grad(x.data(), gy.data(), gw.data(), c.N, c.O, g);
  std::vector<double> ref, magnitude;
  direct_weight_grad(x, gy, c.N, c.O, g, ref, magnitude);
  expect_close_to_direct(c.name, gw, ref, magnitude);
}

TEST_P(WinogradF23, MatchesTheDirectSum) {
  const WinogradCase& c = GetParam();
  const auto x = random_floats(static_cast<size_t>(c.N * c.C * c.H * c.W), 1);
  const auto w = random_floats(static_cast<size_t>(c.O * c.C * 9), 2);
  expect_matches_direct(c, Kernel3x3{w.data(), c.C * 9, 9, 3, 1}, x);
}

// W'[c, o, a, b] = W[o, c, 2 - a, 2 - b] read in place, as the stride-1 backward-input does.
TEST_P(WinogradF23, FlippedTransposedKernelThroughNegativeStrides) {
  const WinogradCase& c = GetParam();
  const auto x = random_floats(static_cast<size_t>(c.N * c.C * c.H * c.W), 3);
  const auto w = random_floats(static_cast<size_t>(c.C * c.O * 9), 4);  // stored as [C][O][3][3]
  expect_matches_direct(c, Kernel3x3{w.data() + 8, 9, c.O * 9, -3, -1}, x);
}

INSTANTIATE_TEST_SUITE_P(
    Geometries, WinogradF23,
    ::testing::Values(WinogradCase{"one_tile", 1, 1, 1, 4, 4, 0, 0},
                      WinogradCase{"odd_planes_pad1", 2, 3, 5, 7, 9, 1, 1},
                      WinogradCase{"even_planes_pad1", 3, 17, 9, 8, 8, 1, 1},
                      WinogradCase{"pad2_odd_output", 2, 4, 3, 5, 6, 2, 2},
                      WinogradCase{"pad0_odd_output", 2, 5, 4, 7, 6, 0, 0},
                      WinogradCase{"mixed_padding", 2, 6, 7, 6, 5, 0, 1},
                      WinogradCase{"plane_1x1_pad1", 3, 8, 40, 1, 1, 1, 1},
                      WinogradCase{"plane_2x2_pad1", 5, 9, 33, 2, 2, 1, 1},
                      WinogradCase{"deep_two_depth_blocks", 2, 300, 70, 6, 6, 1, 1},
                      WinogradCase{"wide_images_split_over_chunks", 3, 5, 6, 32, 30, 1, 1},
                      WinogradCase{"many_small_images_in_a_chunk", 37, 7, 10, 4, 4, 1, 1}),
    [](const ::testing::TestParamInfo<WinogradCase>& info) { return std::string(info.param.name); });

class WinogradThroughConv2d : public ::testing::Test {
 protected:
  void TearDown() override { ops::conv_cpu_tuning() = ops::ConvCpuTuning{}; }
};

double dot(const Tensor& a, const Tensor& b) {
  const auto u = a.to_vector<double>(), v = b.to_vector<double>();
  double s = 0;
  for (size_t i = 0; i < u.size(); ++i) s += u[i] * v[i];
  return s;
}

// Both backward passes are adjoints of the forward, which is bilinear in (x, w):
//   <conv(x, w), dy> = <x, conv_backward_input(dy, w)> = <conv_backward_weight(dy, x), w>.
// All three run Winograd in f32, so this checks its derivatives without finite differences.
TEST_F(WinogradThroughConv2d, BackwardPassesAreAdjointsOfTheForward) {
  for (int64_t pad : {0, 1, 2}) {
    Generator g(21, static_cast<uint64_t>(pad));
    // 8 images of 8 x 8 tiles: deep enough for winograd_f23_weight_grad_suits on up to 4 threads.
    Tensor x = randn({8, 12, 16, 15}, {}, &g), w = randn({10, 12, 3, 3}, {}, &g);
    const Conv2dParams p = Conv2dParams::square(1, pad);
    Tensor y = ops::conv2d(x, w, Tensor(), p);
    Tensor dy = randn(y.sizes(), {}, &g);
    const double forward = dot(y, dy), tolerance = 1e-5 * std::sqrt(double(y.numel()) * 12 * 9);
    EXPECT_NEAR(dot(x, ops::conv2d_backward_input(dy, w, x.sizes(), p)), forward, tolerance) << "padding " << pad;
    EXPECT_NEAR(dot(ops::conv2d_backward_weight(dy, x, w.sizes(), p), w), forward, tolerance) << "padding " << pad;
  }
}

// Winograd and the implicit GEMM compute the same function (to rounding) in every pass that uses it.
TEST_F(WinogradThroughConv2d, AgreesWithTheImplicitGemm) {
  Generator g(22, 0);
  Tensor x = randn({8, 20, 16, 15}, {}, &g), w = randn({24, 20, 3, 3}, {}, &g), b = randn({24}, {}, &g);
  const Conv2dParams p = Conv2dParams::square(1, 1);
  ASSERT_TRUE(ops::cpu::winograd_f23_weight_grad_suits({20, 16, 15, 3, 3, 16, 15, 1, 1, 1, 1, 1, 1}, 8, 4));
  Tensor y = ops::conv2d(x, w, b, p);
  Tensor dy = ops::sin(y);
  Tensor dx = ops::conv2d_backward_input(dy, w, x.sizes(), p);
  Tensor dw = ops::conv2d_backward_weight(dy, x, w.sizes(), p);
  ops::conv_cpu_tuning().winograd = false;
  Tensor y_gemm = ops::conv2d(x, w, b, p);
  Tensor dx_gemm = ops::conv2d_backward_input(dy, w, x.sizes(), p);
  Tensor dw_gemm = ops::conv2d_backward_weight(dy, x, w.sizes(), p);
  const auto a = y.to_vector<float>(), a_ref = y_gemm.to_vector<float>();
  const auto d = dx.to_vector<float>(), d_ref = dx_gemm.to_vector<float>();
  const auto e = dw.to_vector<float>(), e_ref = dw_gemm.to_vector<float>();
  float e_scale = 0;
  for (float v : e_ref) e_scale = std::max(e_scale, std::abs(v));
  bool dw_different = false;
  for (size_t i = 0; i < e.size(); ++i) {
    ASSERT_NEAR(e[i], e_ref[i], 1e-5f * e_scale) << "dw " << i;
    dw_different = dw_different || e[i] != e_ref[i];
  }
  EXPECT_TRUE(dw_different) << "the weight gradient took the same path both times";
  bool any_different = false;
  for (size_t i = 0; i < a.size(); ++i) {
    ASSERT_NEAR(a[i], a_ref[i], 2e-5f * (1.0f + std::abs(a_ref[i]))) << "forward output " << i;
    any_different = any_different || a[i] != a_ref[i];
  }
  for (size_t i = 0; i < d.size(); ++i) ASSERT_NEAR(d[i], d_ref[i], 2e-5f * (1.0f + std::abs(d_ref[i]))) << "dx " << i;
  EXPECT_TRUE(any_different) << "the Winograd switch changed nothing: is the path still taken?";
}

TEST_F(WinogradThroughConv2d, SameBitsForOneAndTwoThreads) {
  Generator g(23, 0);
  Tensor x = randn({5, 9, 14, 13}, {}, &g), w = randn({11, 9, 3, 3}, {}, &g);
  const Conv2dParams p = Conv2dParams::square(1, 1);
  const int threads = omp_get_max_threads();
  omp_set_num_threads(2);
  const auto two = ops::conv2d(x, w, Tensor(), p).to_vector<float>();
  omp_set_num_threads(1);
  const auto one = ops::conv2d(x, w, Tensor(), p).to_vector<float>();
  omp_set_num_threads(threads);
  EXPECT_EQ(one, two);
}

}  // namespace
}  // namespace hg
