// Views share storage and only change (sizes, strides, offset); contiguous() copies only when needed.
#include <gtest/gtest.h>

#include "tensor/factory.h"
#include "tensor/view.h"
#include "tests/common/expect_throw.h"

using namespace hg;
using ops::view;
using hg::testing::error_message;

namespace {

Tensor iota(const Shape& s, DType dt = DType::f32) { return ops::view(arange(0, shape_numel(s), 1, dt), s); }
std::vector<float> vals(const Tensor& t) { return t.to_vector<float>(); }

}  // namespace

TEST(Views, ViewAndReshapeInferMinusOne) {
  const Tensor a = iota({2, 3, 4});
  const Tensor v = view(a, {4, -1});
  EXPECT_EQ(v.sizes(), (Shape{4, 6}));
  EXPECT_EQ(v.strides(), (Shape{6, 1}));
  EXPECT_TRUE(v.storage() == a.storage());
  EXPECT_EQ(ops::reshape(a, {-1}).sizes(), (Shape{24}));
  EXPECT_EQ(view(a, {2, -1, 2}).sizes(), (Shape{2, 6, 2}));
  EXPECT_THROW(view(a, {-1, -1}), std::invalid_argument);
  EXPECT_THROW(view(a, {5, -1}), std::invalid_argument);
  EXPECT_THROW(view(a, {-2, 12}), std::invalid_argument);
}

TEST(Views, ImpossibleViewThrowsAndReshapeCopies) {
  const Tensor t = ops::transpose(iota({2, 3}), 0, 1);  // [3, 2], strides [1, 3]
  const std::string m = error_message<std::exception>([&] { view(t, {6}); });
  EXPECT_NE(m.find("[3, 2]"), std::string::npos) << m;
  EXPECT_NE(m.find("[6]"), std::string::npos) << m;
  const Tensor r = ops::reshape(t, {6});
  EXPECT_FALSE(r.storage() == t.storage()) << "reshape copied";
  EXPECT_EQ(vals(r), (std::vector<float>{0, 3, 1, 4, 2, 5}));
  const std::string n = error_message<std::exception>([&] { view(iota({2, 3}), {4, 2}); });
  EXPECT_NE(n.find("[2, 3]"), std::string::npos) << n;
  EXPECT_NE(n.find("[4, 2]"), std::string::npos) << n;
}

TEST(Views, ViewOfNonContiguousWhenStridesAllow) {
  // permute [2,3,4] -> [3,2,4]: the last dim stays contiguous, so it can split but not merge with dim 1.
  const Tensor p = ops::permute(iota({2, 3, 4}), {1, 0, 2});
  const Tensor v = view(p, {3, 2, 2, 2});
  EXPECT_TRUE(v.storage() == p.storage());
  EXPECT_EQ(vals(v), vals(p));
  EXPECT_THROW(view(p, {3, 8}), std::invalid_argument);
  // A column slice [4, 1] of a [4, 3] matrix views as [2, 2] (stride 3 is kept).
  const Tensor col = ops::narrow(iota({4, 3}), 1, 1, 1);
  const Tensor cv = view(col, {2, 2});
  EXPECT_EQ(cv.strides(), (Shape{6, 3}));
  EXPECT_EQ(vals(cv), (std::vector<float>{1, 4, 7, 10}));
  // Expanded tensors: adding size-1 dims works on stride 0.
  const Tensor e = ops::expand(iota({1, 3}), {4, 3});
  EXPECT_EQ(vals(view(e, {4, 1, 3})), vals(e));
}

TEST(Views, FlattenSqueezeUnsqueeze) {
  const Tensor a = iota({2, 1, 3, 1});
  EXPECT_EQ(ops::flatten(a).sizes(), (Shape{6}));
  EXPECT_EQ(ops::flatten(a, 1, 2).sizes(), (Shape{2, 3, 1}));
  EXPECT_EQ(ops::flatten(scalar_tensor(3)).sizes(), (Shape{1}));
  EXPECT_EQ(ops::squeeze(a).sizes(), (Shape{2, 3}));
  EXPECT_EQ(ops::squeeze(a, 1).sizes(), (Shape{2, 3, 1}));
  EXPECT_EQ(ops::squeeze(a, -1).sizes(), (Shape{2, 1, 3}));
  EXPECT_EQ(ops::squeeze(a, 0).sizes(), a.sizes()) << "size 2 is not squeezed";
  const Tensor b = iota({2, 3});
  EXPECT_EQ(ops::unsqueeze(b, 0).sizes(), (Shape{1, 2, 3}));
  EXPECT_EQ(ops::unsqueeze(b, 1).sizes(), (Shape{2, 1, 3}));
  EXPECT_EQ(ops::unsqueeze(b, -1).sizes(), (Shape{2, 3, 1}));
  EXPECT_TRUE(ops::unsqueeze(b, 1).is_contiguous());
  EXPECT_THROW(ops::unsqueeze(b, 3), std::out_of_range);
  EXPECT_EQ(vals(ops::squeeze(ops::unsqueeze(b, 2))), vals(b));
}

