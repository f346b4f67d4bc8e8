// Random tensors requested on the device equal the CPU's for the same generator state (the values
// are a function of (seed, stream, counter), tensor/philox.h): through the factories (generated on
// the host and copied today) and through the device generators of ops/cuda/random_cuda.h, which
// must give the same bits and advance the generator alike. Dropout on a CUDA tensor keeps exactly
// the elements the CPU run keeps.
#include <gtest/gtest.h>

#include "autograd/dropout.h"
#include "tensor/factory.h"
#include "tensor/view.h"
#include "tests/common/compare.h"
#include "tests/common/gpu_test.h"
#if HANDGRAD_WITH_CUDA
#include "ops/cuda/random_cuda.h"
#endif

namespace hg {
namespace {

using testing::kGpu;
using testing::cpu;

TEST(GpuRandom, BernoulliAndUniformEqualTheCpu) {
  REQUIRE_GPU();
  for (DType dt : {DType::f32, DType::f64, DType::f16}) {
    Generator a(77, 3), b(77, 3);
    EXPECT_TRUE(testing::BitEqual(cpu(bernoulli({5, 33}, 0.3, TensorOptions(dt, kGpu), &a)),
                                  bernoulli({5, 33}, 0.3, TensorOptions(dt), &b)));
    EXPECT_EQ(a.counter(), b.counter());
    EXPECT_TRUE(testing::BitEqual(cpu(rand({17}, TensorOptions(dt, kGpu), &a)), rand({17}, TensorOptions(dt), &b)));
    const Tensor p = rand({4, 9}, DType::f64, &b);
    Generator c(5), d(5);
    EXPECT_TRUE(testing::BitEqual(cpu(bernoulli(ops::to_device(p, kGpu), &c)), bernoulli(p, &d)));
  }
}

TEST(GpuRandom, DeviceGeneratorsGiveTheCpuBitsAndCounters) {
  REQUIRE_GPU();
#if HANDGRAD_WITH_CUDA
  for (DType dt : {DType::f64, DType::f32, DType::f16, DType::bf16, DType::i32, DType::boolean}) {
    SCOPED_TRACE(dtype_name(dt));
    for (int64_t n : {0, 1, 5, 1027}) {
      Generator a(1234, 7), b(1234, 7);
      a.reserve(3), b.reserve(3);  // not at the start of the stream
      EXPECT_TRUE(testing::BitEqual(cpu(cuda::uniform({n}, -2.0, 5.0, TensorOptions(dt, kGpu), a)),
                                    uniform({n}, -2.0, 5.0, TensorOptions(dt), &b)));
      EXPECT_EQ(a.counter(), b.counter());
      EXPECT_TRUE(testing::BitEqual(cpu(cuda::bernoulli({n, 3}, 0.35, TensorOptions(dt, kGpu), a)),
                                    bernoulli({n, 3}, 0.35, TensorOptions(dt), &b)));
      EXPECT_EQ(a.counter(), b.counter());
    }
  }
  Generator a(99), b(99), g(5);
  const Tensor p = rand({6, 7}, DType::f32, &g);
  EXPECT_TRUE(testing::BitEqual(cpu(cuda::bernoulli(ops::to_device(p, kGpu), a)), bernoulli(p, &b)));
  EXPECT_EQ(a.counter(), b.counter());
#endif
}

TEST(GpuRandom, DropoutKeepsTheSameElementsAsTheCpu) {
  REQUIRE_GPU();
  Generator g(3);
  const Tensor x = uniform({6, 10}, 0.5, 1.5, DType::f32, &g);
  Generator a(11), b(11);
  const Tensor y_dev = dropout(ops::to_device(x, kGpu), 0.4, true, &a);
  const Tensor y_cpu = dropout(x, 0.4, true, &b);
  EXPECT_TRUE(testing::AllClose(cpu(y_dev), y_cpu, 1e-6));
}

}  // namespace
}  // namespace hg
