// Appearance transforms, each against its defining property.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <vector>

#include "hand/augment.h"
#include "tensor/factory.h"
#include "tests/common/expect_throw.h"

namespace hg::hand {
namespace {

Tensor random_image(int64_t h, int64_t w, uint64_t seed, double lo = 0, double hi = 1) {
  Generator g(seed);
  return uniform({3, h, w}, lo, hi, DType::f32, &g);
}

double max_abs_diff(const Tensor& a, const Tensor& b) {
  const auto x = a.to_vector<double>(), y = b.to_vector<double>();
  double m = 0;
  for (size_t k = 0; k < x.size(); ++k) m = std::max(m, std::abs(x[k] - y[k]));
  return m;
}

double mean(const Tensor& t) {
  const auto v = t.to_vector<double>();
  return std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}

std::vector<double> luma(const Tensor& image) {
  const auto v = image.to_vector<double>();
  const size_t n = v.size() / 3;
  std::vector<double> y(n);
  for (size_t p = 0; p < n; ++p) y[p] = 0.299 * v[p] + 0.587 * v[n + p] + 0.114 * v[2 * n + p];
  return y;
}

TEST(AugmentAppearance, HsvRoundTripAndIdentityJitter) {
  const Tensor img = random_image(17, 23, 1);
  EXPECT_LT(max_abs_diff(hsv_to_rgb(rgb_to_hsv(img)), img), 1e-6);
  EXPECT_LT(max_abs_diff(color_jitter_hsv(img, ColorJitterRecord{}), img), 1e-6);
  const Tensor grey = full({3, 4, 4}, 0.3);  // s = 0: hue undefined, must not matter
  EXPECT_LT(max_abs_diff(color_jitter_hsv(grey, {0.37, 1, 1, 0}), grey), 1e-7);
}

TEST(AugmentAppearance, JitterFollowsTheReferenceFormula) {
  // Value: a·(255 v) + b on the 0–255 scale, clamped (grey keeps s = 0 so r = g = b = v).
  const Tensor grey = full({3, 2, 2}, 0.4);
  const auto v = color_jitter_hsv(grey, {1, 1, 0.5, 20}).to_vector<float>();
  EXPECT_NEAR(v[0], (0.5 * 102 + 20) / 255, 1e-6);
  EXPECT_NEAR(color_jitter_hsv(grey, {1, 1, 1, 300}).to_vector<float>()[5], 1.0, 1e-7);  // clamped at 255
  // Hue × factor: pure blue (h = 2/3) at factor 0.5 is h = 1/3, pure green.
  Tensor blue = zeros({3, 1, 1});
  blue.data<float>()[2] = 0.8f;
  const auto g = color_jitter_hsv(blue, {0.5, 1, 1, 0}).to_vector<float>();
  EXPECT_NEAR(g[0], 0, 1e-6);
  EXPECT_NEAR(g[1], 0.8, 1e-6);
  EXPECT_NEAR(g[2], 0, 1e-6);
  // Saturation × 0 leaves grey at the value (the max channel).
  const Tensor img = random_image(5, 5, 2);
  const auto out = color_jitter_hsv(img, {1, 0, 1, 0}).to_vector<float>(), in = img.to_vector<float>();
  for (size_t p = 0; p < 25; ++p) {
    const float mx = std::max({in[p], in[25 + p], in[50 + p]});
    EXPECT_NEAR(out[p], mx, 1e-6);
    EXPECT_NEAR(out[25 + p], mx, 1e-6);
  }
}

TEST(AugmentAppearance, GreyscaleHasEqualChannelsAndKeepsLuma) {
  const Tensor img = random_image(9, 11, 3);
  const Tensor g = greyscale(img);
  const auto v = g.to_vector<float>();
  for (size_t p = 0; p < 99; ++p) {
    EXPECT_EQ(v[p], v[99 + p]);
    EXPECT_EQ(v[p], v[198 + p]);
  }
  const auto a = luma(img), b = luma(g);
  for (size_t p = 0; p < a.size(); ++p) EXPECT_NEAR(a[p], b[p], 1e-6);
}

TEST(AugmentAppearance, BlurPreservesTheMeanAndConstants) {
  const Tensor img = random_image(20, 17, 4);
  for (const double sigma : {0.5, 1.3, 2.0, 7.0}) {  // 7: the kernel is wider than the image
    const Tensor b = gaussian_blur(img, sigma);
    EXPECT_NEAR(mean(b), mean(img), 1e-6) << sigma;
    EXPECT_LT(max_abs_diff(b, img), 1.0);
  }
  const Tensor c = full({3, 6, 9}, 0.7);
  EXPECT_LT(max_abs_diff(gaussian_blur(c, 1.5), c), 1e-6);
  EXPECT_EQ(max_abs_diff(gaussian_blur(img, 0), img), 0.0);
  // An impulse far from the border spreads symmetrically and keeps its mass.
  Tensor dot = zeros({1, 21, 21});
  dot.data<float>()[10 * 21 + 10] = 1;
  const auto d = gaussian_blur(dot, 1.0).to_vector<float>();
  EXPECT_NEAR(std::accumulate(d.begin(), d.end(), 0.0), 1.0, 1e-6);
  EXPECT_FLOAT_EQ(d[10 * 21 + 8], d[10 * 21 + 12]);
  EXPECT_FLOAT_EQ(d[8 * 21 + 10], d[10 * 21 + 8]);
  EXPECT_NEAR(d[10 * 21 + 11] / d[10 * 21 + 10], std::exp(-0.5), 1e-5);
}

TEST(AugmentAppearance, SobelFindsEdgesOnly) {
  EXPECT_EQ(max_abs_diff(sobel_edges(full({3, 8, 8}, 0.6)), zeros({3, 8, 8})), 0.0);
  // A vertical unit step between columns 3 and 4: magnitude (1 + 2 + 1)/8 = 0.5 beside it, 0 elsewhere.
  Tensor step = zeros({3, 6, 8});
  float* s = step.data<float>();
  for (int64_t c = 0; c < 3; ++c)
    for (int64_t i = 0; i < 6; ++i)
      for (int64_t j = 4; j < 8; ++j) s[(c * 6 + i) * 8 + j] = 1;
  const auto e = sobel_edges(step).to_vector<float>();
  for (int64_t i = 0; i < 6; ++i)
    for (int64_t j = 0; j < 8; ++j) {
      const float want = (j == 3 || j == 4) ? 0.5f : 0.0f;
      EXPECT_NEAR(e[static_cast<size_t>(i * 8 + j)], want, 1e-6) << i << "," << j;
      EXPECT_EQ(e[static_cast<size_t>(i * 8 + j)], e[static_cast<size_t>(48 + i * 8 + j)]);
    }
}

TEST(AugmentAppearance, NoiseHasTheStatedStd) {
  const Tensor img = full({3, 64, 64}, 0.5);
  const Tensor n = add_gaussian_noise(img, {0.05, 99});
  const auto v = n.to_vector<double>();
  double m = 0, s = 0;
  for (const double x : v) m += x;
  m /= static_cast<double>(v.size());
  for (const double x : v) s += (x - m) * (x - m);
  s = std::sqrt(s / static_cast<double>(v.size() - 1));
  EXPECT_NEAR(m, 0.5, 0.002);   // 12,288 draws: standard error 0.00045
  EXPECT_NEAR(s, 0.05, 0.0015);  // relative standard error 0.6 %
  EXPECT_EQ(max_abs_diff(add_gaussian_noise(img, {0.05, 99}), n), 0.0);
  EXPECT_GT(max_abs_diff(add_gaussian_noise(img, {0.05, 100}), n), 0.0);
  const auto clamped = add_gaussian_noise(full({3, 8, 8}, 0.99), {0.5, 1}).to_vector<float>();
  for (const float x : clamped) EXPECT_TRUE(x >= 0 && x <= 1);
}

TEST(AugmentAppearance, ErasingChangesExactlyTheRecordedRectangle) {
  const Tensor img = random_image(30, 40, 5, 0.2, 0.8);
  ErasingConfig c;
  c.area = {0.05, 0.2};
  c.aspect = {0.5, 2};
  int erased = 0;
  for (uint64_t seed = 0; seed < 20; ++seed) {
    Generator g(seed);
    const auto rect = sample_erasing_rect(30, 40, c, g);
    if (!rect) continue;
    ++erased;
    const double area = static_cast<double>(rect->height * rect->width) / 1200;
    EXPECT_GE(area, 0.05 * 0.8);
    EXPECT_LE(area, 0.2 * 1.25);
    const auto in = img.to_vector<float>(), out = erase_rect(img, *rect, 0.0).to_vector<float>();
    for (int64_t ch = 0; ch < 3; ++ch)
      for (int64_t i = 0; i < 30; ++i)
        for (int64_t j = 0; j < 40; ++j) {
          const size_t k = static_cast<size_t>((ch * 30 + i) * 40 + j);
          const bool inside = i >= rect->top && i < rect->top + rect->height && j >= rect->left &&
                              j < rect->left + rect->width;
          EXPECT_EQ(out[k] != in[k], inside);
          if (inside) {
            EXPECT_EQ(out[k], 0.0f);
          }
        }
  }
  EXPECT_GE(erased, 15);
  testing::expect_throw_naming([&] { erase_rect(img, {25, 0, 10, 5}, 0); }, "not inside");
}

TEST(AugmentAppearance, SaltAndPepperReplacesTheStatedFraction) {
  Generator g(8);
  const Tensor depth = uniform({1, 100, 100}, 0.4, 0.8, DType::f32, &g);
  const auto in = depth.to_vector<float>();
  const float mx = *std::max_element(in.begin(), in.end());
  const auto out = salt_and_pepper(depth, {0.1, 0.5, 1234}).to_vector<float>();
  int changed = 0, salt = 0, pepper = 0;
  for (size_t k = 0; k < in.size(); ++k) {
    if (out[k] == in[k]) continue;
    ++changed;
    if (out[k] == mx) ++salt;
    else if (out[k] == 0) ++pepper;
    else ADD_FAILURE() << "pixel " << k << " became " << out[k];
  }
  EXPECT_NEAR(changed / 10000.0, 0.1, 0.012);  // binomial standard error 0.003 (+ salt drawn on the max)
  EXPECT_NEAR(static_cast<double>(salt) / (salt + pepper), 0.5, 0.06);
  EXPECT_EQ(salt_and_pepper(depth, {0.0, 0.5, 1}).to_vector<float>(), in);
  testing::expect_throw_naming([&] { salt_and_pepper(zeros({3, 4, 4}), {0.1, 0.5, 1}); }, "[3, 4, 4]");
  // Depth erasing sets the rectangle to 0 (no measurement).
  const auto erased = erase_rect(depth, {10, 20, 5, 6}, 0).to_vector<float>();
  EXPECT_EQ(erased[12 * 100 + 22], 0.0f);
  EXPECT_EQ(erased[0], in[0]);
}

}  // namespace
}  // namespace hg::hand
