// Fuzz: json_array::parse (the FreiHAND annotation parser) on 30,000 deterministic mutations of valid
// annotation files (K, xyz, mano, scale, verts). Each input must either parse to the expected shape
// with finite values that survive format -> parse unchanged, or throw JsonArrayError (one line,
// starting with the file name) -- never crash, never read out of bounds (HANDGRAD_SANITIZE build),
// never throw anything else.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "mutators.h"
#include "tensor/factory.h"
#include "tensor/json_array.h"

using namespace hg;
using namespace hg::fuzz;
namespace ja = hg::json_array;

namespace {

struct Seed {
  std::string field;
  Shape expected;
  std::string text;
};

std::vector<Seed> seeds() {
  Generator g(21);
  std::vector<Seed> s;
  s.push_back({"K", {ja::kAny, 3, 3}, ja::format(uniform({3, 3, 3}, -500, 500, DType::f32, &g))});
  s.push_back({"xyz", {ja::kAny, 21, 3}, ja::format(randn({2, 21, 3}, DType::f32, &g))});
  s.push_back({"mano", {ja::kAny, 1, 61}, ja::format(randn({2, 1, 61}, DType::f64, &g))});
  s.push_back({"scale", {ja::kAny}, ja::format(uniform({5}, 0.01, 0.05, DType::f32, &g))});
  s.push_back({"verts", {ja::kAny, ja::kAny, 3}, ja::format(randn({2, 7, 3}, DType::f32, &g))});
  // Python's json.dump style (spaces after commas and colons is what format writes; add newlines,
  // exponents and integers too).
  s.push_back({"K", {ja::kAny, 3, 3}, "[\n [[500, 0, 112.5], [0, 500.0, 1.12e2], [0, 0, 1]]\n]\n"});
  return s;
}

// Replaces one number token with a hostile one, or splices hostile structure into the text.
std::string mutate_tokens(std::string t, Rng& r) {
  static const std::vector<std::string> hostile{
      "NaN", "Infinity", "-Infinity", "1e999", "-1e999", "1e-999", "3.4e39", "-0", "0.", ".5", "01", "1e", "1e+",
      "--1", "+1", "0x1F", "1_000", "\"1\"", "null", "true", "[]", "[[]]", "{}", "", " ", "1 2", "1,", ",1",
      "99999999999999999999999999999999999999", std::string(400, '9'), "1" + std::string(400, '0') + "e-400",
      std::string(1, '\0'), "\xff\xfe", "\\u0031", "1.7976931348623157e308", "4.9e-324"};
  // Positions of number starts.
  std::vector<size_t> starts;
  for (size_t i = 0; i < t.size(); ++i)
    if ((t[i] == '-' || (t[i] >= '0' && t[i] <= '9')) && (i == 0 || t[i - 1] == '[' || t[i - 1] == ' ' || t[i - 1] == ','))
      starts.push_back(i);
  switch (r.below(6)) {
    case 0: case 1: {  // a number replaced
      if (starts.empty()) return t + r.pick(hostile);
      const size_t at = r.pick(starts);
      size_t end = at;
      while (end < t.size() && t[end] != ',' && t[end] != ']') ++end;
      return t.replace(at, end - at, r.pick(hostile));
    }
    case 2: {  // a bracket or comma removed or doubled
      std::vector<size_t> marks;
      for (size_t i = 0; i < t.size(); ++i)
        if (t[i] == '[' || t[i] == ']' || t[i] == ',') marks.push_back(i);
      if (marks.empty()) return t;
      const size_t at = r.pick(marks);
      return r.coin() ? t.erase(at, 1) : t.insert(at, 1, t[at]);
    }
    case 3: {  // an element duplicated or removed (wrong lengths)
      const size_t open = t.find('[', r.below(t.size()));
      if (open == std::string::npos) return t;
      const size_t close = t.find(']', open);
      if (close == std::string::npos) return t;
      const std::string inner = t.substr(open, close - open + 1);
      return r.coin() ? t.insert(close + 1, ", " + inner) : t.erase(open, close - open + 1);
    }
    case 4: {  // deep nesting or huge arrays spliced in
      const std::string deep = r.coin() ? std::string(1 + r.below(100000), '[') : "[" + std::string(10000, '1') + "]";
      return t.insert(r.below(t.size() + 1), deep);
    }
    default:  // whole text replaced by another JSON value or garbage
      return r.pick(std::vector<std::string>{"", "[]", "[[]]", "{}", "null", "\"x\"", "[1]", "[[[", "]]]", "[,]",
                                             std::string(5, '\0'), "\xef\xbb\xbf[1]"});
  }
}

std::string mutate(const std::string& text, Rng& r, std::string& kind) {
  if (const uint64_t which = r.below(6); which < 4) return byte_mutation(which, text, r, kind);
  kind = "tokens";
  return mutate_tokens(text, r);
}

// Phrases of every kind of error; the mutations must reach each.
const std::vector<std::string> kRules{"expected an array", "expected a number", "entries, got", "not a finite number",
                                      "malformed number", "out of range", "expected ',' or ']'",
                                      "after the end of the array", "unexpected end of text", "(like the first)"};

}  // namespace

TEST(JsonFuzz, MutatedAnnotationFilesNeverCrash) {
  const auto start = std::chrono::steady_clock::now();
  const std::vector<Seed> all = seeds();
  Rng r{2024};
  Tally tally;
  constexpr int kInputs = 30000;
  for (int i = 0; i < kInputs; ++i) {
    const Seed& seed = all[r.below(all.size())];
    std::string kind, text = seed.text;
    const int stacked = 1 + static_cast<int>(r.below(3));  // 1-3 mutations stacked
    for (int k = 0; k < stacked; ++k) text = mutate(text, r, kind);
    const std::string what = "input " + std::to_string(i) + " (" + kind + ", " + seed.field + ")";
    try {
      const Tensor t = ja::parse(text, seed.expected, "fuzz.json", seed.field, i % 2 ? DType::f64 : DType::f32);
      ++tally.loaded;
      ASSERT_EQ(t.dim(), static_cast<int64_t>(seed.expected.size())) << what;
      for (size_t d = 0; d < seed.expected.size(); ++d) {
        if (seed.expected[d] != ja::kAny) {
          ASSERT_EQ(t.size(static_cast<int64_t>(d)), seed.expected[d]) << what;
        }
      }
      for (double v : t.to_vector<double>()) ASSERT_TRUE(std::isfinite(v)) << what;
      const Tensor again = ja::parse(ja::format(t), seed.expected, "again.json", seed.field, t.dtype());
      ASSERT_EQ(again.sizes(), t.sizes()) << what;
      ASSERT_EQ(again.to_vector<double>(), t.to_vector<double>()) << what;
    } catch (const ja::JsonArrayError& e) {
      const std::string m = e.what();
      ASSERT_NO_FATAL_FAILURE(record_rejection(m, "fuzz.json: " + seed.field, kRules, tally, what));
      ASSERT_LT(m.size(), 400u) << what << ": " << m;
    }
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("json fuzz: %d inputs, %d parsed, %d rejected, %.2f s\n", kInputs, tally.loaded, tally.rejected, seconds);
  EXPECT_GT(tally.loaded, 100);  // some mutations keep the file valid (e.g. a digit flipped)
  expect_every_rule_reached(kRules, tally);
}
