#include <gtest/gtest.h>

#include "tensor/factory.h"
#include "tensor/view.h"

using namespace hg;

TEST(Tensor, CreatesAndViews) {
  Tensor a = arange(0, 6, 1, DType::f32);
  Tensor b = ops::view(a, {2, 3});
  EXPECT_EQ(b.sizes(), (Shape{2, 3}));
  Tensor t = ops::transpose(b, 0, 1);
  EXPECT_FALSE(t.is_contiguous());
  auto v = t.to_vector<float>();
  EXPECT_EQ(v, (std::vector<float>{0, 3, 1, 4, 2, 5}));
}
