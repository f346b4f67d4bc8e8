// Fuzz: parse_npz on ≥ 10,000 deterministic mutations of valid .npz archives (written by handgrad and
// by numpy), plus every truncation of small archives. Each input must either load or throw NpzError
// (one line, naming the source) -- never crash, never read out of bounds (run under
// HANDGRAD_SANITIZE=address,undefined), never throw anything else. What loads must survive
// npz_bytes -> parse_npz unchanged.
#include <gtest/gtest.h>

#include <cstring>
#include <map>

#include "mutators.h"
#include "tensor/factory.h"
#include "tensor/npz.h"
#include "tensor/view.h"
#include "tensor/zip.h"
#include "tests/common/compare.h"

using namespace hg;
using namespace hg::fuzz;
using hg::testing::fixture_bytes;

namespace {

std::vector<std::string> seed_files() {
  Generator g(5);
  const std::map<std::string, Tensor> arrays{
      {"w", randn({3, 4}, DType::f32, &g)}, {"d", randn({5}, DType::f64, &g)}, {"h", randn({2, 2}, DType::f16, &g)},
      {"i", randint(-9, 9, {4}, DType::i32, &g)}, {"l", randint(-9, 9, {2, 1}, DType::i64, &g)},
      {"u", randint(0, 256, {3}, DType::u8, &g)}, {"b", bernoulli({5}, 0.5, DType::boolean, &g)},
      {"s", scalar_tensor(2.0, DType::f64)}, {"e", Tensor::empty({0, 2}, DType::f32)}};
  std::vector<std::string> seeds{npz_bytes(arrays, true), npz_bytes(arrays, false),
                                 npz_bytes({{"x", randn({2}, DType::f64, &g)}}, false),
                                 npz_bytes({{"x", randn({4, 4}, DType::f32, &g)}}, true)};
  for (const char* name : {"npz_stored.npz", "npz_compressed.npz"})
    if (std::string f = fixture_bytes(name); !f.empty()) seeds.push_back(f);
  return seeds;
}

// ---- zip-aware mutations ----

// A header field (offset inside its record, width) gets a hostile value.
std::string lie_in_header(std::string f, Rng& r) {
  struct Field {
    int offset, width;
  };
  static const std::vector<Field> kLocal{{4, 2}, {6, 2}, {8, 2}, {14, 4}, {18, 4}, {22, 4}, {26, 2}, {28, 2}};
  static const std::vector<Field> kCentral{{8, 2}, {10, 2}, {16, 4}, {20, 4}, {24, 4}, {28, 2}, {30, 2}, {32, 2}, {34, 2}, {42, 4}};
  static const std::vector<Field> kEnd{{4, 2}, {6, 2}, {8, 2}, {10, 2}, {12, 4}, {16, 4}, {20, 2}};
  const std::vector<std::pair<std::string, const std::vector<Field>*>> kinds{
      {std::string("PK\x03\x04", 4), &kLocal}, {std::string("PK\x01\x02", 4), &kCentral}, {std::string("PK\x05\x06", 4), &kEnd}};
  const auto& [sig, fields] = kinds[r.below(kinds.size())];
  std::vector<size_t> at;
  for (size_t p = f.find(sig); p != std::string::npos; p = f.find(sig, p + 1)) at.push_back(p);
  if (at.empty()) return flip_bits(f, r);
  const size_t rec = r.pick(at);
  const Field fld = r.pick(*fields);
  const uint64_t size = f.size();
  const std::vector<uint64_t> lies{0, 1, 2, 8, 0xFFFF, 0xFFFE, 0xFFFFFFFF, 0x7FFFFFFF, 0x80000000, size, size - 1, size + 1,
                                   size * 2000, rec, 30, 46, 1ull << 20, r.below(64), r.next()};
  put_le(f, rec + fld.offset, r.pick(lies), fld.width);
  return f;
}

// Hostile text spliced into a .npy header (the archive is rebuilt with correct CRCs).
std::string mutate_npy(std::string npy, Rng& r) {
  static const std::vector<std::string> pieces{
      "(", ")", ",", "'", "\"", ":", "{", "}", "-1", "0", "99999999999999999999", "L", "<", ">", "|", "=", "True", "False",
      "'descr'", "'shape'", "'fortran_order'", "[('a', '<f4')]", "'<c16'", "'|O'", "'<u8'", "'>f8'", "'|b1'", "\\x", " ",
      std::string(1, '\0'), "(4611686018427387904, 4)", "()", "(0,)", "(1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1)"};
  const size_t header_end = std::min<size_t>(npy.find('\n'), npy.size());
  switch (r.below(6)) {
    case 0: {  // splice into the header text
      const size_t at = 10 + r.below(header_end > 10 ? header_end - 10 : 1);
      const std::string p = r.pick(pieces);
      if (r.coin() && at + p.size() <= npy.size()) return npy.replace(at, p.size(), p);
      return npy.insert(std::min(at, npy.size()), p);
    }
    case 1: {  // replace the whole dict, keeping the length field truthful
      static const std::vector<std::string> dicts{
          "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 2), }", "{'descr': '<f4', 'fortran_order': False, 'shape': (), }",
          "{'descr': '|u1', 'fortran_order': False, 'shape': (3,), }", "{'descr': '>i2', 'fortran_order': True, 'shape': (1, 2), }",
          "{'descr': '<u8', 'fortran_order': False, 'shape': (1,), }", "{'descr': '|b1', 'fortran_order': False, 'shape': (4,), }",
          "{'descr': '<f2', 'fortran_order': False, 'shape': (0, 5), }", "{}", "{'descr': '<f8'}", "[]", ""};
      std::string h = r.pick(dicts);
      h.append((64 - (10 + h.size() + 1) % 64) % 64, ' ');
      h += '\n';
      std::string out = npy.substr(0, 8);
      out += static_cast<char>(h.size() & 0xFF);
      out += static_cast<char>(h.size() >> 8);
      return out + h + npy.substr(std::min(header_end + 1, npy.size()));
    }
    case 2: return flip_bits(npy, r);
    case 3: return replace_bytes(npy, r);
    case 4: return npy.substr(0, r.below(npy.size() + 1));
    default: put_le(npy, 8, r.pick(std::vector<uint64_t>{0, 1, 0xFFFF, npy.size(), npy.size() - 9, r.below(200)}), 2); return npy;
  }
}

std::string mutate_member(const std::string& file, Rng& r) {
  std::vector<zip::Entry> entries;
  try {
    entries = zip::parse(file, "seed");
  } catch (const zip::ZipError&) {  // an earlier (stacked) mutation broke the container
    return flip_bits(file, r);
  }
  if (entries.empty()) return flip_bits(file, r);
  zip::Entry& e = entries[r.below(entries.size())];
  e.data = mutate_npy(e.data, r);
  if (r.below(8) == 0) e.name = r.pick(std::vector<std::string>{"x.txt", ".npy", "a/../b.npy", "y"});
  std::vector<zip::Member> members;
  for (const zip::Entry& x : entries) members.push_back({x.name, x.data});
  try {
    return zip::serialize(members, r.coin());
  } catch (const zip::ZipError&) {  // the writer refused a hostile name: keep the archive as it was
    return file;
  }
}

std::string truncate_anywhere(const std::string& f, Rng& r) {
  // Cut near a record signature more often than elsewhere.
  if (r.coin()) {
    std::vector<size_t> at;
    for (size_t p = f.find("PK"); p != std::string::npos; p = f.find("PK", p + 1)) at.push_back(p);
    if (!at.empty()) return f.substr(0, std::min(f.size(), r.pick(at) + r.below(48)));
  }
  return f.substr(0, r.below(f.size()));
}

std::string mutate(const std::string& file, Rng& r) {
  switch (r.below(7)) {
    case 0: return flip_bits(file, r);
    case 1: return replace_bytes(file, r);
    case 2: return insert_or_delete(file, r);
    case 3: return truncate_anywhere(file, r);
    case 4: return lie_in_header(file, r);
    default: return mutate_member(file, r);
  }
}

// Messages the mutations must reach (each at least once), proving they get past the container.
const std::vector<std::string> kRules{
    "no end-of-central-directory", "CRC-32 mismatch", "bad local header signature", "disagree",
    "corrupt DEFLATE data", "central directory", "not a .npy array", "unsupported dtype", "data bytes, found",
    "header", "member is not a '<name>.npy' array", "byte value", "compression method"};

void feed(const std::string& bytes, Tally& s) {
  try {
    const std::map<std::string, Tensor> arrays = parse_npz(bytes, "fuzz.npz");
    ++s.loaded;
    for (bool compress : {bytes.size() % 2 == 0}) {  // one writer mode per input keeps the test fast
      const std::map<std::string, Tensor> again = parse_npz(npz_bytes(arrays, compress), "again.npz");
      ASSERT_EQ(again.size(), arrays.size());
      for (const auto& [k, t] : arrays) {
        const Tensor& u = again.at(k);
        ASSERT_EQ(u.dtype(), t.dtype()) << k;
        ASSERT_EQ(u.sizes(), t.sizes()) << k;
        const size_t n = static_cast<size_t>(t.numel()) * dtype_size(t.dtype());
        ASSERT_TRUE(n == 0 || std::memcmp(u.raw_data(), ops::contiguous(t).raw_data(), n) == 0) << k;
      }
    }
  } catch (const NpzError& e) {
    record_rejection(e.what(), "fuzz.npz: ", kRules, s);
  }
}

TEST(NpzFuzz, MutatedArchivesLoadOrThrowNpzError) {
  const std::vector<std::string> seeds = seed_files();
  ASSERT_GE(seeds.size(), 4u);
  for (const std::string& s : seeds) ASSERT_NO_THROW(parse_npz(s, "seed"));
  // 12,000 mutants, one in four with 1-3 mutations stacked; then every truncation of the two small seeds.
  run_mutation_fuzz({"npz", 2024, 12000, 4, 3, 2, 4}, seeds, kRules, mutate, feed);
}

}  // namespace
