// Fuzz: the restricted unpickler on ≥ 10,000 deterministic mutations of real pickles (every protocol,
// Python-2 strings, chumpy/scipy objects) plus every truncation of the small ones. Each input must
// either load or throw PickleError (one line, naming the source) -- never crash, never read out of
// bounds (run under HANDGRAD_SANITIZE=address,undefined), never hang, never throw anything else.
// What loads is walked: every array/object/list goes through to_dense_array and describe().
#include <gtest/gtest.h>

#include <set>

#include "mutators.h"
#include "tensor/pickle.h"
#include "tests/common/compare.h"

using namespace hg;
using namespace hg::fuzz;
using hg::testing::fixture_bytes;
using namespace hg::pickle;
using namespace std::string_literals;

namespace {

std::vector<std::string> seed_files() {
  std::vector<std::string> seeds{
      // Small hand-made ones first (their every truncation is fed too).
      "(lp0\nI1\naS'a\\x00'\np1\nag1\naF2.5\naL7L\na.",
      "\x80\x02}q\x00(U\x01xq\x01K\x01U\x01yq\x02]q\x03(K\x01K\x02" "eu."s,
      "\x80\x04\x95\x10\0\0\0\0\0\0\0\x8c\x02os\x94\x8f(K\x01\x90\x8c\x01z\x94\x87."s,
  };
  for (const char* name : {"pickle_p0.pkl", "pickle_p1.pkl", "pickle_p2.pkl", "pickle_p3.pkl", "pickle_p4.pkl",
                           "pickle_p5.pkl", "pickle_py2_p0.pkl", "pickle_py2_p1.pkl", "pickle_objects.pkl"})
    if (std::string f = fixture_bytes(name); !f.empty()) seeds.push_back(f);
  return seeds;
}

// Every opcode byte of protocols 0-5 plus a few unknown ones.
const std::string kOpcodes = std::string("(.0123FIJKLMNPQRSTUVXabcdeghijlopqrstu}])GBC", 44) +
                             "\x80\x81\x82\x83\x84\x85\x86\x87\x88\x89\x8a\x8b\x8c\x8d\x8e\x8f\x90\x91\x92\x93\x94\x95\x96\x97\x98\xff\x00";

std::string replace_with_opcodes(std::string f, Rng& r) {
  for (uint64_t k = 0, n = 1 + r.below(3); k < n && !f.empty(); ++k) f[r.below(f.size())] = kOpcodes[r.below(kOpcodes.size())];
  return f;
}

// An opcode with a random short argument spliced in.
std::string splice_opcode(std::string f, Rng& r) {
  std::string op(1, kOpcodes[r.below(kOpcodes.size())]);
  for (uint64_t k = 0, n = r.below(9); k < n; ++k) op += static_cast<char>(r.coin() ? r.next() : '\n');
  return f.insert(r.below(f.size() + 1), op);
}

// A 1-, 2-, 4- or 8-byte little-endian value (a length or memo key) overwritten with a hostile one.
std::string lie_in_argument(std::string f, Rng& r) {
  if (f.empty()) return f;
  const int width = static_cast<int>(std::vector<int>{1, 2, 4, 8}[r.below(4)]);
  const uint64_t size = f.size();
  const std::vector<uint64_t> lies{0, 1, 0x7F, 0x80, 0xFF, 0xFFFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, size, size + 1,
                                   size - 1, 1ull << 62, ~0ull, r.below(300)};
  const uint64_t v = r.pick(lies);
  put_le(f, r.below(f.size()), v, width);
  return f;
}

std::string mutate(const std::string& f, Rng& r) {
  switch (r.below(7)) {
    case 0: return flip_bits(f, r);
    case 1: return replace_bytes(f, r);
    case 2: return replace_with_opcodes(f, r);
    case 3: return insert_or_delete(f, r);
    case 4: return cut_anywhere(f, r);
    case 5: return splice_opcode(f, r);
    default: return lie_in_argument(f, r);
  }
}

// Walks a loaded tree (each value once, bounded), converting what can be converted.
void walk(const Value& v, std::set<const Value*>& seen, int depth) {
  if (depth > 60 || seen.size() > 20000 || !seen.insert(&v).second) return;
  (void)describe(v);
  switch (v.kind) {
    case Kind::array:
    case Kind::object:
    case Kind::list:
    case Kind::tuple:
      try {
        (void)to_dense_array(v, "fuzz.pkl: value");
      } catch (const PickleError& e) {
        const std::string m = e.what();
        ASSERT_EQ(m.rfind("fuzz.pkl: value", 0), 0u) << m;
      }
      break;
    default: break;
  }
  if (v.kind == Kind::list || v.kind == Kind::tuple || v.kind == Kind::set || v.kind == Kind::frozenset)
    for (const Value* x : v.items("walk")) walk(*x, seen, depth + 1);
  if (v.kind == Kind::dict)
    for (const auto& [k, x] : v.entries("walk")) {
      walk(*k, seen, depth + 1);
      walk(*x, seen, depth + 1);
    }
  if (v.kind == Kind::object && v.as_object("walk").state) walk(*v.as_object("walk").state, seen, depth + 1);
}

const std::vector<std::string> kRules{"truncated", "unknown opcode", "stack underflow", "is not allowed", "memo key",
                                      "no MARK", "STOP with", "not valid UTF-8", "needs", "unsupported dtype"};

void feed(const std::string& bytes, Tally& s) {
  try {
    const std::shared_ptr<Document> doc = loads(bytes, "fuzz.pkl");
    ++s.loaded;
    std::set<const Value*> seen;
    walk(doc->root(), seen, 0);
  } catch (const PickleError& e) {
    record_rejection(e.what(), "fuzz.pkl: ", kRules, s);
  }
}

TEST(PickleFuzz, MutatedPicklesLoadOrThrowPickleError) {
  const std::vector<std::string> seeds = seed_files();
  ASSERT_GE(seeds.size(), 10u);
  for (const std::string& s : seeds) ASSERT_NO_THROW(loads(s, "seed")) << s.size();
  // 15,000 mutants, one in three with 1-4 mutations stacked; then every truncation of the hand-made seeds.
  run_mutation_fuzz({"pickle", 77, 15000, 3, 4, 0, 3}, seeds, kRules, mutate, feed);
}

}  // namespace
