// Constant and range factories: values, dtypes, contiguity and argument checks.
#include <gtest/gtest.h>

#include "tensor/factory.h"

using namespace hg;

TEST(Factory, ConstantsInEveryDtype) {
  for (DType dt : {DType::f32, DType::f64, DType::f16, DType::bf16, DType::i32, DType::i64, DType::u8,
                   DType::boolean}) {
    SCOPED_TRACE(dtype_name(dt));
    const Tensor z = zeros({2, 3}, dt), o = ones({2, 3}, dt);
    EXPECT_EQ(z.dtype(), dt);
    EXPECT_TRUE(z.is_contiguous());
    EXPECT_EQ(z.to_vector<double>(), std::vector<double>(6, 0.0));
    EXPECT_EQ(o.to_vector<double>(), std::vector<double>(6, 1.0));
  }
  EXPECT_EQ(full({2}, -2.5, DType::f64).to_vector<double>(), (std::vector<double>{-2.5, -2.5}));
  EXPECT_EQ(full_like(ones({3}, DType::i32), 7).dtype(), DType::i32);
  EXPECT_EQ(scalar_tensor(3).dim(), 0);
  EXPECT_EQ(zeros({0, 4}).numel(), 0);
  EXPECT_THROW(zeros({2, -1}), std::invalid_argument);
}

TEST(Factory, ArangeLinspaceEye) {
  EXPECT_EQ(arange(0, 1, 0.25, DType::f64).to_vector<double>(), (std::vector<double>{0, 0.25, 0.5, 0.75}));
  EXPECT_EQ(arange(5, 0, -2, DType::f32).to_vector<float>(), (std::vector<float>{5, 3, 1}));
  EXPECT_EQ(arange(4).dtype(), DType::i64);
  EXPECT_EQ(arange(0, 0, 1).numel(), 0);
  EXPECT_THROW(arange(0, 1, 0), std::invalid_argument);
  EXPECT_EQ(linspace(0, 1, 5, DType::f64).to_vector<double>(), (std::vector<double>{0, 0.25, 0.5, 0.75, 1}));
  EXPECT_EQ(linspace(2, 5, 1).to_vector<float>(), (std::vector<float>{2})) << "one step gives start";
  EXPECT_EQ(linspace(2, 5, 0).numel(), 0);
  // Symmetric formula (as torch): the halves mirror exactly; the middle is end - 3d (5.55e-17 here, as torch).
  const auto l = linspace(-1, 1, 7, DType::f64).to_vector<double>();
  for (int i = 0; i < 3; ++i) EXPECT_EQ(l[i], -l[6 - i]) << i;
  EXPECT_NEAR(l[3], 0.0, 1e-16);
  EXPECT_EQ(eye(3, DType::i32).to_vector<int32_t>(), (std::vector<int32_t>{1, 0, 0, 0, 1, 0, 0, 0, 1}));
}

TEST(Factory, FromVectorAndTensor) {
  const Tensor t = from_vector<int32_t>({1, 2, 3, 4, 5, 6}, {3, 2}, DType::f64);
  EXPECT_EQ(t.dtype(), DType::f64);
  EXPECT_EQ(t.sizes(), (Shape{3, 2}));
  EXPECT_EQ(t.to_vector<double>()[5], 6.0);
  EXPECT_EQ(from_vector<bool>({true, false}, {2}).dtype(), DType::boolean);
  EXPECT_THROW(from_vector<float>({1, 2, 3}, {2, 2}), std::invalid_argument);
  EXPECT_EQ(tensor({1, 2, 3}).to_vector<float>(), (std::vector<float>{1, 2, 3}));
  EXPECT_EQ(tensor({7}).item<int64_t>(), 7);
  EXPECT_THROW(tensor({1, 2}).item<float>(), std::invalid_argument);
}

TEST(Factory, RequiresGradOnlyForFloatingLeaves) {
  EXPECT_TRUE(zeros({2}, TensorOptions(DType::f32).with_grad()).requires_grad());
  EXPECT_THROW(zeros({2}, TensorOptions(DType::i64).with_grad()), std::invalid_argument);
  EXPECT_TRUE(rand({2}, TensorOptions(DType::f64).with_grad()).requires_grad());
}
