// Every derivative-table row on cuda:0, one test each (like tests/autograd/test_derivative_table.cpp
// on the CPU): the inputs move to the GPU with their layout, the output and input gradients must
// match the CPU run (tolerances: device_tolerance in autograd/gradcheck.h), and the GPU run is
// gradient-checked against finite differences.
//   f64: both parts must pass.
//   f32: the comparison with the CPU must pass (the f32 kernels against the CPU's f32 kernels, whose
//        derivatives the f64 rows prove). f32 finite differences themselves are too noisy to be a
//        test: 3 rows fail them on the CPU too (`handgrad gradcheck --dtype f32` lists them), and a
//        row near the limit could flip with the rounding of another device.
// Without a device every test reports SKIPPED with the reason.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

#include "autograd/gradcheck.h"
#include "tests/common/derivative_table_params.h"
#include "tests/common/gpu_test.h"

namespace hg {
namespace {

using testing::kGpu;

class DerivativeTableGpu : public ::testing::TestWithParam<size_t> {};

TEST_P(DerivativeTableGpu, F64MatchesCpuAndFiniteDifferences) {
  if (!testing::cuda_available()) GTEST_SKIP() << testing::cuda_skip_reason();
  const GradcheckCase& c = gradcheck_cases().at(GetParam());
  const GradcheckResult r = run_gradcheck_case(c, DType::f64, kGpu);
  EXPECT_TRUE(r.compared_with_cpu) << c.name;
  EXPECT_TRUE(r.device_matches_cpu) << c.name << ": " << r.device_message << " (max abs diff "
                                    << r.device_max_abs_diff << ", max rel diff " << r.device_max_rel_diff << ")";
  EXPECT_TRUE(r.passed) << c.name << ": " << r.message << " (max abs " << r.max_abs_error << ", max rel "
                        << r.max_rel_error << ")";
  EXPECT_FALSE(r.functions_seen.empty()) << c.name << " exercised no differentiable function on " << kGpu.str();
}

TEST_P(DerivativeTableGpu, F32MatchesCpu) {
  if (!testing::cuda_available()) GTEST_SKIP() << testing::cuda_skip_reason();
  const GradcheckCase& c = gradcheck_cases().at(GetParam());
  const GradcheckResult gpu = run_gradcheck_case(c, DType::f32, kGpu);
  EXPECT_TRUE(gpu.compared_with_cpu) << c.name;
  EXPECT_TRUE(gpu.device_matches_cpu) << c.name << ": " << gpu.device_message << " (max abs diff "
                                      << gpu.device_max_abs_diff << ", max rel diff " << gpu.device_max_rel_diff << ")";
}

INSTANTIATE_TEST_SUITE_P(AllCases, DerivativeTableGpu, ::testing::ValuesIn(testing::all_case_indices()),
                         testing::case_name);

}  // namespace
}  // namespace hg
