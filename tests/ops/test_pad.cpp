// pad: hand-worked examples of each mode, the backward's folding of border gradients, errors.
#include <gtest/gtest.h>

#include "ops/pad.h"
#include "tensor/factory.h"
#include "tensor/view.h"

namespace hg {
namespace {

Tensor row(std::vector<float> v) { return from_vector(v, {1, static_cast<int64_t>(v.size())}); }

TEST(Pad, ModesOnOneRow) {
  const Tensor x = row({1, 2, 3, 4});
  EXPECT_EQ(ops::pad(x, {2, 1}, PadMode::constant, 9).to_vector<float>(), (std::vector<float>{9, 9, 1, 2, 3, 4, 9}));
  EXPECT_EQ(ops::pad(x, {2, 1}, PadMode::reflect).to_vector<float>(), (std::vector<float>{3, 2, 1, 2, 3, 4, 3}));
  EXPECT_EQ(ops::pad(x, {2, 1}, PadMode::replicate).to_vector<float>(), (std::vector<float>{1, 1, 1, 2, 3, 4, 4}));
}

TEST(Pad, TwoDimsOfANonContiguousInput) {
  // x = [[1, 2], [3, 4]] stored transposed
  const Tensor x = ops::transpose(from_vector(std::vector<float>{1, 3, 2, 4}, {2, 2}), 0, 1);
  const Tensor y = ops::pad(x, {1, 0, 0, 1}, PadMode::replicate);  // left 1, bottom 1
  EXPECT_EQ(y.sizes(), (Shape{3, 3}));
  EXPECT_EQ(y.to_vector<float>(), (std::vector<float>{1, 1, 2, 3, 3, 4, 3, 3, 4}));
}

TEST(Pad, BackwardAddsMirroredAndRepeatedPositions) {
  const std::vector<int64_t> pads{2, 1};
  const Tensor g = row({1, 10, 100, 1000, 10000, 100000, 1000000});
  // reflect reads x[2], x[1], x[0], x[1], x[2], x[3], x[2]
  EXPECT_EQ(ops::pad_backward(g, {1, 4}, pads, PadMode::reflect).to_vector<float>(),
            (std::vector<float>{100, 10 + 1000, 1 + 10000 + 1000000, 100000}));
  // replicate reads x[0], x[0], x[0], x[1], x[2], x[3], x[3]
  EXPECT_EQ(ops::pad_backward(g, {1, 4}, pads, PadMode::replicate).to_vector<float>(),
            (std::vector<float>{111, 1000, 10000, 1100000}));
  EXPECT_EQ(ops::pad_backward(g, {1, 4}, pads, PadMode::constant).to_vector<float>(),
            (std::vector<float>{100, 1000, 10000, 100000}));
}

TEST(Pad, IntegerTensorsPad) {
  const Tensor x = from_vector(std::vector<int64_t>{5, 6}, {1, 2});
  EXPECT_EQ(ops::pad(x, {1, 1}, PadMode::constant, -1).to_vector<int64_t>(), (std::vector<int64_t>{-1, 5, 6, -1}));
}

TEST(Pad, RejectsBadArguments) {
  const Tensor x = zeros({2, 3, 3});
  try {
    ops::pad(x, {3, 0}, PadMode::reflect);
    FAIL() << "reflect pad >= size accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("[2, 3, 3]"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("smaller"), std::string::npos) << e.what();
  }
  EXPECT_THROW(ops::pad(zeros({4}), {1, 1}), std::invalid_argument);          // 1-D
  EXPECT_THROW(ops::pad(zeros({2, 2, 2, 2, 2}), {1, 1}), std::invalid_argument);  // 5-D
  EXPECT_THROW(ops::pad(x, {1, 1, 1}), std::invalid_argument);
  EXPECT_THROW(ops::pad(x, {-1, 1}), std::invalid_argument);
  EXPECT_THROW(ops::pad_backward(zeros({2, 3, 4}), {2, 3, 3}, {1, 1}, PadMode::constant), std::invalid_argument);
}

TEST(Pad, ParsesModeNames) {
  EXPECT_EQ(parse_pad_mode("reflect"), PadMode::reflect);
  EXPECT_STREQ(pad_mode_name(PadMode::replicate), "replicate");
  try {
    parse_pad_mode("circular");
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("constant, reflect, replicate"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace hg
