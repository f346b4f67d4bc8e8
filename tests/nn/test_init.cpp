// nn/init.h: gains, fans and the statistics of each initialiser.
#include <gtest/gtest.h>

#include <cmath>

#include "nn/init.h"
#include "tensor/factory.h"

namespace hg {
namespace {

using namespace nn::init;

struct Moments {
  double mean, std, max_abs;
};
Moments moments(const Tensor& t) {
  const auto v = t.to_vector<double>();
  double m = 0, sq = 0, mx = 0;
  for (double x : v) m += x, mx = std::max(mx, std::abs(x));
  m /= static_cast<double>(v.size());
  for (double x : v) sq += (x - m) * (x - m);
  return {m, std::sqrt(sq / static_cast<double>(v.size() - 1)), mx};
}

TEST(Init, GainsAndFans) {
  EXPECT_DOUBLE_EQ(calculate_gain(Nonlinearity::relu), std::sqrt(2.0));
  EXPECT_DOUBLE_EQ(calculate_gain(Nonlinearity::linear), 1.0);
  EXPECT_DOUBLE_EQ(calculate_gain(Nonlinearity::tanh), 5.0 / 3.0);
  EXPECT_DOUBLE_EQ(calculate_gain(Nonlinearity::leaky_relu, std::sqrt(5.0)), std::sqrt(1.0 / 3.0));
  const Tensor w = zeros({64, 32, 3, 3});
  EXPECT_EQ(fan_in(w), 32 * 9);
  EXPECT_EQ(fan_out(w), 64 * 9);
  EXPECT_THROW(fan_in(zeros({5})), std::invalid_argument);
}

TEST(Init, KaimingNormalFanOutRelu) {
  Generator gen(21);
  const Tensor w = Tensor::empty({256, 128, 3, 3});
  kaiming_normal_(w, 0.0, FanMode::fan_out, Nonlinearity::relu, &gen);
  const auto m = moments(w);
  const double want = std::sqrt(2.0 / (256 * 9));
  EXPECT_NEAR(m.std, want, 0.01 * want);
  EXPECT_NEAR(m.mean, 0.0, 0.01 * want);
}

TEST(Init, KaimingUniformBoundAndStd) {
  Generator gen(22);
  const Tensor w = Tensor::empty({512, 300});
  kaiming_uniform_(w, 0.0, FanMode::fan_in, Nonlinearity::relu, &gen);
  const double bound = std::sqrt(6.0 / 300);
  const auto m = moments(w);
  EXPECT_LE(m.max_abs, bound);
  EXPECT_GT(m.max_abs, 0.99 * bound);
  EXPECT_NEAR(m.std, bound / std::sqrt(3.0), 0.01 * bound);
}

TEST(Init, UniformNormalConstants) {
  Generator gen(23);
  const Tensor t = Tensor::empty({100000}, DType::f64);
  uniform_(t, 2.0, 4.0, &gen);
  auto m = moments(t);
  EXPECT_NEAR(m.mean, 3.0, 0.01);
  EXPECT_NEAR(m.std, 2.0 / std::sqrt(12.0), 0.01);
  normal_(t, -1.0, 0.5, &gen);
  m = moments(t);
  EXPECT_NEAR(m.mean, -1.0, 0.01);
  EXPECT_NEAR(m.std, 0.5, 0.01);
  EXPECT_EQ(ones_(t).to_vector<double>()[7], 1.0);
  EXPECT_EQ(zeros_(t).to_vector<double>()[7], 0.0);
  EXPECT_EQ(constant_(t, 2.5).to_vector<double>()[7], 2.5);
  // Same generator state, same values.
  Generator a(1), b(1);
  const Tensor x = Tensor::empty({64}), y = Tensor::empty({64});
  EXPECT_EQ(normal_(x, 0, 1, &a).to_vector<float>(), normal_(y, 0, 1, &b).to_vector<float>());
}

}  // namespace
}  // namespace hg
