// Helpers shared by the test suites: load golden fixtures (as tensors or raw bytes), compare tensors
// with a tolerance relative to the reference's largest magnitude, or bit for bit.
#pragma once
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>

#include "tensor/safetensors.h"
#include "tensor/view.h"

namespace hg::testing {

inline safetensors::File load_fixture(const std::string& name) {
  return safetensors::load(std::string(HG_FIXTURE_DIR) + "/" + name);
}

// The bytes of tests/fixtures/<name>; an unreadable file is a test failure (and gives "").
inline std::string fixture_bytes(const std::string& name) {
  std::ifstream f(std::string(HG_FIXTURE_DIR) + "/" + name, std::ios::binary);
  EXPECT_TRUE(f.good()) << "cannot read fixture " << name;
  return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

// Same dtype, same shape and the same bytes (NaN payloads and -0 included).
inline ::testing::AssertionResult BitEqual(const Tensor& a, const Tensor& b) {
  if (a.dtype() != b.dtype())
    return ::testing::AssertionFailure() << "dtype " << dtype_name(a.dtype()) << " != " << dtype_name(b.dtype());
  if (a.sizes() != b.sizes()) return ::testing::AssertionFailure() << "shape " << a.shape_string() << " != " << b.shape_string();
  const Tensor ca = ops::contiguous(a), cb = ops::contiguous(b);
  const size_t n = static_cast<size_t>(a.numel()) * dtype_size(a.dtype());
  if (n && std::memcmp(ca.raw_data(), cb.raw_data(), n) != 0) return ::testing::AssertionFailure() << "bytes differ";
  return ::testing::AssertionSuccess();
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
