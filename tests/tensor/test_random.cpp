// Random factories: distribution statistics on 1e5 samples, determinism under a seed, exact
// resumption from a saved generator state, and independence from the OpenMP thread count.
#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "tensor/factory.h"

using namespace hg;

namespace {

constexpr int64_t kN = 100000;

struct Moments {
  double mean, var;
};
Moments moments(const std::vector<double>& v) {
  const double mean = std::accumulate(v.begin(), v.end(), 0.0) / v.size();
  double ss = 0;
  for (double x : v) ss += (x - mean) * (x - mean);
  return {mean, ss / (v.size() - 1)};
}

// Tolerances below are ~5 standard errors: mean SE = sigma/sqrt(n), variance SE ~ sigma^2 sqrt(2/n).

}  // namespace

TEST(Random, RandIsUniformOnTheUnitInterval) {
  for (DType dt : {DType::f32, DType::f64}) {
    Generator g(1);
    const auto v = rand({kN}, dt, &g).to_vector<double>();
    const Moments m = moments(v);
    EXPECT_NEAR(m.mean, 0.5, 5 * std::sqrt(1.0 / 12 / kN)) << dtype_name(dt);
    EXPECT_NEAR(m.var, 1.0 / 12, 0.003) << dtype_name(dt);
    EXPECT_GE(*std::min_element(v.begin(), v.end()), 0.0);
    EXPECT_LT(*std::max_element(v.begin(), v.end()), 1.0);
  }
}

TEST(Random, UniformRespectsBounds) {
  Generator g(2);
  const auto v = uniform({kN}, -3.0, 5.0, DType::f64, &g).to_vector<double>();
  const Moments m = moments(v);
  EXPECT_NEAR(m.mean, 1.0, 5 * 8 / std::sqrt(12.0 * kN));
  EXPECT_NEAR(m.var, 64.0 / 12, 0.15);
  EXPECT_GE(*std::min_element(v.begin(), v.end()), -3.0);
  EXPECT_LT(*std::max_element(v.begin(), v.end()), 5.0);
}

TEST(Random, RandnIsStandardNormal) {
  for (DType dt : {DType::f32, DType::f64}) {
    Generator g(3);
    const auto v = randn({kN}, dt, &g).to_vector<double>();
    const Moments m = moments(v);
    EXPECT_NEAR(m.mean, 0.0, 5 / std::sqrt(double(kN))) << dtype_name(dt);
    EXPECT_NEAR(m.var, 1.0, 5 * std::sqrt(2.0 / kN)) << dtype_name(dt);
    // Tails: P(|x| > 2) = 0.0455 for N(0, 1).
    const double tail = std::count_if(v.begin(), v.end(), [](double x) { return std::abs(x) > 2; }) / double(kN);
    EXPECT_NEAR(tail, 0.0455, 0.004);
    EXPECT_TRUE(std::all_of(v.begin(), v.end(), [](double x) { return std::isfinite(x); }));
  }
}

TEST(Random, RandintCoversTheRangeEvenly) {
  Generator g(4);
  const Tensor t = randint(-3, 7, {kN}, DType::i64, &g);
  EXPECT_EQ(t.dtype(), DType::i64);
  const auto v = t.to_vector<int64_t>();
  std::vector<int64_t> counts(10, 0);
  for (int64_t x : v) {
    ASSERT_GE(x, -3);
    ASSERT_LT(x, 7);
    ++counts[x + 3];
  }
  for (int64_t c : counts) EXPECT_NEAR(c, kN / 10, 5 * std::sqrt(kN * 0.1 * 0.9));
  const Moments m = moments(t.to_vector<double>());
  EXPECT_NEAR(m.mean, 1.5, 0.05);
  EXPECT_NEAR(m.var, (100.0 - 1) / 12, 0.2);
  EXPECT_THROW(randint(3, 3, {1}), std::invalid_argument);
}

TEST(Random, RandintFullInt64Range) {
  Generator g(5);
  const auto v = randint(INT64_MIN, INT64_MAX, {1000}, DType::i64, &g).to_vector<int64_t>();
  const auto neg = std::count_if(v.begin(), v.end(), [](int64_t x) { return x < 0; });
  EXPECT_NEAR(neg, 500, 100);
}

