// What every GPU test shares: the skip line, the device, the copies and the tolerance per dtype of a
// CUDA result against the CPU op on the same inputs.
#pragma once
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "tensor/tensor.h"
#include "tensor/view.h"
#include "tests/common/cuda_skip.h"

// First line of a GPU test: reports SKIPPED with the reason where no device exists.
#define REQUIRE_GPU() \
  if (!::hg::testing::cuda_available()) GTEST_SKIP() << ::hg::testing::cuda_skip_reason()

namespace hg::testing {

inline const Device kGpu = Device::cuda(0);

// Relative tolerance of a CUDA result vs the CPU: f64 1e-12, f32 1e-5 (TF32 off), f16 1e-2,
// bf16 2e-2; integers and bool exact.
inline double tolerance(DType dt) {
  switch (dt) {
    case DType::f64: return 1e-12;
    case DType::f32: return 1e-5;
    case DType::f16: return 1e-2;
    case DType::bf16: return 2e-2;
    default: return 0;
  }
}
inline Tensor gpu(const Tensor& t) { return t.defined() ? ops::to_device(t, kGpu) : t; }
inline Tensor cpu(const Tensor& t) { return t.defined() ? ops::to_device(t, Device::cpu()) : t; }

// A CUDA result against the CPU result: same dtype and shape, NaN exactly where expected, infinities
// equal, and finite values within tol * max(1, max finite |expected|).
inline ::testing::AssertionResult Matches(const Tensor& actual, const Tensor& expected, double tol) {
  if (!actual.device().is_cuda()) return ::testing::AssertionFailure() << "result is on " << actual.device().str();
  if (actual.dtype() != expected.dtype())
    return ::testing::AssertionFailure() << "dtype " << dtype_name(actual.dtype()) << " != " << dtype_name(expected.dtype());
  if (actual.sizes() != expected.sizes())
    return ::testing::AssertionFailure() << "shape " << actual.shape_string() << " != " << expected.shape_string();
  const auto a = actual.to_vector<double>(), e = expected.to_vector<double>();
  double scale = 1;
  for (double v : e)
    if (std::isfinite(v)) scale = std::max(scale, std::abs(v));
  for (size_t i = 0; i < e.size(); ++i) {
    const bool ok = std::isnan(e[i]) ? std::isnan(a[i])
                    : std::isinf(e[i]) ? a[i] == e[i]
                                       : std::abs(a[i] - e[i]) <= tol * scale;
    if (!ok)
      return ::testing::AssertionFailure() << "flat index " << i << ": actual " << a[i] << ", expected " << e[i]
                                           << " (allowed " << tol * scale << ")";
  }
  return ::testing::AssertionSuccess();
}

}  // namespace hg::testing
