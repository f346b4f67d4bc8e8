// The functor lists of ops/functors.h (which the CUDA backend instantiates its kernels from) and the
// shared per-element rules the CUDA kernels reuse (ops/reduce_functors.h, ops/small3x3_functors.h),
// checked on the CPU.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "ops/functors.h"
#include "ops/linalg.h"
#include "ops/map.h"
#include "ops/pointwise.h"
#include "ops/reduce.h"
#include "ops/reduce_functors.h"
#include "ops/small3x3_functors.h"
#include "tensor/factory.h"
#include "tensor/view.h"

namespace hg {
namespace {

#define HG_TEST_NAME_(name) #name,
const std::vector<std::string> kListed = {
    HG_FN_UNARY_NUMERIC(HG_TEST_NAME_) HG_FN_UNARY_FLOATING(HG_TEST_NAME_) HG_FN_BINARY_NUMERIC(HG_TEST_NAME_)
        HG_FN_PREDICATE(HG_TEST_NAME_) HG_FN_BINARY_FLOATING(HG_TEST_NAME_) HG_FN_TERNARY_FLOATING(HG_TEST_NAME_)
            HG_FN_SELECT(HG_TEST_NAME_)};
#undef HG_TEST_NAME_

// Every `struct Name {` of ops/functors.h (functor names are capitalised; functor_traits is not).
std::set<std::string> structs_in_functors_h() {
  std::ifstream f(std::string(HG_FIXTURE_DIR) + "/../../ops/functors.h");
  EXPECT_TRUE(f.good()) << "cannot read ops/functors.h";
  std::stringstream text;
  text << f.rdbuf();
  const std::string s = text.str();
  const std::regex decl(R"(struct\s+([A-Z][A-Za-z0-9_]*)\s*\{)");
  std::set<std::string> names;
  for (auto it = std::sregex_iterator(s.begin(), s.end(), decl); it != std::sregex_iterator(); ++it)
    names.insert((*it)[1].str());
  return names;
}

TEST(FunctorList, EveryFunctorStructIsListedOnce) {
  const std::set<std::string> declared = structs_in_functors_h();
  ASSERT_GT(declared.size(), 50u);  // the parse found the file's functors
  std::multiset<std::string> listed(kListed.begin(), kListed.end());
  for (const std::string& name : declared)
    EXPECT_EQ(listed.count(name), 1u) << "fn::" << name << " must appear exactly once in the HG_FN_* lists of ops/functors.h";
  for (const std::string& name : kListed)
    EXPECT_TRUE(declared.count(name)) << name << " is listed but not declared as a struct in ops/functors.h";
}

TEST(FunctorList, TraitsFollowTheLists) {
  static_assert(fn::functor_traits<fn::Add>::listed && !fn::functor_traits<fn::Add>::floating_only);
  static_assert(fn::functor_traits<fn::Exp>::floating_only && fn::functor_traits<fn::Exp>::arity == 1);
  static_assert(fn::functor_traits<fn::Eq>::predicate && fn::functor_traits<fn::Eq>::arity == 2);
  static_assert(fn::functor_traits<fn::DivGradB>::arity == 3 && fn::functor_traits<fn::DivGradB>::floating_only);
  static_assert(!fn::functor_traits<fn::Where>::listed);  // run by ops::where, not map()
  static_assert(!fn::functor_traits<int>::listed);
}

// map() refuses a floating-only functor called as numeric: the CUDA build has no integer kernel for it.
TEST(FunctorList, MapEnforcesTheListedDomain) {
  const Tensor x = from_vector<double>({1, 2}, {2});
  EXPECT_THROW(ops::map("exp", ops::MapDomain::any_numeric, fn::Exp{}, x), std::logic_error);
  EXPECT_EQ(ops::map("abs", ops::MapDomain::any_numeric, fn::Abs{}, from_vector<int32_t>({-3, 4}, {2})).to_vector<int32_t>(),
            (std::vector<int32_t>{3, 4}));
}

TEST(FunctorList, UnsignedAbsAndSign) {  // the u8 forms the CUDA kernels compile without a "< 0" test
  const Tensor u = from_vector<uint8_t>({0, 7, 255}, {3});
  EXPECT_EQ(ops::abs(u).to_vector<uint8_t>(), (std::vector<uint8_t>{0, 7, 255}));
  EXPECT_EQ(ops::sign(u).to_vector<uint8_t>(), (std::vector<uint8_t>{0, 1, 1}));
  EXPECT_EQ(ops::sign(from_vector<int32_t>({-5, 0, 9}, {3})).to_vector<int32_t>(), (std::vector<int32_t>{-1, 0, 1}));
}

TEST(MapInplace, AxpyAndScaleBroadcastIntoStridedDst) {
  Tensor base = from_vector<double>({1, 2, 3, 4, 5, 6}, {2, 3});
  const Tensor dst = ops::transpose(base, 0, 1);  // [3, 2] view, non-contiguous
  ops::axpy_(dst, 2.0, from_vector<float>({10, 100}, {2}));  // f32 src broadcast over rows, converted to f64
  EXPECT_EQ(base.to_vector<double>(), (std::vector<double>{21, 22, 23, 204, 205, 206}));
  ops::mul_(dst, 0.5);
  EXPECT_EQ(base.to_vector<double>(), (std::vector<double>{10.5, 11, 11.5, 102, 102.5, 103}));
  EXPECT_THROW(ops::mul_(from_vector<int32_t>({1}, {1}), 2.0), std::invalid_argument);
  EXPECT_THROW(ops::axpy_(base, 1.0, from_vector<double>({1, 2}, {2})), std::invalid_argument);  // [2] vs [2, 3]
}

// The order-independent max/min rule: folding in any order gives the scan's answer.
TEST(ReduceFunctors, ExtremeBetterIsOrderIndependent) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const std::vector<std::vector<double>> rows = {
      {1, 5, 5, 2}, {3, nan, 7, nan}, {-0.0, 0.0, -1}, {2, 2, 2}, {nan}, {-4, -9, -9, -4}};
  for (const auto& row : rows) {
    for (bool is_max : {true, false}) {
      auto better = [&](double v, int64_t i, double b, int64_t j) {
        return is_max ? fn::ExtremeBetter<true>{}(v, i, b, j) : fn::ExtremeBetter<false>{}(v, i, b, j);
      };
      int64_t forward = 0, backward = static_cast<int64_t>(row.size()) - 1;
      for (int64_t i = 1; i < static_cast<int64_t>(row.size()); ++i)
        if (better(row[i], i, row[forward], forward)) forward = i;
      for (int64_t i = backward - 1; i >= 0; --i)
        if (better(row[i], i, row[backward], backward)) backward = i;
      EXPECT_EQ(forward, backward);
      // the CPU op agrees: the first NaN, else the first extreme
      const Tensor t = from_vector(row, {static_cast<int64_t>(row.size())});
      EXPECT_EQ((is_max ? ops::argmax(t, 0) : ops::argmin(t, 0)).item<int64_t>(), forward);
    }
  }
  EXPECT_EQ(ops::argmax(from_vector<double>({3, nan, 7, nan}, {4}), 0).item<int64_t>(), 1);
  EXPECT_EQ(ops::argmin(from_vector<double>({1, 5, 0, 0}, {4}), 0).item<int64_t>(), 2);
}

TEST(ReduceFunctors, NanRulesOfTheMaxima) {
  const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(fn::max_skipping_nan(1.0, nan), 1.0);
  EXPECT_EQ(fn::max_skipping_nan(-inf, 2.0), 2.0);
  EXPECT_TRUE(std::isnan(fn::max_keeping_nan(1.0, nan)));
  EXPECT_TRUE(std::isnan(fn::max_keeping_nan(nan, 5.0)));
  EXPECT_EQ(fn::max_keeping_nan(3.0, 2.0), 3.0);
  // the infinity norm propagates NaN (like torch); logsumexp's shift skips it but the sum does not
  EXPECT_TRUE(std::isnan(ops::norm(from_vector<double>({1, nan, 2}, {3}), inf).item<double>()));
  EXPECT_EQ(ops::norm(from_vector<double>({1, -4, 2}, {3}), inf).item<double>(), 4.0);
  EXPECT_TRUE(std::isnan(ops::logsumexp(from_vector<double>({1, nan}, {2}), {0}).item<double>()));
  EXPECT_EQ(ops::logsumexp(from_vector<double>({-inf, -inf}, {2}), {0}).item<double>(), -inf);
  EXPECT_EQ(ops::logsumexp(from_vector<double>({1, inf}, {2}), {0}).item<double>(), inf);
}

TEST(ReduceFunctors, VarianceLogsumexpFinite) {
  EXPECT_EQ(fn::variance_from(8.0, 5, 1), 2.0);
  EXPECT_TRUE(std::isnan(fn::variance_from(0.0, 1, 1)));
  EXPECT_NEAR(fn::logsumexp_from(2.0, std::exp(1.0)), 3.0, 1e-15);
  EXPECT_EQ(fn::logsumexp_from(-INFINITY, 0.0), -INFINITY);
  EXPECT_TRUE(fn::is_finite(1e300));
  EXPECT_FALSE(fn::is_finite(INFINITY));
  EXPECT_FALSE(fn::is_finite(-INFINITY));
  EXPECT_FALSE(fn::is_finite(NAN));
  EXPECT_TRUE(fn::is_finite(3.0f));
  EXPECT_FALSE(ops::all_finite(from_vector<float>({1, INFINITY}, {2})));
  EXPECT_TRUE(ops::all_finite(from_vector<float>({1, -2}, {2})));
}

TEST(Small3x3Functors, DetCofactorsInverse) {
  const double a[9] = {2, 0, 0, 0, 3, 0, 1, 0, 4};
  double out[9];
  ASSERT_TRUE(fn::apply_small3x3(fn::Small3x3::det, a, out));
  EXPECT_EQ(out[0], 24.0);
  ASSERT_TRUE(fn::apply_small3x3(fn::Small3x3::inverse, a, out));
  // A A^-1 = I
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) {
      double s = 0;
      for (int k = 0; k < 3; ++k) s += a[3 * i + k] * out[3 * k + j];
      EXPECT_NEAR(s, i == j ? 1.0 : 0.0, 1e-15);
    }
  const double singular[9] = {1, 2, 3, 2, 4, 6, 0, 1, 1};
  double untouched[9] = {7, 7, 7, 7, 7, 7, 7, 7, 7};
  EXPECT_FALSE(fn::apply_small3x3(fn::Small3x3::inverse, singular, untouched));
  EXPECT_EQ(untouched[0], 7.0);
  ASSERT_TRUE(fn::apply_small3x3(fn::Small3x3::cofactors, singular, out));  // defined for singular A
  EXPECT_EQ(out[0], 4 * 1 - 6 * 1);
  EXPECT_EQ(fn::small3x3_outputs(fn::Small3x3::det), 1);
  EXPECT_EQ(fn::small3x3_outputs(fn::Small3x3::inverse), 9);
  // the op names the first singular matrix of the batch
  const Tensor batch = from_vector<double>({2, 0, 0, 0, 3, 0, 1, 0, 4, 1, 2, 3, 2, 4, 6, 0, 1, 1}, {2, 3, 3});
  try {
    ops::inverse3(batch);
    FAIL() << "no throw";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("matrix 1 of the batch is singular"), std::string::npos) << e.what();
  }
  EXPECT_THROW(ops::det3(from_vector<double>({1, 2, 3}, {3})), std::invalid_argument);  // too few dims, no UB
}

}  // namespace
}  // namespace hg