TEST(Random, BernoulliHasMeanP) {
  Generator g(6);
  const Moments m = moments(bernoulli({kN}, 0.3, DType::f32, &g).to_vector<double>());
  EXPECT_NEAR(m.mean, 0.3, 5 * std::sqrt(0.21 / kN));
  EXPECT_NEAR(m.var, 0.21, 0.005);
  const Tensor b = bernoulli({5}, 1.0, DType::boolean, &g);
  EXPECT_EQ(b.dtype(), DType::boolean);
  EXPECT_EQ(b.to_vector<uint8_t>(), (std::vector<uint8_t>(5, 1)));
  EXPECT_THROW(bernoulli({1}, 1.5), std::invalid_argument);
}

TEST(Random, BernoulliWithPerElementProbabilities) {
  Generator g(7);
  std::vector<float> p(kN);
  for (int64_t i = 0; i < kN; ++i) p[i] = i % 2 ? 0.9f : 0.1f;
  const auto v = bernoulli(from_vector(p, {kN}), &g).to_vector<double>();
  double odd = 0, even = 0;
  for (int64_t i = 0; i < kN; ++i) (i % 2 ? odd : even) += v[i];
  EXPECT_NEAR(odd / (kN / 2), 0.9, 0.01);
  EXPECT_NEAR(even / (kN / 2), 0.1, 0.01);
}

TEST(Random, RandpermIsAPermutation) {
  Generator g(8);
  auto v = randperm(1000, &g).to_vector<int64_t>();
  std::vector<int64_t> sorted = v;
  std::sort(sorted.begin(), sorted.end());
  for (int64_t i = 0; i < 1000; ++i) ASSERT_EQ(sorted[i], i);
  EXPECT_NE(v, sorted) << "shuffled";
}

TEST(Random, SameSeedSameValues) {
  Generator a(42), b(42), c(43);
  const auto va = randn({1000}, DType::f32, &a).to_vector<float>();
  EXPECT_EQ(va, randn({1000}, DType::f32, &b).to_vector<float>());
  EXPECT_NE(va, randn({1000}, DType::f32, &c).to_vector<float>());
  EXPECT_EQ(a.counter(), 250u) << "1000 normals use 250 blocks";
  manual_seed(9);
  const auto d1 = rand({10}).to_vector<float>();
  manual_seed(9);
  EXPECT_EQ(d1, rand({10}).to_vector<float>());
}

TEST(Random, ResumesExactlyFromASavedState) {
  Generator g(11, 2);
  (void)rand({37}, DType::f32, &g);
  const uint64_t seed = g.seed(), stream = g.stream(), counter = g.counter();
  const auto next = randn({100}, DType::f64, &g).to_vector<double>();
  const double scalar = g.normal();
  Generator r;
  r.set_state(seed, stream, counter);
  EXPECT_EQ(randn({100}, DType::f64, &r).to_vector<double>(), next);
  EXPECT_EQ(r.normal(), scalar);
}

TEST(Random, ValuesDoNotDependOnTheThreadCount) {
  // Large enough to take the parallel paths (fill_indexed and strided loops split above 65536).
  const Shape shape{300001};
  auto draw = [&](int threads) {
    omp_set_num_threads(threads);
    Generator g(1234);
    std::vector<std::vector<uint8_t>> out;
    auto bytes = [&](const Tensor& t) {
      const auto* p = static_cast<const uint8_t*>(t.raw_data());
      out.emplace_back(p, p + t.numel() * dtype_size(t.dtype()));
    };
    bytes(rand(shape, DType::f32, &g));
    bytes(rand(shape, DType::f64, &g));
    bytes(randn(shape, DType::f32, &g));
    bytes(randn(shape, DType::bf16, &g));
    bytes(randint(0, 1000, shape, DType::i64, &g));
    bytes(bernoulli(shape, 0.5, DType::u8, &g));
    return out;
  };
  const int before = omp_get_max_threads();
  const auto one = draw(1);
  const auto four = draw(4);
  omp_set_num_threads(before);
  ASSERT_EQ(one.size(), four.size());
  for (size_t i = 0; i < one.size(); ++i) EXPECT_TRUE(one[i] == four[i]) << "draw " << i;
}