TEST(Views, PermuteAndTranspose) {
  const Tensor a = iota({2, 3, 4});
  const Tensor p = ops::permute(a, {2, 0, 1});
  EXPECT_EQ(p.sizes(), (Shape{4, 2, 3}));
  EXPECT_EQ(p.strides(), (Shape{1, 12, 4}));
  EXPECT_FALSE(p.is_contiguous());
  const Tensor back = ops::permute(p, {1, 2, 0});
  EXPECT_EQ(back.strides(), a.strides());
  EXPECT_THROW(ops::permute(a, {0, 0, 1}), std::invalid_argument);
  EXPECT_THROW(ops::permute(a, {0, 1}), std::invalid_argument);
  const Tensor t = ops::transpose(a, 0, -1);
  EXPECT_EQ(t.sizes(), (Shape{4, 3, 2}));
  EXPECT_EQ(t.to_vector<float>()[1], 12.f);
}

TEST(Views, NarrowSliceAndSelect) {
  const Tensor a = iota({4, 5});
  const Tensor n = ops::narrow(a, 1, 1, 3);
  EXPECT_EQ(n.sizes(), (Shape{4, 3}));
  EXPECT_EQ(n.offset(), 1);
  EXPECT_EQ(vals(ops::select(n, 0, 1)), (std::vector<float>{6, 7, 8}));
  EXPECT_THROW(ops::narrow(a, 1, 3, 3), std::out_of_range);
  const Tensor s = ops::slice(a, 1, 0, 5, 2);  // columns 0, 2, 4
  EXPECT_EQ(s.sizes(), (Shape{4, 3}));
  EXPECT_EQ(s.strides(), (Shape{5, 2}));
  EXPECT_EQ(vals(ops::select(s, 0, -1)), (std::vector<float>{15, 17, 19}));
  EXPECT_EQ(ops::slice(a, 0, -2, 100).sizes(), (Shape{2, 5})) << "negative start, clamped end";
  EXPECT_EQ(ops::slice(a, 0, 3, 1).sizes(), (Shape{0, 5})) << "empty when end <= start";
  EXPECT_EQ(ops::slice(a, 1, 1, 5, 3).to_vector<float>()[1], 4.f);
  EXPECT_THROW(ops::slice(a, 0, 0, 4, 0), std::invalid_argument);
  EXPECT_EQ(ops::select(a, 1, 2).sizes(), (Shape{4}));
  EXPECT_THROW(ops::select(a, 0, 4), std::out_of_range);
  EXPECT_EQ(ops::select(ops::select(a, 0, 2), 0, 3).item<float>(), 13.f);
}

TEST(Views, ExpandUsesStrideZero) {
  const Tensor c = iota({3, 1});
  const Tensor e = ops::expand(c, {2, 3, 4});
  EXPECT_EQ(e.sizes(), (Shape{2, 3, 4}));
  EXPECT_EQ(e.strides(), (Shape{0, 1, 0}));
  EXPECT_TRUE(e.storage() == c.storage());
  EXPECT_EQ(ops::expand(c, {-1, 2}).sizes(), (Shape{3, 2}));
  const std::string m = error_message<std::exception>([&] { ops::expand(iota({2, 3}), {4, 3, 4}); });
  EXPECT_NE(m.find("[2, 3]"), std::string::npos) << m;
  EXPECT_NE(m.find("[4, 3, 4]"), std::string::npos) << m;
  EXPECT_THROW(ops::expand(c, {3, -2}), std::invalid_argument);
  EXPECT_THROW(ops::expand(c, {-1, 3, 2}), std::invalid_argument);
  const Tensor copy = ops::contiguous(e);
  EXPECT_EQ(copy.strides(), (Shape{12, 4, 1}));
  EXPECT_EQ(vals(ops::select(copy, 0, 1))[4], 1.f);
}

