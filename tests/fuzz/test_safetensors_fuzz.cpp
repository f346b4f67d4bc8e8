// Fuzz: safetensors::parse on 30,000 deterministic mutations of valid files. Each input must
// either load or throw SafetensorsError (one line, naming the source) -- never crash, never read out
// of bounds (run under HANDGRAD_SANITIZE=address,undefined), never throw anything else. A file
// that loads must survive serialize -> parse unchanged.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>

#include "tensor/factory.h"
#include "tensor/safetensors.h"
#include "tensor/view.h"
#include "safetensors_mutators.h"
#include "tests/common/compare.h"

using namespace hg;
using namespace hg::fuzz;
namespace st = hg::safetensors;
using hg::testing::fixture_bytes;

namespace {

std::vector<std::string> seed_files() {
  std::vector<std::string> seeds;
  Generator g(99);
  seeds.push_back(st::serialize(
      {{"conv1.weight", randn({2, 1, 3, 3}, DType::f32, &g)},
       {"bn.running_mean", randn({3}, DType::f64, &g)},
       {"h", randn({2, 2}, DType::f16, &g)},
       {"b", randn({3, 1}, DType::bf16, &g)},
       {"idx", randint(-5, 5, {4}, DType::i32, &g)},
       {"step", randint(0, 1000, {}, DType::i64, &g)},
       {"img", randint(0, 256, {2, 2, 2}, DType::u8, &g)},
       {"mask", bernoulli({5}, 0.5, DType::boolean, &g)}},
      {{"format", "pt"}, {"epoch", "3"}}));
  seeds.push_back(st::serialize({{"scalar", scalar_tensor(1.5)}, {"empty", zeros({0, 4})},
                                 {"flags", bernoulli({9}, 0.5, DType::boolean, &g)},
                                 {"t", ops::transpose(randn({3, 2}, DType::f32, &g), 0, 1)}}));
  seeds.push_back(st::serialize({}, {{"only", "metadata"}}));
  seeds.push_back(st::serialize({{"a", ones({1}, DType::u8)}}));
  // The PyTorch-written fixture.
  if (std::string f = fixture_bytes("safetensors_all_dtypes.safetensors"); !f.empty()) seeds.push_back(f);
  return seeds;
}

// One JSON-level mutation of the header; returns the new file with a truthful length. Falls back to
// a bit flip when an earlier (stacked) mutation left a header that is not JSON of the usual shape.
std::string mutate_json_or_throw(const std::string& file, Rng& r);
std::string mutate_json(const std::string& file, Rng& r) {
  try {
    return mutate_json_or_throw(file, r);
  } catch (const json::exception&) {
    return flip_bits(file, r);
  }
}

std::string mutate_json_or_throw(const std::string& file, Rng& r) {
  const Parts p = split(file);
  // A header from the deep-nesting mutation would parse here but overflow the stack in dump()
  // (nlohmann's serializer recurses); the library under test never dumps what it reads.
  if (p.header.size() > 65536) return flip_bits(file, r);
  json h = json::parse(p.header);
  if (!h.is_object()) return flip_bits(file, r);
  std::vector<std::string> names;
  for (const auto& [k, v] : h.items())
    if (k != "__metadata__") names.push_back(k);
  std::string data = p.data;
  const std::string name = names.empty() ? "x" : r.pick(names);
  json& e = h[name];
  if (!e.is_object()) e = {{"dtype", "F32"}, {"shape", {1}}, {"data_offsets", {0, 4}}};
  switch (r.below(16)) {
    case 0:  // a shape entry becomes hostile
      if (!e["shape"].empty()) e["shape"][r.below(e["shape"].size())] = hostile_number(r);
      else e["shape"].push_back(hostile_number(r));
      break;
    case 1:  // dims added or removed
      if (r.coin() && !e["shape"].empty()) e["shape"].erase(r.below(e["shape"].size()));
      else e["shape"].push_back(r.pick(std::vector<int64_t>{0, 1, 2, 1000000007}));
      break;
    case 2:  // an offset becomes hostile
      e["data_offsets"][r.below(2)] = hostile_number(r);
      break;
    case 3:  // offsets swapped
      std::swap(e["data_offsets"][0], e["data_offsets"][1]);
      break;
    case 4: {  // offsets shifted (overlap with a neighbour, or a hole)
      const uint64_t d = r.below(9) - 4;  // -4..4, wrapping (hostile values stay hostile)
      for (auto& o : e["data_offsets"])
        if (o.is_number_integer()) o = o.get<uint64_t>() + d;
      break;
    }
    case 5: {  // copy another tensor's offsets (overlap)
      const std::string other = names.empty() ? name : r.pick(names);
      if (h[other].is_object() && h[other].contains("data_offsets")) e["data_offsets"] = h[other]["data_offsets"];
      break;
    }
    case 6:  // out of range or malformed offsets
      e["data_offsets"] = r.pick(std::vector<json>{json{0, data.size() + 1}, json{data.size(), data.size() + 8},
                                                   json{0}, json{0, 4, 8}, json("0,4"), json::object(),
                                                   json{~0ull - 3, ~0ull}});
      break;
    case 7:
      e["dtype"] = hostile_dtype(r);
      break;
    case 8:  // the entry itself has the wrong type
      e = r.pick(std::vector<json>{json(5), json("F32"), json::array(), json(nullptr)});
      break;
    case 9:  // a field removed or an extra one added
      if (r.coin()) e.erase(r.pick(std::vector<std::string>{"dtype", "shape", "data_offsets"}));
      else e["extra"] = 1;
      break;
    case 10:  // metadata of the wrong shape
      h["__metadata__"] = r.pick(std::vector<json>{json::array({"a"}), json{{"k", 1}}, json{{"k", {{"n", "v"}}}},
                                                   json("text"), json{{"k", nullptr}}});
      break;
    case 11:  // the data section grows or shrinks (holes, missing bytes)
      if (r.coin() || data.empty()) data += std::string(1 + r.below(8), '\0');
      else data.pop_back();
      break;
    case 12:  // the data section's bytes are scrambled (BOOL tensors see values > 1)
      for (char& c : data) c = static_cast<char>(r.next());
      break;
    case 13: {  // deep nesting spliced into the text
      std::string text = h.dump();
      const std::string deep = deep_text(r.coin() ? 1 + r.below(12) : 100000, r.coin());
      return assemble(text.insert(1, "\"deep\":" + deep + ","), data);
    }
    case 14: {  // a duplicate key spliced into the text (top level or inside an entry)
      std::string text = h.dump();
      if (r.coin() && e.is_object()) {
        const size_t at = text.find("\"dtype\"");
        if (at != std::string::npos) text.insert(at, "\"dtype\":\"U8\",");
      } else {
        text.insert(1, json(name).dump() + ":" + e.dump() + ",");
      }
      return assemble(text, data);
    }
    default: {  // whole header replaced by another JSON type
      const std::string other = r.pick(std::vector<std::string>{"[]", "null", "1", "\"{}\"", "{", "{}}", ""});
      return assemble(other, data);
    }
  }
  std::string text = h.dump();
  text.append((8 - text.size() % 8) % 8, ' ');
  return assemble(text, data);
}

std::string mutate(const std::string& file, Rng& r, std::string& kind) {
  switch (r.below(7)) {
    case 0: kind = "bit flip"; return flip_bits(file, r);
    case 1: kind = "byte replacement"; return replace_bytes(file, r);
    case 2: kind = "insert/delete"; return insert_or_delete(file, r);
    case 3: kind = "truncation"; return truncate(file, r);
    case 4: kind = "length lie"; return lie_about_length(file, r);
    default: kind = "json"; return mutate_json(file, r);
  }
}

struct Outcome {
  int loaded = 0, rejected = 0;
};

// Every validation rule, by a phrase of its message; the mutations must reach each one.
const std::vector<std::string> kRules{
    "shorter than", "is absurd", "is larger than the", "not valid JSON", "header is not a JSON object",
    "entry is not a JSON object", "missing field", "unexpected field", "is not a string", "is not an integer",
    "is negative", "is too large", "overflows", "begin > end", "beyond the data section", "byte length mismatch",
    "overlap", "not covered by any tensor", "\"__metadata__\"", "duplicate key", "nests deeper", "expected 0 or 1",
    "unknown dtype", "not an array"};
std::map<std::string, int> g_rule_hits;

// Feeds one input; records a test failure for anything but success or SafetensorsError.
void feed(const std::string& bytes, const std::string& what, Outcome& out) {
  try {
    const st::File f = st::parse(bytes, "fuzz.safetensors");
    ++out.loaded;
    // Anything that loads is well-formed: re-serialising it must give a file that parses the same.
    const st::File again = st::parse(st::serialize(f.tensors, f.metadata), "reserialised");
    ASSERT_EQ(again.tensors.size(), f.tensors.size()) << what;
    ASSERT_EQ(again.metadata, f.metadata) << what;
    for (const auto& [name, t] : f.tensors) {
      const Tensor& u = again.at(name);
      ASSERT_EQ(u.dtype(), t.dtype()) << what;
      ASSERT_EQ(u.sizes(), t.sizes()) << what;
      const size_t nbytes = static_cast<size_t>(t.numel()) * dtype_size(t.dtype());
      ASSERT_EQ(std::memcmp(u.raw_data(), t.raw_data(), nbytes), 0) << what << ": tensor " << name;
    }
  } catch (const st::SafetensorsError& e) {
    ++out.rejected;
    const std::string m = e.what();
    for (const std::string& rule : kRules)
      if (m.find(rule) != std::string::npos) ++g_rule_hits[rule];
    ASSERT_EQ(m.rfind("fuzz.safetensors: ", 0), 0u) << what << ": " << m;
    ASSERT_EQ(m.find('\n'), std::string::npos) << what << ": " << m;
  } catch (const std::exception& e) {
    FAIL() << what << ": threw a non-SafetensorsError exception: " << e.what();
  } catch (...) {
    FAIL() << what << ": threw a non-std exception";
  }
}

}  // namespace

