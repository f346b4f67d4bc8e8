// to_string: shape, dtype and values; long dims are summarised with "...".
#include <gtest/gtest.h>

#include <sstream>

#include "tensor/factory.h"
#include "tensor/view.h"

using namespace hg;

namespace {
bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }
}  // namespace

TEST(Print, ShowsValuesShapeAndDtype) {
  const std::string s = to_string(ops::view(arange(0, 6, 1, DType::f32), {2, 3}));
  EXPECT_TRUE(has(s, "tensor([[0, 1, 2],")) << s;
  EXPECT_TRUE(has(s, "[3, 4, 5]]")) << s;
  EXPECT_TRUE(has(s, "shape=[2, 3]")) << s;
  EXPECT_TRUE(has(s, "dtype=f32")) << s;
  EXPECT_TRUE(has(to_string(tensor({1.5, -2.25}, DType::f64)), "[1.5, -2.25]"));
  EXPECT_TRUE(has(to_string(from_vector<int64_t>({-7, 9}, {2})), "[-7, 9], shape=[2], dtype=i64"));
  EXPECT_TRUE(has(to_string(from_vector<bool>({true, false}, {2})), "[1, 0], shape=[2], dtype=bool"));
  EXPECT_TRUE(has(to_string(ones({1}, DType::bf16)), "dtype=bf16"));
}

TEST(Print, ZeroDimEmptyAndUndefined) {
  EXPECT_EQ(to_string(scalar_tensor(2.5)), "tensor(2.5, shape=[], dtype=f32)");
  EXPECT_EQ(to_string(zeros({0})), "tensor([], shape=[0], dtype=f32)");
  EXPECT_EQ(to_string(Tensor()), "Tensor(undefined)");
}

TEST(Print, SummarisesLongDims) {
  const std::string s = to_string(arange(0, 100, 1, DType::i32));
  EXPECT_TRUE(has(s, "[0, 1, 2, ..., 97, 98, 99]")) << s;
  EXPECT_FALSE(has(s, "50")) << s;
  const std::string m = to_string(arange(0, 100, 1, DType::i32), 2);
  EXPECT_TRUE(has(m, "[0, ..., 99]")) << m;
  // max_per_dim below 2 still shows one item at each end (and reads nothing out of bounds).
  EXPECT_TRUE(has(to_string(arange(0, 5, 1, DType::i32), 1), "[0, ..., 4]"));
  EXPECT_TRUE(has(to_string(arange(0, 5, 1, DType::i32), 0), "[0, ..., 4]"));
  const std::string big = to_string(zeros({50, 50}));
  EXPECT_LT(big.size(), 400u) << big;
}

TEST(Print, NonContiguousAndRequiresGrad) {
  const Tensor t = ops::transpose(ops::view(arange(0, 4, 1, DType::f32), {2, 2}), 0, 1);
  EXPECT_TRUE(has(to_string(t), "[[0, 2],")) << to_string(t);
  const Tensor w = zeros({2}, TensorOptions(DType::f32).with_grad());
  EXPECT_TRUE(has(to_string(w), "requires_grad"));
  std::ostringstream os;
  os << scalar_tensor(1);
  EXPECT_EQ(os.str(), "tensor(1, shape=[], dtype=f32)");
}
