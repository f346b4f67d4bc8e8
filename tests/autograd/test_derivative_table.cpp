// Runs every row of the derivative table as its own test, in f64, and checks that every
// registered differentiable function is exercised by some row.
#include <gtest/gtest.h>

#include <algorithm>

#include "autograd/gradcheck.h"
#include "tests/common/derivative_table_params.h"

namespace hg {
namespace {

class DerivativeTable : public ::testing::TestWithParam<size_t> {};

TEST_P(DerivativeTable, MatchesFiniteDifferencesInF64) {
  const GradcheckCase& c = gradcheck_cases().at(GetParam());
  GradcheckResult r = run_gradcheck_case(c);
  EXPECT_TRUE(r.passed) << c.name << ": " << r.message << " (max abs " << r.max_abs_error << ", max rel "
                        << r.max_rel_error << ")";
  EXPECT_FALSE(r.functions_seen.empty()) << c.name << " exercised no differentiable function";
}

INSTANTIATE_TEST_SUITE_P(AllCases, DerivativeTable, ::testing::ValuesIn(testing::all_case_indices()),
                         testing::case_name);

TEST(DerivativeTableCoverage, EveryDifferentiableFunctionHasACase) {
  const auto missing = differentiables_without_case();
  std::string list;
  for (const auto& m : missing) list += " " + m;
  EXPECT_TRUE(missing.empty()) << "differentiable functions without a gradcheck case:" << list;
}

TEST(DerivativeTableCoverage, CaseNamesAreUnique) {
  std::set<std::string> names;
  for (const auto& c : gradcheck_cases()) EXPECT_TRUE(names.insert(c.name).second) << "duplicate case " << c.name;
}

}  // namespace
}  // namespace hg
