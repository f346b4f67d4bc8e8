// gather / scatter_add / index_select / index_add / one_hot: hand-worked values, accumulation of
// repeated indices, determinism, errors.
#include <gtest/gtest.h>

#include <omp.h>

#include "ops/index.h"
#include "tensor/factory.h"
#include "tensor/view.h"

namespace hg {
namespace {

Tensor idx(std::vector<int64_t> v, Shape s) { return from_vector(v, s); }
Tensor f64(std::vector<double> v, Shape s) { return from_vector(v, s); }

TEST(Gather, PicksAlongDim) {
  const Tensor x = f64({1, 2, 3, 4, 5, 6}, {2, 3});
  EXPECT_EQ(ops::gather(x, 1, idx({2, 0, 1, 1}, {2, 2})).to_vector<double>(), (std::vector<double>{3, 1, 5, 5}));
  EXPECT_EQ(ops::gather(x, 0, idx({1, 0, 1}, {1, 3})).to_vector<double>(), (std::vector<double>{4, 2, 6}));
  // a non-contiguous input and index
  const Tensor xt = ops::transpose(x, 0, 1);  // [[1, 4], [2, 5], [3, 6]]
  const Tensor it = ops::transpose(idx({1, 0, 0, 1, 1, 1}, {2, 3}), 0, 1);  // [[1, 1], [0, 1], [0, 1]]
  EXPECT_EQ(ops::gather(xt, 1, it).to_vector<double>(), (std::vector<double>{4, 4, 2, 5, 3, 6}));
}

TEST(ScatterAdd, AccumulatesRepeatedIndicesOutOfPlace) {
  const Tensor x = f64({1, 1, 1, 1}, {1, 4});
  const Tensor src = f64({10, 20, 30, 40, 50}, {1, 5});
  const Tensor y = ops::scatter_add(x, 1, idx({3, 3, 0}, {1, 3}), src);  // src[3], src[4] unused
  EXPECT_EQ(y.to_vector<double>(), (std::vector<double>{31, 1, 1, 31}));
  EXPECT_EQ(x.to_vector<double>(), (std::vector<double>{1, 1, 1, 1}));  // x untouched
}

TEST(IndexSelectAndAdd, RepeatedIndices) {
  const Tensor x = f64({1, 2, 3, 4, 5, 6}, {3, 2});
  EXPECT_EQ(ops::index_select(x, 0, idx({2, 2, 0}, {3})).to_vector<double>(), (std::vector<double>{5, 6, 5, 6, 1, 2}));
  const Tensor y = ops::index_add(zeros({3, 2}, DType::f64), 0, idx({2, 2, 0}, {3}), f64({1, 2, 3, 4, 5, 6}, {3, 2}));
  EXPECT_EQ(y.to_vector<double>(), (std::vector<double>{5, 6, 0, 0, 4, 6}));
}

TEST(ScatterAdd, ResultDoesNotDependOnTheThreadCount) {
  // many collisions in f32, where the order of additions changes the rounding
  Generator g(7, 0);
  const Tensor index = randint(0, 3, {64, 4096}, DType::i64, &g);
  const Tensor src = randn({64, 4096}, DType::f32, &g);
  const Tensor x = zeros({3, 4096});
  const int saved = omp_get_max_threads();
  omp_set_num_threads(1);
  const auto one = ops::scatter_add(x, 0, index, src).to_vector<float>();
  omp_set_num_threads(2);
  const auto two = ops::scatter_add(x, 0, index, src).to_vector<float>();
  omp_set_num_threads(saved);
  EXPECT_EQ(one, two);
}

TEST(OneHot, RowsSumToOne) {
  const Tensor i = idx({0, 3, 1, 3, 2, 0}, {2, 3});
  const Tensor h = ops::one_hot(i, 5);
  ASSERT_EQ(h.sizes(), (Shape{2, 3, 5}));
  EXPECT_EQ(h.dtype(), DType::i64);
  const auto v = h.to_vector<int64_t>(), iv = i.to_vector<int64_t>();
  for (int64_t r = 0; r < 6; ++r) {
    int64_t s = 0;
    for (int64_t c = 0; c < 5; ++c) s += v[r * 5 + c];
    EXPECT_EQ(s, 1);
    EXPECT_EQ(v[r * 5 + iv[r]], 1);
  }
  EXPECT_EQ(ops::one_hot(i).size(-1), 4);  // inferred: max + 1
}

template <class F>
std::string message_of(F f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(no exception)";
}

TEST(Index, OutOfRangeIndicesNameTheIndexAndTheSize) {
  const Tensor x = zeros({2, 4});
  std::string m = message_of([&] { ops::gather(x, 1, idx({0, 5}, {1, 2})); });
  EXPECT_NE(m.find("gather"), std::string::npos) << m;
  EXPECT_NE(m.find("5"), std::string::npos) << m;
  EXPECT_NE(m.find("size 4"), std::string::npos) << m;
  m = message_of([&] { ops::index_select(x, 0, idx({-1}, {1})); });
  EXPECT_NE(m.find("-1"), std::string::npos) << m;
  EXPECT_NE(m.find("size 2"), std::string::npos) << m;
  m = message_of([&] { ops::scatter_add(x, 0, idx({2}, {1, 1}), zeros({1, 1})); });
  EXPECT_NE(m.find("index 2"), std::string::npos) << m;
  m = message_of([&] { ops::index_add(x, 1, idx({4}, {1}), zeros({2, 1})); });
  EXPECT_NE(m.find("index 4"), std::string::npos) << m;
  m = message_of([&] { ops::one_hot(idx({1, 7}, {2}), 3); });
  EXPECT_NE(m.find("7"), std::string::npos) << m;
  EXPECT_NE(m.find("3"), std::string::npos) << m;
  EXPECT_THROW(ops::one_hot(idx({-1}, {1}), 3), std::invalid_argument);
}

TEST(Index, BadShapesAndDtypesNameBothShapes) {
  const Tensor x = zeros({2, 4});
  std::string m = message_of([&] { ops::gather(x, 1, idx({0, 0, 0, 0, 0, 0}, {3, 2})); });
  EXPECT_NE(m.find("[3, 2]"), std::string::npos) << m;
  EXPECT_NE(m.find("[2, 4]"), std::string::npos) << m;
  m = message_of([&] { ops::scatter_add(x, 1, idx({0, 0}, {1, 2}), zeros({1, 1})); });
  EXPECT_NE(m.find("[1, 2]"), std::string::npos) << m;
  EXPECT_NE(m.find("[1, 1]"), std::string::npos) << m;
  m = message_of([&] { ops::index_add(x, 1, idx({0}, {1}), zeros({3, 1})); });
  EXPECT_NE(m.find("[3, 1]"), std::string::npos) << m;
  EXPECT_NE(m.find("[2, 1]"), std::string::npos) << m;
  EXPECT_THROW(ops::gather(x, 1, from_vector(std::vector<int32_t>{0}, {1, 1})), std::invalid_argument);
  EXPECT_THROW(ops::index_select(x, 0, idx({0, 1}, {1, 2})), std::invalid_argument);
  EXPECT_THROW(ops::scatter_add(x, 0, idx({0}, {1, 1}), zeros({1, 1}, DType::f64)), std::invalid_argument);
}

}  // namespace
}  // namespace hg
