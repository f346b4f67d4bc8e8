// Device memory and copies: the caching allocator behind Storage, host <-> device transfers, the
// same-device strided copy with dtype conversion, pinned host memory. CUDA vs the CPU result.
#include <gtest/gtest.h>

#include "tensor/factory.h"
#include "tensor/tensor.h"
#include "tensor/view.h"
#include "tests/common/compare.h"
#include "tests/common/gpu_test.h"
#include "tests/common/expect_throw.h"
#if HANDGRAD_WITH_CUDA
#include "ops/cuda/device_allocator.h"
#endif

namespace hg {
namespace {

using testing::kGpu;

TEST(GpuMemory, WithoutADeviceAllocationFailsWithOneClearLine) {
  if (testing::cuda_available()) GTEST_SKIP() << "a CUDA device is present";
  const std::string msg =
      testing::error_message<std::runtime_error>([] { Tensor::empty({2, 3}, TensorOptions(DType::f32, kGpu)); });
  EXPECT_NE(msg.find("cuda:0"), std::string::npos) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
}

TEST(GpuMemory, RoundTripKeepsEveryDtypeBitForBit) {
  REQUIRE_GPU();
  Generator g(7);
  for (DType dt : {DType::f32, DType::f64, DType::f16, DType::bf16, DType::i32, DType::i64, DType::u8, DType::boolean}) {
    const Tensor host = ops::to_dtype(uniform({5, 7}, -3, 3, DType::f64, &g), dt);
    const Tensor back = ops::to_device(ops::to_device(host, kGpu), Device::cpu());
    EXPECT_EQ(back.device(), Device::cpu());
    EXPECT_TRUE(testing::BitEqual(back, host)) << dtype_name(dt);
  }
}

TEST(GpuMemory, StridedCopyOnTheDeviceMatchesTheCpu) {
  REQUIRE_GPU();
  Generator g(8);
  const Tensor host = uniform({4, 6, 5}, -2, 2, DType::f64, &g);
  const Tensor dev = ops::to_device(host, kGpu);
  // transposed + sliced views, then contiguous on the device
  const Tensor view_host = ops::slice(ops::transpose(host, 0, 2), 1, 1, 5, 2);
  const Tensor view_dev = ops::slice(ops::transpose(dev, 0, 2), 1, 1, 5, 2);
  EXPECT_TRUE(testing::BitEqual(ops::to_device(ops::contiguous(view_dev), Device::cpu()), ops::contiguous(view_host)));
  // dtype conversions on the device equal the CPU's conversions (f64 -> f16 rounds through f32 on both)
  for (DType dt : {DType::f32, DType::f16, DType::bf16, DType::i32, DType::boolean}) {
    const Tensor on_dev = ops::to_device(ops::to_dtype(dev, dt), Device::cpu());
    EXPECT_TRUE(testing::BitEqual(on_dev, ops::to_dtype(host, dt))) << dtype_name(dt);
  }
}

TEST(GpuMemory, CopyIntoAStridedDeviceViewAndBroadcastingSources) {
  REQUIRE_GPU();
  Generator g(9);
  Tensor dst_host = zeros({3, 8});
  Tensor dst_dev = ops::to_device(dst_host, kGpu);
  const Tensor row = uniform({1, 4}, -1, 1, DType::f32, &g);
  // host source into a strided device view (every other column), broadcast over rows
  ops::copy_(ops::slice(dst_dev, 1, 0, 8, 2), row);
  ops::copy_(ops::slice(dst_host, 1, 0, 8, 2), row);
  EXPECT_TRUE(testing::BitEqual(ops::to_device(dst_dev, Device::cpu()), dst_host));
  // device source into a strided host view
  Tensor host_target = zeros({8, 3});
  Tensor expected = zeros({8, 3});
  ops::copy_(ops::transpose(host_target, 0, 1), dst_dev);
  ops::copy_(ops::transpose(expected, 0, 1), dst_host);
  EXPECT_TRUE(testing::BitEqual(host_target, expected));
}

#if HANDGRAD_WITH_CUDA
TEST(GpuMemory, FreedBlocksAreReusedAndCounted) {
  REQUIRE_GPU();
  cuda::reset_peak_memory_stats(0);
  const BlockPoolStats before = cuda::memory_stats(0);
  { Tensor a = Tensor::empty({1024, 256}, TensorOptions(DType::f32, kGpu)); }
  { Tensor b = Tensor::empty({1024, 256}, TensorOptions(DType::f32, kGpu)); }
  const BlockPoolStats after = cuda::memory_stats(0);
  EXPECT_EQ(after.allocations - before.allocations, 2u);
  EXPECT_GE(after.cache_hits - before.cache_hits, 1u);
  EXPECT_EQ(after.allocated_bytes, before.allocated_bytes);
  EXPECT_GE(after.peak_allocated_bytes, before.allocated_bytes + 1024 * 256 * 4);
}

TEST(GpuMemory, PinnedTensorsAreHostTensorsThatCopyAsynchronously) {
  REQUIRE_GPU();
  Generator g(10);
  const Tensor src = uniform({64, 33}, -1, 1, DType::f32, &g);
  const Tensor pinned = cuda::pin_memory(src);
  EXPECT_EQ(pinned.device(), Device::cpu());
  EXPECT_TRUE(testing::BitEqual(pinned, src));
  const Tensor dev = ops::to_device(pinned, kGpu);
  EXPECT_TRUE(testing::BitEqual(ops::to_device(dev, Device::cpu()), src));
  EXPECT_GE(cuda::pinned_memory_stats().allocations, 1u);
}
#endif

}  // namespace
}  // namespace hg
