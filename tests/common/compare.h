// Helpers shared by the test suites: load golden fixtures and compare tensors with a tolerance
// relative to the reference's largest magnitude.
#pragma once
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "tensor/safetensors.h"

namespace hg::testing {

inline safetensors::File load_fixture(const std::string& name) {
  return safetensors::load(std::string(HG_FIXTURE_DIR) + "/" + name);
}

// max |actual - expected| <= tol * max(1, max |expected|)
inline ::testing::AssertionResult AllClose(const Tensor& actual, const Tensor& expected, double tol) {
  if (actual.sizes() != expected.sizes())
    return ::testing::AssertionFailure() << "shape " << actual.shape_string() << " != " << expected.shape_string();
  const auto a = actual.to_vector<double>(), e = expected.to_vector<double>();
  double worst = 0, scale = 1;
  size_t at = 0;
  for (size_t i = 0; i < e.size(); ++i) {
    scale = std::max(scale, std::abs(e[i]));
    const double d = std::abs(a[i] - e[i]);
    if (!(d <= worst)) { worst = d; at = i; }  // also catches NaN
  }
  if (worst <= tol * scale) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "max abs difference " << worst << " at flat index " << at << " (actual "
                                       << a[at] << ", expected " << e[at] << "), allowed " << tol * scale;
}

}  // namespace hg::testing
