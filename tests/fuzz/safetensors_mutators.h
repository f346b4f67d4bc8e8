// Deterministic mutations of safetensors files for tests/fuzz/test_safetensors_fuzz.cpp.
//
// Two families: byte-level (the generic ones of mutators.h, plus truncation at interesting places and
// lies in the 8-byte header length) and JSON-level (the header is parsed, one field is replaced by a hostile
// value, and the file is re-assembled with a correct length so the mutation reaches the validator).
#pragma once
#include <algorithm>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "mutators.h"

namespace hg::fuzz {

using json = nlohmann::json;

// A file split into its parts by its length field (clamped to the file; `header` is raw text).
struct Parts {
  std::string header, data;
};
inline Parts split(const std::string& file) {
  if (file.size() < 8) return {};
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<unsigned char>(file[i]);
  n = std::min<uint64_t>(n, file.size() - 8);
  return {file.substr(8, n), file.substr(8 + n)};
}
inline std::string u64_le(uint64_t n) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  return out;
}
// Re-assembles a file with a truthful header length.
inline std::string assemble(const std::string& header, const std::string& data) {
  return u64_le(header.size()) + header + data;
}

// ---- byte level (the generic ones are in mutators.h) ----

// Every interesting place to cut a file: inside the length field, around the header end, at each
// byte of the data section's first bytes and at its end.
inline std::vector<size_t> cut_points(const std::string& f) {
  std::vector<size_t> cuts;
  for (size_t i = 0; i <= 9 && i < f.size(); ++i) cuts.push_back(i);
  const Parts p = split(f);
  const size_t data_start = 8 + p.header.size();
  for (size_t d : {data_start - 1, data_start, data_start + 1, data_start + 2, data_start + 4, f.size() - 1})
    if (d < f.size()) cuts.push_back(d);
  return cuts;
}

inline std::string truncate(const std::string& f, Rng& r) {
  if (r.coin()) return f.substr(0, r.pick(cut_points(f)));
  return f.substr(0, r.below(f.size()));
}

// The length field claims a different header size than the real one (both directions, and absurd).
inline std::string lie_about_length(const std::string& f, Rng& r) {
  const Parts p = split(f);
  const uint64_t n = p.header.size(), size = f.size();
  const std::vector<uint64_t> lies{0, 1, n - 1, n + 1, n - 8, n + 8, size - 8, size - 7, size, size + 1,
                                   (100ull << 20), (100ull << 20) + 1, 1ull << 63, ~0ull,
                                   n + 1 + r.below(64), n - r.below(n + 1)};
  return u64_le(r.pick(lies)) + f.substr(8);
}

// ---- JSON level ----

// Values hostile to a field expecting a small non-negative integer.
inline json hostile_number(Rng& r) {
  switch (r.below(14)) {
    case 0: return -1;
    case 1: return INT64_MIN;
    case 2: return INT64_MAX;
    case 3: return ~0ull;                // 2^64 - 1
    case 4: return 1ull << 62;
    case 5: return 4294967296ull;        // 2^32
    case 6: return 1.5;
    case 7: return 1e30;
    case 8: return "3";
    case 9: return nullptr;
    case 10: return json::array();
    case 11: return json::object();
    case 12: return true;
    default: return r.below(40);
  }
}

inline json hostile_dtype(Rng& r) {
  static const std::vector<std::string> names{"F32", "F64", "F16", "BF16", "I32", "I64", "U8", "BOOL",
                                              "F8_E4M3", "I8", "U16", "f32", "", "F32 ",
                                              std::string("BOOL\0", 5)};
  switch (r.below(5)) {
    case 0: return 7;
    case 1: return nullptr;
    case 2: return json::array({"F32"});
    default: return r.pick(names);
  }
}

// "[[[...]]]" or {"a":{"a":...}} nested `depth` levels, as text.
inline std::string deep_text(size_t depth, bool objects) {
  if (!objects) return std::string(depth, '[') + std::string(depth, ']');
  std::string s;
  for (size_t i = 0; i < depth; ++i) s += "{\"a\":";
  s += "0";
  s += std::string(depth, '}');
  return s;
}

}  // namespace hg::fuzz
