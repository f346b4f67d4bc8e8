// conv2d on cuDNN vs the CPU op: forward, backward-input, backward-weight, bias gradient, for
// strides, padding, dilation, groups (depthwise included), odd sizes and non-contiguous inputs;
// the algorithm cache and run-to-run determinism. Tolerances (relative to max |expected|):
// f64 1e-12, f32 1e-5 (TF32 off), f16 1e-2, bf16 2e-2.
#include <gtest/gtest.h>

#include "ops/conv.h"
#include "tensor/factory.h"
#include "tensor/view.h"
#include "tests/common/compare.h"
#include "tests/common/gpu_test.h"
#include "tests/common/expect_throw.h"
#if HANDGRAD_WITH_CUDA
#include "ops/cuda/conv_cuda.h"
#endif

namespace hg {
namespace {

using testing::kGpu;
using testing::tolerance;
using testing::gpu;
using testing::cpu;

struct Case {
  Shape x, w;
  Conv2dParams p;
};

std::vector<Case> cases() {
  return {
      {{2, 3, 9, 11}, {4, 3, 3, 3}, Conv2dParams::square(1, 1)},
      {{1, 4, 13, 7}, {6, 4, 3, 5}, {2, 1, 1, 2, 1, 1, 1}},           // stride 2x1, pad 1x2
      {{2, 2, 12, 12}, {3, 2, 3, 3}, Conv2dParams::square(1, 2, 2)},   // dilation 2
      {{2, 6, 8, 9}, {4, 3, 3, 3}, Conv2dParams::square(2, 1, 1, 2)},  // groups 2
      {{1, 5, 10, 10}, {5, 1, 3, 3}, Conv2dParams::square(1, 1, 1, 5)},  // depthwise
      {{3, 8, 5, 6}, {16, 8, 1, 1}, {}},                                 // 1x1
      {{1, 1, 1, 1}, {1, 1, 1, 1}, {}},                                  // smallest
  };
}

TEST(GpuConv, ForwardAndBackwardsMatchCpu) {
  REQUIRE_GPU();
  Generator g(21);
  for (DType dt : {DType::f64, DType::f32, DType::f16, DType::bf16}) {
    for (const Case& c : cases()) {
      const Tensor x = ops::to_dtype(uniform(c.x, -1, 1, DType::f64, &g), dt);
      const Tensor w = ops::to_dtype(uniform(c.w, -1, 1, DType::f64, &g), dt);
      const Tensor b = ops::to_dtype(uniform({c.w[0]}, -1, 1, DType::f64, &g), dt);
      const std::string what = std::string(dtype_name(dt)) + " x " + shape_str(c.x) + " w " + shape_str(c.w) + " " +
                               c.p.str();
      const Tensor y = ops::conv2d(x, w, b, c.p);
      const Tensor gy = ops::to_dtype(uniform(y.sizes(), -1, 1, DType::f64, &g), dt);
      EXPECT_TRUE(testing::AllClose(cpu(ops::conv2d(gpu(x), gpu(w), gpu(b), c.p)), y, tolerance(dt))) << what;
      EXPECT_TRUE(testing::AllClose(cpu(ops::conv2d(gpu(x), gpu(w), Tensor(), c.p)), ops::conv2d(x, w, Tensor(), c.p),
                                    tolerance(dt)))
          << what;
      EXPECT_TRUE(testing::AllClose(cpu(ops::conv2d_backward_input(gpu(gy), gpu(w), c.x, c.p)),
                                    ops::conv2d_backward_input(gy, w, c.x, c.p), tolerance(dt)))
          << what;
      EXPECT_TRUE(testing::AllClose(cpu(ops::conv2d_backward_weight(gpu(gy), gpu(x), c.w, c.p)),
                                    ops::conv2d_backward_weight(gy, x, c.w, c.p), tolerance(dt)))
          << what;
      EXPECT_TRUE(testing::AllClose(cpu(ops::conv2d_backward_bias(gpu(gy))), ops::conv2d_backward_bias(gy),
                                    tolerance(dt)))
          << what;
    }
  }
}

TEST(GpuConv, NonContiguousInputsMatchCpu) {
  REQUIRE_GPU();
  Generator g(4);
  const Tensor x = ops::permute(uniform({2, 9, 7, 3}, -1, 1, DType::f32, &g), {0, 3, 1, 2});  // NHWC storage
  const Tensor w = ops::transpose(uniform({3, 4, 3, 3}, -1, 1, DType::f32, &g), 0, 1);         // [4, 3, 3, 3]
  const Conv2dParams p = Conv2dParams::square(1, 1);
  EXPECT_TRUE(testing::AllClose(cpu(ops::conv2d(gpu(x), gpu(w), Tensor(), p)), ops::conv2d(x, w, Tensor(), p), 1e-5));
}

TEST(GpuConv, ShapeErrorsAreTheCpuOnes) {
  REQUIRE_GPU();
  const Tensor x = zeros({1, 3, 5, 5}), w = zeros({2, 4, 3, 3});
  const std::string on_cpu = testing::error_message<std::invalid_argument>([&] { ops::conv2d(x, w, Tensor()); });
  const std::string on_gpu =
      testing::error_message<std::invalid_argument>([&] { ops::conv2d(gpu(x), gpu(w), Tensor()); });
  EXPECT_EQ(on_cpu, on_gpu);
}

TEST(GpuConv, RepeatedRunsAreBitIdentical) {
  REQUIRE_GPU();
  Generator g(8);
  const Tensor x = gpu(uniform({4, 16, 32, 32}, -1, 1, DType::f32, &g));
  const Tensor w = gpu(uniform({32, 16, 3, 3}, -1, 1, DType::f32, &g));
  const Tensor gy = gpu(uniform({4, 32, 32, 32}, -1, 1, DType::f32, &g));
  const Conv2dParams p = Conv2dParams::square(1, 1);
  EXPECT_TRUE(testing::BitEqual(cpu(ops::conv2d(x, w, Tensor(), p)), cpu(ops::conv2d(x, w, Tensor(), p))));
  EXPECT_TRUE(testing::BitEqual(cpu(ops::conv2d_backward_input(gy, w, x.sizes(), p)),
                                cpu(ops::conv2d_backward_input(gy, w, x.sizes(), p))));
  EXPECT_TRUE(testing::BitEqual(cpu(ops::conv2d_backward_weight(gy, x, w.sizes(), p)),
                                cpu(ops::conv2d_backward_weight(gy, x, w.sizes(), p))));
  EXPECT_TRUE(testing::BitEqual(cpu(ops::conv2d_backward_bias(gy)), cpu(ops::conv2d_backward_bias(gy))));
}

#if HANDGRAD_WITH_CUDA
TEST(GpuConv, AlgorithmCacheAsksCudnnOncePerProblem) {
  REQUIRE_GPU();
  cuda::clear_conv_algorithm_cache();
  Generator g(1);
  const Tensor x = gpu(uniform({2, 3, 16, 16}, -1, 1, DType::f32, &g));
  const Tensor w = gpu(uniform({8, 3, 3, 3}, -1, 1, DType::f32, &g));
  const Tensor first = cpu(ops::conv2d(x, w, Tensor(), Conv2dParams::square(1, 1)));
  cuda::ConvAlgorithmCacheStats s = cuda::conv_algorithm_cache_stats();
  EXPECT_EQ(s.entries, 1u);
  EXPECT_EQ(s.misses, 1u);
  const Tensor second = cpu(ops::conv2d(x, w, Tensor(), Conv2dParams::square(1, 1)));
  s = cuda::conv_algorithm_cache_stats();
  EXPECT_EQ(s.entries, 1u);
  EXPECT_EQ(s.misses, 1u);
  EXPECT_EQ(s.lookups, 2u);
  EXPECT_TRUE(testing::BitEqual(first, second));  // the same algorithm ran
  ops::conv2d(x, w, Tensor(), Conv2dParams::square(2, 1));  // another problem: a new entry
  EXPECT_EQ(cuda::conv_algorithm_cache_stats().entries, 2u);
}
#endif

}  // namespace
}  // namespace hg
