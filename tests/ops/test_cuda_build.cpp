// The CUDA backend is part of the build whenever the toolkit is present, and GPU tests skip with
// a reason where no device exists.
#include <gtest/gtest.h>

#include "ops/cuda/runtime.h"

TEST(CudaBuild, BackendIsCompiledWhenTheToolkitIsPresent) {
  if (!HG_CUDA_EXPECTED) GTEST_SKIP() << "configured with HANDGRAD_CUDA=OFF or no CUDA toolkit on this machine";
  EXPECT_TRUE(hg::cuda::compiled()) << "the CUDA toolkit is installed but the backend was not built: check CMake's detection";
  EXPECT_NE(hg::cuda::runtime_versions().find("cuDNN"), std::string::npos) << hg::cuda::runtime_versions();
  EXPECT_FALSE(hg::cuda::compiled_architectures().empty());
}

TEST(CudaBuild, DeviceQueriesNeverFail) {
  const auto devices = hg::cuda::devices();
  if (devices.empty()) {
    EXPECT_FALSE(hg::cuda::unavailable_reason().empty());
    GTEST_SKIP() << "no CUDA device: " << hg::cuda::unavailable_reason();
  }
  for (const auto& d : devices) EXPECT_GE(d.major, 3) << d.name;
}
