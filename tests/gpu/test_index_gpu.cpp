// gather / scatter_add / index_select / index_add / one_hot on CUDA vs the CPU op on the same
// inputs: every dtype, non-contiguous operands, repeated indices (accumulation in index order, so
// the results equal the CPU's bit for bit), empty tensors, out-of-range errors with the CPU's
// message, determinism. Skipped without a GPU.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ops/index.h"
#include "ops/pointwise.h"
#include "tensor/factory.h"
#include "tensor/philox.h"
#include "tensor/view.h"
#include "tests/common/compare.h"
#include "tests/common/gpu_test.h"

namespace hg {
namespace {

using testing::kGpu;
using testing::gpu;

const std::vector<DType> kAll = {DType::f64, DType::f32, DType::f16, DType::bf16,
                                 DType::i32, DType::i64, DType::u8, DType::boolean};

// GPU result equals the CPU result bit for bit (indexing copies or adds in the CPU's order).
::testing::AssertionResult Same(const Tensor& actual, const Tensor& expected) {
  if (!actual.device().is_cuda()) return ::testing::AssertionFailure() << "result is on " << actual.device().str();
  return testing::BitEqual(ops::to_device(actual, Device::cpu()), expected);
}

Tensor random(const Shape& shape, DType dt, uint64_t seed) {
  Generator g(seed);
  Tensor u = ops::round(ops::mul(rand(shape, DType::f64, &g), 6.0));
  if (is_floating(dt)) u = ops::add(u, 0.25);  // non-integral floats
  return ops::to_dtype(u, dt);
}
Tensor indices(const Shape& shape, int64_t size, uint64_t seed) {
  Generator g(seed);
  return ops::to_dtype(ops::floor(ops::mul(rand(shape, DType::f64, &g), static_cast<double>(size) - 1e-9)), DType::i64);
}

// The message of the exception f throws (or "" when it does not throw).
template <class F>
std::string message_of(F f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

TEST(IndexGpu, GatherAndIndexSelectEveryDtype) {
  REQUIRE_GPU();
  uint64_t seed = 1;
  for (DType dt : kAll) {
    SCOPED_TRACE(dtype_name(dt));
    const Tensor x = random({5, 6, 4}, dt, seed++);
    const Tensor X = gpu(x);
    for (int64_t dim : {0, 1, 2}) {
      const Tensor i = indices({3, 5, 4}, x.size(dim), seed++);
      const Tensor ix = ops::narrow(i, dim, 0, 2);  // index no larger than x outside dim
      EXPECT_TRUE(Same(ops::gather(X, dim, gpu(ix)), ops::gather(x, dim, ix)));
      const Tensor sel = indices({7}, x.size(dim), seed++);
      EXPECT_TRUE(Same(ops::index_select(X, dim, gpu(sel)), ops::index_select(x, dim, sel)));
    }
    // non-contiguous input and index
    const Tensor xt = ops::transpose(x, 0, 2), it = ops::transpose(indices({2, 6, 4}, 5, seed++), 0, 2);
    EXPECT_TRUE(Same(ops::gather(ops::transpose(X, 0, 2), 2, ops::transpose(gpu(ops::transpose(it, 0, 2)), 0, 2)),
                     ops::gather(xt, 2, it)));
    const Tensor strided_sel = ops::slice(indices({10}, 6, seed++), 0, 0, 10, 2);
    EXPECT_TRUE(Same(ops::index_select(X, 1, gpu(strided_sel)), ops::index_select(x, 1, strided_sel)));
  }
}

TEST(IndexGpu, ScatterAddAndIndexAddAccumulateInIndexOrder) {
  REQUIRE_GPU();
  uint64_t seed = 100;
  for (DType dt : kAll) {
    SCOPED_TRACE(dtype_name(dt));
    const Tensor x = random({4, 6, 3}, dt, seed++);
    const Tensor X = gpu(x);
    for (int64_t dim : {0, 1, 2}) {
      const Tensor src = random({4, 9, 3}, dt, seed++);
      Shape ishape = {4, 6, 3};
      ishape[dim] = dim == 1 ? 9 : ishape[dim];
      const Tensor i = indices(ishape, x.size(dim), seed++);  // many repeats
      EXPECT_TRUE(Same(ops::scatter_add(X, dim, gpu(i), gpu(src)), ops::scatter_add(x, dim, i, src)));
      Shape sshape = x.sizes();
      sshape[dim] = 11;
      const Tensor s2 = random(sshape, dt, seed++);
      const Tensor sel = indices({11}, x.size(dim), seed++);
      EXPECT_TRUE(Same(ops::index_add(X, dim, gpu(sel), gpu(s2)), ops::index_add(x, dim, sel, s2)));
    }
    // non-contiguous src and x
    const Tensor r = random({3, 6, 4}, dt, seed++);
    const Tensor src = ops::transpose(r, 0, 2);
    const Tensor i = indices({4, 6, 3}, 6, seed++);
    EXPECT_TRUE(Same(ops::scatter_add(ops::transpose(gpu(ops::transpose(x, 0, 2)), 0, 2), 1, gpu(i), ops::transpose(gpu(r), 0, 2)),
                     ops::scatter_add(x, 1, i, src)));
    EXPECT_TRUE(testing::BitEqual(ops::scatter_add(X, 1, gpu(i), gpu(src)), ops::scatter_add(X, 1, gpu(i), gpu(src))));
  }
  // empty index: x unchanged
  const Tensor x = random({2, 3}, DType::f32, 200);
  EXPECT_TRUE(Same(ops::scatter_add(gpu(x), 0, gpu(zeros({0, 3}, DType::i64)), gpu(zeros({0, 3}, DType::f32))),
                   ops::scatter_add(x, 0, zeros({0, 3}, DType::i64), zeros({0, 3}, DType::f32))));
  EXPECT_TRUE(Same(ops::gather(gpu(x), 1, gpu(zeros({2, 0}, DType::i64))), ops::gather(x, 1, zeros({2, 0}, DType::i64))));
}

TEST(IndexGpu, OneHot) {
  REQUIRE_GPU();
  const Tensor i = indices({3, 5}, 7, 300);
  EXPECT_TRUE(Same(ops::one_hot(gpu(i)), ops::one_hot(i)));
  EXPECT_TRUE(Same(ops::one_hot(gpu(i), 9), ops::one_hot(i, 9)));
  EXPECT_TRUE(Same(ops::one_hot(gpu(ops::transpose(i, 0, 1)), 7), ops::one_hot(ops::transpose(i, 0, 1), 7)));
  EXPECT_TRUE(Same(ops::one_hot(gpu(zeros({0}, DType::i64)), 4), ops::one_hot(zeros({0}, DType::i64), 4)));
}

TEST(IndexGpu, OutOfRangeAndBadArgumentsThrowTheCpuMessage) {
  REQUIRE_GPU();
  const Tensor x = random({4, 5}, DType::f32, 1);
  const Tensor bad = from_vector<int64_t>({0, 3, 5, -1, 2, 7}, {2, 3});  // first bad value: 5
  const Tensor bad1 = from_vector<int64_t>({1, -2, 9}, {3});
  const Tensor src = random({2, 3}, DType::f32, 2);
  auto both = [&](auto op) {
    const std::string cpu = message_of([&] { op(false); }), cuda = message_of([&] { op(true); });
    EXPECT_FALSE(cpu.empty());
    EXPECT_EQ(cuda, cpu);
  };
  auto on = [&](bool g, const Tensor& t) { return g ? gpu(t) : t; };
  both([&](bool g) { ops::gather(on(g, x), 1, on(g, bad)); });
  both([&](bool g) { ops::scatter_add(on(g, x), 1, on(g, bad), on(g, src)); });
  both([&](bool g) { ops::index_select(on(g, x), 1, on(g, bad1)); });
  both([&](bool g) { ops::index_add(on(g, x), 0, on(g, bad1), on(g, random({3, 5}, DType::f32, 3))); });
  both([&](bool g) { ops::one_hot(on(g, bad1)); });                                      // negative
  both([&](bool g) { ops::one_hot(on(g, from_vector<int64_t>({1, 6, 2}, {3})), 4); });  // too large
  both([&](bool g) { ops::one_hot(on(g, zeros({0}, DType::i64))); });                   // cannot infer
  both([&](bool g) { ops::gather(on(g, x), 1, on(g, ops::to_dtype(bad, DType::i32))); });  // dtype
  EXPECT_THROW(ops::gather(gpu(x), 1, bad), std::invalid_argument);  // devices differ
}

}  // namespace
}  // namespace hg
