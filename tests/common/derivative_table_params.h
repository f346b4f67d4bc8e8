// Parameters of the tests instantiated once per derivative-table row (CPU: tests/autograd, GPU:
// tests/gpu): every row's index, and a test name made of the row's name and index.
#pragma once
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

#include "autograd/gradcheck.h"

namespace hg::testing {

inline std::string case_name(const ::testing::TestParamInfo<size_t>& info) {
  std::string n = gradcheck_cases().at(info.param).name;
  std::replace_if(n.begin(), n.end(), [](char ch) { return !std::isalnum(static_cast<unsigned char>(ch)); }, '_');
  return n + "_" + std::to_string(info.param);
}

inline std::vector<size_t> all_case_indices() {
  std::vector<size_t> v(gradcheck_cases().size());
  for (size_t i = 0; i < v.size(); ++i) v[i] = i;
  return v;
}

}  // namespace hg::testing