TEST(Views, ContiguousCopiesOnlyWhenNeeded) {
  const Tensor a = iota({3, 4});
  EXPECT_TRUE(ops::contiguous(a).is_same(a));
  EXPECT_TRUE(ops::contiguous(ops::narrow(a, 0, 1, 2)).storage() == a.storage()) << "a row range is contiguous";
  EXPECT_TRUE(ops::contiguous(ops::unsqueeze(a, 0)).storage() == a.storage());
  const Tensor t = ops::transpose(a, 0, 1);
  const Tensor c = ops::contiguous(t);
  EXPECT_FALSE(c.storage() == a.storage());
  EXPECT_TRUE(c.is_contiguous());
  EXPECT_EQ(vals(c), vals(t));
  EXPECT_FALSE(ops::clone(a).storage() == a.storage()) << "clone always copies";
}

TEST(Views, WritesThroughAViewAreVisible) {
  const Tensor a = zeros({3, 4});
  const Tensor col = ops::select(a, 1, 2);
  ops::copy_(col, full({3}, 7.0));
  ops::copy_(ops::select(ops::transpose(a, 0, 1), 0, 0), full({1}, -1.0));  // broadcast into column 0
  EXPECT_EQ(vals(a), (std::vector<float>{-1, 0, 7, 0, -1, 0, 7, 0, -1, 0, 7, 0}));
  ops::view(a, {12}).data<float>()[5] = 42.f;
  EXPECT_EQ(vals(a)[5], 42.f);
}

TEST(Views, ErrorsNameTheShapes) {
  const std::string m = error_message<std::exception>([] { broadcast_shapes({2, 3}, {4, 3}, "add"); });
  EXPECT_NE(m.find("[2, 3]"), std::string::npos);
  EXPECT_NE(m.find("[4, 3]"), std::string::npos);
  const std::string d = error_message<std::exception>([] { iota({2, 3}).data<double>(); });
  EXPECT_NE(d.find("[2, 3]"), std::string::npos) << d;
  EXPECT_NE(d.find("f64"), std::string::npos) << d;
  const std::string r = error_message<std::exception>([] { ops::reshape(iota({2, 3}), {4}); });
  EXPECT_NE(r.find("[2, 3]"), std::string::npos) << r;
  EXPECT_NE(r.find("[4]"), std::string::npos) << r;
}

TEST(Views, ViewMatchesACopyForManyLayouts) {
  // Every (permutation of a [2,3,4] tensor) x (target shape): when view() succeeds it must show the
  // same elements as a contiguous copy; it must succeed whenever the source is contiguous.
  const Tensor base = iota({2, 3, 4});
  const std::vector<std::vector<int64_t>> perms{{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
  const std::vector<Shape> targets{{24}, {4, 6}, {6, 4}, {2, 12}, {12, 2}, {2, 3, 4}, {3, 2, 4}, {4, 3, 2},
                                   {1, 24, 1}, {2, 1, 3, 1, 4}, {2, 2, 2, 3}, {1, 2, 3, 2, 2, 1}};
  int viewed = 0;
  for (const auto& p : perms) {
    const Tensor src = ops::permute(base, p);
    const std::vector<float> expected = vals(src);
    for (const Shape& target : targets) {
      SCOPED_TRACE(shape_str(src.sizes()) + " -> " + shape_str(target));
      Tensor v;
      try {
        v = view(src, target);
      } catch (const std::invalid_argument&) {
        EXPECT_FALSE(src.is_contiguous());
        continue;
      }
      ++viewed;
      EXPECT_TRUE(v.storage() == src.storage());
      EXPECT_EQ(v.sizes(), target);
      EXPECT_EQ(vals(v), expected);
    }
  }
  EXPECT_EQ(viewed, 21) << "the number torch.Tensor.view accepts for these cases";
}

TEST(Views, HugeShapesAreRejectedNotWrapped) {
  EXPECT_THROW(zeros({int64_t{1} << 62, 4}), std::invalid_argument);
  EXPECT_THROW(shape_numel({int64_t{1} << 40, int64_t{1} << 40}), std::invalid_argument);
  EXPECT_THROW(Tensor::empty({int64_t{1} << 61}, DType::f64), std::invalid_argument);
}
