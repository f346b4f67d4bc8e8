// Format-independent pieces of the fuzz tests (tests/fuzz/test_*_fuzz.cpp): a portable PRNG,
// byte-level mutations, and the driver that feeds mutated seeds to a format's checker and tallies
// which of the expected error rules the rejections named. Each fuzz file keeps only its seeds, its
// structure-aware mutations and what it checks on an input that loads.
#pragma once
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

namespace hg::fuzz {

// splitmix64: a tiny PRNG whose sequence is the same on every platform and standard library.
struct Rng {
  uint64_t s;
  uint64_t next() {
    uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  uint64_t below(uint64_t n) { return n ? next() % n : 0; }
  bool coin() { return next() & 1; }
  template <class T> const T& pick(const std::vector<T>& v) { return v[below(v.size())]; }
};

// ---- byte level ----

inline std::string flip_bits(std::string f, Rng& r) {
  for (uint64_t k = 0, n = 1 + r.below(4); k < n && !f.empty(); ++k)
    f[r.below(f.size())] ^= static_cast<char>(1u << r.below(8));
  return f;
}

inline std::string replace_bytes(std::string f, Rng& r) {
  static const std::vector<char> special{'\0', '\xff', '"', '{', '}', '[', ']', ',', ':', '-', '9', '.', 'e', '\\', ' '};
  for (uint64_t k = 0, n = 1 + r.below(3); k < n && !f.empty(); ++k)
    f[r.below(f.size())] = r.coin() ? r.pick(special) : static_cast<char>(r.next());
  return f;
}

inline std::string insert_or_delete(std::string f, Rng& r) {
  const size_t at = r.below(f.size() + 1);
  if (r.coin() && at < f.size()) return f.erase(at, 1 + r.below(std::min<size_t>(16, f.size() - at)));
  return f.insert(at, std::string(1 + r.below(16), static_cast<char>(r.next())));
}

// A prefix of any length from 0 to the whole file.
inline std::string cut_anywhere(const std::string& f, Rng& r) { return f.substr(0, r.below(f.size() + 1)); }

// Mutation number `which` (0-3) of the four above, naming itself in `kind`.
inline std::string byte_mutation(uint64_t which, const std::string& f, Rng& r, std::string& kind) {
  switch (which) {
    case 0: kind = "bit flip"; return flip_bits(f, r);
    case 1: kind = "byte replacement"; return replace_bytes(f, r);
    case 2: kind = "insert/delete"; return insert_or_delete(f, r);
    default: kind = "truncation"; return cut_anywhere(f, r);
  }
}

// Overwrites the `width` bytes at `at` with v, little-endian (bytes past the end are dropped).
inline void put_le(std::string& f, size_t at, uint64_t v, int width) {
  for (int i = 0; i < width && at + i < f.size(); ++i) f[at + i] = static_cast<char>((v >> (8 * i)) & 0xFF);
}

// ---- driver ----

// What a run did: inputs that loaded, inputs rejected, and how often each expected rule was named.
struct Tally {
  int loaded = 0, rejected = 0;
  std::map<std::string, int> hits;
};

// A rejection must be one line starting with `prefix` (the source name); counts the rules it names.
// `what` says which input it was, for the failure message.
inline void record_rejection(const std::string& message, const std::string& prefix, const std::vector<std::string>& rules,
                             Tally& t, const std::string& what = "") {
  ++t.rejected;
  ASSERT_EQ(message.rfind(prefix, 0), 0u) << what << (what.empty() ? "" : ": ") << message;
  ASSERT_EQ(message.find('\n'), std::string::npos) << what << (what.empty() ? "" : ": ") << message;
  for (const std::string& rule : rules)
    if (message.find(rule) != std::string::npos) ++t.hits[rule];
}

// Feeds `count` inputs, each a random seed with one mutation, or with probability 1/`stack_one_in`
// 1 + below(`stack_more`) mutations stacked. Stops at the first fatal failure, naming the input
// (call it inside ASSERT_NO_FATAL_FAILURE).
template <class Mutate, class Feed>
void feed_mutants(const std::vector<std::string>& seeds, Rng& r, int count, uint64_t stack_one_in, uint64_t stack_more,
                  Mutate&& mutate, Feed&& feed) {
  for (int i = 0; i < count; ++i) {
    std::string f = seeds[r.below(seeds.size())];
    for (uint64_t k = 0, n = 1 + (r.below(stack_one_in) == 0 ? r.below(stack_more) : 0); k < n; ++k) f = mutate(f, r);
    feed(f);
    if (::testing::Test::HasFatalFailure()) FAIL() << "mutation " << i;
  }
}

// Feeds every proper prefix of seeds[first, last).
template <class Feed>
void feed_truncations(const std::vector<std::string>& seeds, size_t first, size_t last, Feed&& feed) {
  for (size_t s = first; s < last; ++s)
    for (size_t n = 0; n < seeds[s].size(); ++n) {
      feed(seeds[s].substr(0, n));
      if (::testing::Test::HasFatalFailure()) FAIL() << "seed " << s << " cut at " << n;
    }
}

// Every rule must have been named by some rejection.
inline void expect_every_rule_reached(const std::vector<std::string>& rules, const Tally& t) {
  for (const std::string& rule : rules) {
    const auto it = t.hits.find(rule);
    EXPECT_TRUE(it != t.hits.end() && it->second > 0) << "no mutation reached: " << rule;
  }
}

// How run_mutation_fuzz drives one format.
struct FuzzPlan {
  const char* format;       // for the summary line
  uint64_t rng_seed;
  int mutants;              // inputs made by feed_mutants
  uint64_t stack_one_in, stack_more;
  size_t cut_first, cut_last;  // seeds whose every truncation is fed too
};

// The whole run: mutants, then truncations, then a summary line; at least 10,000 inputs must have
// been fed and every rule named. feed(bytes, tally) loads one input, checks it and counts it.
template <class Mutate, class Feed>
void run_mutation_fuzz(const FuzzPlan& plan, const std::vector<std::string>& seeds, const std::vector<std::string>& rules,
                       Mutate&& mutate, Feed&& feed) {
  Tally tally;
  Rng r{plan.rng_seed};
  const auto feed_one = [&](const std::string& f) { feed(f, tally); };
  ASSERT_NO_FATAL_FAILURE(feed_mutants(seeds, r, plan.mutants, plan.stack_one_in, plan.stack_more, mutate, feed_one));
  ASSERT_NO_FATAL_FAILURE(feed_truncations(seeds, plan.cut_first, plan.cut_last, feed_one));
  std::printf("%s fuzz: %d inputs loaded, %d rejected\n", plan.format, tally.loaded, tally.rejected);
  EXPECT_GE(tally.loaded + tally.rejected, 10000);
  expect_every_rule_reached(rules, tally);
}

}  // namespace hg::fuzz
