// cpu::LaneSum (the vectorised deterministic sum of the batch-norm statistics): exact where double
// is exact, every element counted once for any run length (full blocks, tails, several runs), and
// the documented order: lane i mod 16, then a fixed pairwise tree.
#include <gtest/gtest.h>

#include <vector>

#include "ops/cpu/lane_sum.h"

namespace hg {
namespace {

TEST(LaneSum, CountsEveryElementOnceForAnyRunLength) {
  for (const int64_t n : {0, 1, 15, 16, 17, 33, 1000}) {
    ops::cpu::LaneSum<> s;
    s.add(n, [](int64_t i) { return static_cast<double>(i + 1); });
    EXPECT_EQ(s.total(), static_cast<double>(n * (n + 1) / 2)) << n;
  }
  ops::cpu::LaneSum<> runs;  // three runs, tails included
  for (const int64_t n : {5, 16, 21}) runs.add(n, [](int64_t) { return 1.0; });
  EXPECT_EQ(runs.total(), 42.0);
}

TEST(LaneSum, FollowsTheDocumentedOrder) {
  // 1e16 in lane 0, then +1 in lanes 1..3: (1e16 + 1) + (1 + 1) in the tree = 1e16 + 2 exactly,
  // where a running sum would lose every +1 (1e16 + 1 == 1e16 in double).
  ops::cpu::LaneSum<4> s;
  const std::vector<double> v{1e16, 1.0, 1.0, 1.0};
  s.add(4, [&](int64_t i) { return v[static_cast<size_t>(i)]; });
  double running = 0;
  for (double x : v) running += x;
  EXPECT_EQ(s.total(), (1e16 + 1.0) + (1.0 + 1.0));
  EXPECT_EQ(running, 1e16);
}

}  // namespace
}  // namespace hg