TEST(SafetensorsFuzz, SeedsLoad) {
  const auto seeds = seed_files();
  ASSERT_GE(seeds.size(), 4u);
  for (const auto& s : seeds) EXPECT_NO_THROW(st::parse(s));
}

TEST(SafetensorsFuzz, EveryTruncationAndLengthLie) {
  Outcome out;
  for (const auto& s : seed_files()) {
    for (size_t n = 0; n < s.size(); ++n) feed(s.substr(0, n), "truncated to " + std::to_string(n), out);
    const uint64_t header = split(s).header.size();
    for (uint64_t lie : std::vector<uint64_t>{0, header - 1, header + 1, s.size() - 8, s.size(), 1ull << 63, ~0ull})
      feed(u64_le(lie) + s.substr(8), "length " + std::to_string(lie), out);
    if (HasFatalFailure()) return;
  }
  EXPECT_GT(out.rejected, 1000);
  std::printf("truncations/lies: %d loaded, %d rejected\n", out.loaded, out.rejected);
}

TEST(SafetensorsFuzz, MutatedFilesLoadOrThrowSafetensorsError) {
  const auto seeds = seed_files();
  const auto start = std::chrono::steady_clock::now();
  constexpr int kCases = 30000;
  std::map<std::string, Outcome> by_kind;
  Rng r{0x5afe7e45};
  for (int i = 0; i < kCases; ++i) {
    std::string kind;
    std::string bytes = mutate(seeds[i % seeds.size()], r, kind);
    if (r.below(4) == 0) {  // stack a second mutation now and then
      std::string second;
      bytes = mutate(bytes.size() >= 8 ? bytes : seeds[0], r, second);
      kind += " + " + second;
    }
    feed(bytes, "case " + std::to_string(i) + " (" + kind + ")", by_kind[kind.substr(0, kind.find(" + "))]);
    if (HasFatalFailure()) return;
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  int loaded = 0, rejected = 0;
  for (const auto& [kind, o] : by_kind) {
    std::printf("  %-16s %5d loaded %5d rejected\n", kind.c_str(), o.loaded, o.rejected);
    loaded += o.loaded;
    rejected += o.rejected;
  }
  std::printf("%d mutated inputs in %.2f s: %d loaded, %d rejected\n", kCases, secs, loaded, rejected);
  EXPECT_EQ(loaded + rejected, kCases);
  EXPECT_GT(rejected, kCases / 2) << "most mutations must hit a validation rule";
  EXPECT_GT(loaded, 0) << "some mutations (e.g. flipped data bits) stay valid";
  for (const std::string& rule : kRules) EXPECT_GT(g_rule_hits[rule], 0) << "no mutation reached: " << rule;
}
