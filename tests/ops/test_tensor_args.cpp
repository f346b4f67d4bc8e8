// Device plumbing that runs without a GPU: what the CUDA kernels are told about a tensor
// (ops/cuda/tensor_args.h strided_arg: header-only, no CUDA headers, so it is tested in every
// build), Device parsing, and the refusals when a CUDA tensor cannot exist or be copied.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/common/cuda_skip.h"
#include "tests/common/expect_throw.h"
#include "ops/cuda/tensor_args.h"
#include "tensor/factory.h"
#include "tensor/storage.h"
#include "tensor/view.h"

namespace hg {
namespace {

// Element offset of row-major linear index i as a kernel computes it from the StridedArg.
int64_t arg_offset(const cuda::StridedArg& a, int64_t i) {
  int64_t off = 0;
  for (int d = a.ndim - 1; d >= 0; --d) {
    off += (i % a.sizes[d]) * a.strides[d];
    i /= a.sizes[d];
  }
  return off;
}

// The same through the tensor's own sizes and strides.
int64_t tensor_offset(const Tensor& t, int64_t i) {
  int64_t off = 0;
  for (int64_t d = t.dim() - 1; d >= 0; --d) {
    off += (i % t.size(d)) * t.stride(d);
    i /= t.size(d);
  }
  return off;
}

// Merging never changes where element i lives, and the data pointer includes the view's offset.
void expect_same_map(const Tensor& t, const std::string& what) {
  const cuda::StridedArg a = cuda::strided_arg(t);
  EXPECT_EQ(a.numel, t.numel()) << what;
  EXPECT_EQ(a.data, t.raw_data()) << what;
  EXPECT_EQ(a.dtype, t.dtype()) << what;
  EXPECT_EQ(a.contiguous, t.is_contiguous()) << what;
  int64_t product = 1;
  for (int d = 0; d < a.ndim; ++d) product *= a.sizes[d];
  EXPECT_EQ(product, t.numel()) << what;
  for (int64_t i = 0; i < t.numel(); ++i) ASSERT_EQ(arg_offset(a, i), tensor_offset(t, i)) << what << " element " << i;
}

TEST(StridedArg, ContiguousCollapsesToOneDim) {
  const Tensor t = zeros({2, 3, 4});
  const cuda::StridedArg a = cuda::strided_arg(t);
  EXPECT_EQ(a.ndim, 1);
  EXPECT_EQ(a.sizes[0], 24);
  EXPECT_EQ(a.strides[0], 1);
  EXPECT_TRUE(a.contiguous);
  expect_same_map(t, "contiguous");
}

TEST(StridedArg, SizeOneDimsAreDropped) {
  const cuda::StridedArg a = cuda::strided_arg(zeros({2, 1, 3, 1}));
  EXPECT_EQ(a.ndim, 1);
  EXPECT_EQ(a.sizes[0], 6);
}

TEST(StridedArg, ScalarHasNoDims) {
  const cuda::StridedArg a = cuda::strided_arg(scalar_tensor(2.0));
  EXPECT_EQ(a.ndim, 0);
  EXPECT_EQ(a.numel, 1);
  EXPECT_EQ(arg_offset(a, 0), 0);
}

TEST(StridedArg, TransposeKeepsTwoDims) {
  const Tensor t = ops::transpose(zeros({4, 3}), 0, 1);  // [3, 4] with strides [1, 3]
  const cuda::StridedArg a = cuda::strided_arg(t);
  ASSERT_EQ(a.ndim, 2);
  EXPECT_EQ(a.sizes[0], 3);
  EXPECT_EQ(a.sizes[1], 4);
  EXPECT_EQ(a.strides[0], 1);
  EXPECT_EQ(a.strides[1], 3);
  EXPECT_FALSE(a.contiguous);
  expect_same_map(t, "transpose");
}

TEST(StridedArg, EveryOtherColumnMergesIntoOneStridedDim) {
  const Tensor t = ops::slice(zeros({3, 8}), 1, 0, 8, 2);  // [3, 4] strides [8, 2]: 8 == 4 * 2
  const cuda::StridedArg a = cuda::strided_arg(t);
  ASSERT_EQ(a.ndim, 1);
  EXPECT_EQ(a.sizes[0], 12);
  EXPECT_EQ(a.strides[0], 2);
  expect_same_map(t, "slice");
}

TEST(StridedArg, ViewsMapEveryElementToTheSameOffset) {
  const Tensor base = arange(0.0, 2 * 3 * 4 * 5, 1.0);
  const Tensor b4 = ops::reshape(base, {2, 3, 4, 5});
  expect_same_map(ops::permute(b4, {2, 0, 3, 1}), "permute");
  expect_same_map(ops::narrow(b4, 2, 1, 2), "narrow (offset)");
  expect_same_map(ops::select(b4, 1, 2), "select");
  expect_same_map(ops::slice(ops::slice(b4, 3, 1, 5, 3), 0, 1, 2), "slices");
  expect_same_map(ops::expand(ops::reshape(arange(0.0, 3.0, 1.0), {3, 1}), {2, 3, 4}), "expand (stride 0)");
  expect_same_map(ops::expand(ops::reshape(arange(0.0, 4.0, 1.0), {1, 4}), {3, 4}), "row broadcast");
  expect_same_map(ops::transpose(ops::reshape(base, {6, 20}), 0, 1), "transpose");
}

TEST(StridedArg, TooManyDimsIsAClearError) {
  Shape nine(9, 2);
  std::vector<int64_t> reversed(9);
  for (int i = 0; i < 9; ++i) reversed[i] = 8 - i;
  const Tensor t = ops::permute(zeros(nine), reversed);  // strides 1, 2, ..., 256: nothing merges
  testing::expect_error_parts<std::invalid_argument>([&] { cuda::strided_arg(t); },
                                                     {"9 non-mergeable dimensions", "at most 8"});
  EXPECT_EQ(cuda::strided_arg(zeros(nine)).ndim, 1);  // contiguous: merges to one
}

TEST(DeviceParse, AcceptsCpuCudaAndCudaN) {
  EXPECT_EQ(Device::parse("cpu"), Device::cpu());
  EXPECT_EQ(Device::parse("cuda"), Device::cuda(0));
  EXPECT_EQ(Device::parse("cuda:0"), Device::cuda(0));
  EXPECT_EQ(Device::parse("cuda:12"), Device::cuda(12));
  EXPECT_EQ(Device::parse("cuda:3").str(), "cuda:3");
  EXPECT_EQ(Device::parse("cpu").str(), "cpu");
  EXPECT_NE(Device::cuda(0), Device::cuda(1));
  EXPECT_NE(Device::cuda(0), Device::cpu());
}

TEST(DeviceParse, RejectsEverythingElseNamingTheText) {
  for (const char* bad : {"", "gpu", "CPU", "cuda:", "cuda:-1", "cuda:1x", "cuda:1234", "cuda0", " cuda", "cuda:0 "})
    testing::expect_error_parts<std::invalid_argument>(
        [&] { Device::parse(bad); }, {"unknown device '" + std::string(bad) + "'", "cpu, cuda or cuda:N"});
}

// Without a usable device a CUDA tensor cannot be made, nor can a CPU tensor be moved to one.
TEST(DeviceRefusal, CudaTensorsNeedABackendAndADevice) {
  if (testing::cuda_available()) GTEST_SKIP() << "a CUDA device is present";
#if HANDGRAD_WITH_CUDA
  const std::string why = "cuda:0: no CUDA device is present";
#else
  const std::string why = "handgrad was built without CUDA";
#endif
  testing::expect_error_parts<std::runtime_error>(
      [] { Tensor::empty({2}, TensorOptions(DType::f32, Device::cuda(0))); }, {why});
  testing::expect_error_parts<std::runtime_error>([] { ops::to_device(ones({2}), Device::cuda(0)); }, {why});
}

#if !HANDGRAD_WITH_CUDA
// Without the backend the copy hook is absent: a tensor that claims to live on a GPU (host memory
// wrapped as cuda:0, never dereferenced) cannot be copied anywhere, with one clear message.
TEST(DeviceRefusal, CopyHookIsAbsentWithoutTheBackend) {
  static float host[4] = {1, 2, 3, 4};
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = Storage::wrap(host, sizeof host, Device::cuda(0), [](void*) {});
  impl->sizes = {4};
  impl->strides = {1};
  impl->dtype = DType::f32;
  const Tensor fake(impl);
  testing::expect_error_parts<std::runtime_error>([&] { ops::to_device(fake, Device::cpu()); },
                                                  {"copy from cuda:0 to cpu", "built without CUDA"});
  testing::expect_error_parts<std::runtime_error>([&] { ops::copy_(fake, ones({4})); },
                                                  {"copy from cpu to cuda:0", "built without CUDA"});
}
#endif

}  // namespace
}  // namespace hg
