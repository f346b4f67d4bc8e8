// GPU tests run where a CUDA device exists and report SKIPPED with the reason everywhere else:
//   if (!hg::testing::cuda_available()) GTEST_SKIP() << hg::testing::cuda_skip_reason();
#pragma once
#include <string>

#include "ops/cuda/runtime.h"

namespace hg::testing {

inline bool cuda_available() { return hg::cuda::compiled() && !hg::cuda::devices().empty(); }
inline std::string cuda_skip_reason() {
  return hg::cuda::compiled() ? hg::cuda::unavailable_reason() : "handgrad was built without the CUDA backend";
}

}  // namespace hg::testing
