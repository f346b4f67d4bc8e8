#include "tensor/safetensors_header.h"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>

namespace hg::safetensors::detail {

using json = nlohmann::json;

void fail(const std::string& source, const std::string& problem) {
  throw SafetensorsError(source + ": " + problem);
}

std::string quote(std::string_view name) {
  constexpr size_t kMaxShown = 64;
  std::string r = "'";
  for (size_t i = 0; i < name.size() && i < kMaxShown; ++i) {
    const unsigned char c = static_cast<unsigned char>(name[i]);
    if (c < 0x20 || c == 0x7f || c == '\'' || c == '\\') {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      r += buf;
    } else {
      r += static_cast<char>(c);
    }
  }
  if (name.size() > kMaxShown) r += "...";
  return r + "'";
}

uint64_t header_length(const unsigned char* first8, uint64_t file_size, const std::string& source) {
  if (file_size < 8)
    fail(source, "file is " + std::to_string(file_size) +
                     " bytes, shorter than the 8-byte header length field (not a safetensors file?)");
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | first8[i];  // little-endian
  if (n > kMaxHeaderBytes)
    fail(source, "header length " + std::to_string(n) + " is absurd (limit " + std::to_string(kMaxHeaderBytes) +
                     " bytes; not a safetensors file?)");
  if (n > file_size - 8)
    fail(source, "header length " + std::to_string(n) + " is larger than the " + std::to_string(file_size - 8) +
                     " bytes that follow it (file truncated?)");
  return n;
}

namespace {

// Parses JSON, rejecting duplicate keys (nlohmann would keep the last) and deep nesting (a valid
// header never nests deeper than kMaxDepth, and a hostile one should not cost stack or memory).
json parse_json_strict(std::string_view text, const std::string& source) {
  std::vector<std::set<std::string>> keys_per_open_object;
  auto check = [&](int depth, json::parse_event_t ev, json& parsed) {
    switch (ev) {
      case json::parse_event_t::object_start:
      case json::parse_event_t::array_start:
        if (depth >= kMaxDepth)
          fail(source, "header JSON nests deeper than " + std::to_string(kMaxDepth) + " levels");
        if (ev == json::parse_event_t::object_start) keys_per_open_object.emplace_back();
        break;
      case json::parse_event_t::key:
        if (!keys_per_open_object.empty() &&
            !keys_per_open_object.back().insert(parsed.get<std::string>()).second)
          fail(source, "duplicate key " + quote(parsed.get<std::string>()) + " in the header");
        break;
      case json::parse_event_t::object_end:
        if (!keys_per_open_object.empty()) keys_per_open_object.pop_back();
        break;
      default:
        break;
    }
    return true;
  };
  // nlohmann stops at a NUL byte as if the input ended there, so a NUL inside the header (e.g. a
  // corrupted padding space) would otherwise pass unnoticed. The format allows only JSON + spaces.
  if (const size_t nul = text.find('\0'); nul != std::string_view::npos)
    fail(source, "header contains a NUL byte at byte " + std::to_string(nul) + " of the header");
  try {
    return json::parse(text.begin(), text.end(), check);
  } catch (const json::exception& e) {
    const auto* pe = dynamic_cast<const json::parse_error*>(&e);
    fail(source, "header is not valid JSON" +
                     (pe ? " (error at byte " + std::to_string(pe->byte) + " of the header)" : std::string()));
  }
}

DType parse_st_dtype(const std::string& s, const std::string& where, const std::string& source) {
  for (DType t : {DType::f32, DType::f64, DType::f16, DType::bf16, DType::i32, DType::i64, DType::u8,
                  DType::boolean})
    if (s == dtype_safetensors_name(t)) return t;
  fail(source, where + " has unknown dtype " + quote(s) + " (supported: F32 F64 F16 BF16 I32 I64 U8 BOOL)");
}

// A JSON integer in [0, 2^63); `what` names it in messages.
int64_t nonneg_int(const json& v, const std::string& what, const std::string& source) {
  if (!v.is_number_integer()) fail(source, what + " is not an integer");
  if (v.is_number_unsigned()) {
    const uint64_t u = v.get<uint64_t>();
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
      fail(source, what + " = " + std::to_string(u) + " is too large");
    return static_cast<int64_t>(u);
  }
  const int64_t i = v.get<int64_t>();
  if (i < 0) fail(source, what + " = " + std::to_string(i) + " is negative");
  return i;
}

Entry parse_entry(const std::string& name, const json& v, uint64_t data_size, const std::string& source) {
  const std::string where = "tensor " + quote(name);
  if (!v.is_object()) fail(source, where + ": entry is not a JSON object");
  for (const auto& [field, _] : v.items())
    if (field != "dtype" && field != "shape" && field != "data_offsets")
      fail(source, where + ": unexpected field " + quote(field));
  for (const char* field : {"dtype", "shape", "data_offsets"})
    if (!v.contains(field)) fail(source, where + ": missing field \"" + field + "\"");

  Entry e;
  e.name = name;
  const json& dt = v["dtype"];
  if (!dt.is_string()) fail(source, where + ": \"dtype\" is not a string");
  e.dtype = parse_st_dtype(dt.get<std::string>(), where, source);

  const json& shape = v["shape"];
  if (!shape.is_array()) fail(source, where + ": \"shape\" is not an array");
  // numel = prod(n_i) and the span prod(max(n_i, 1)) (which contiguous strides reach) must fit int64.
  int64_t numel = 1, span = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    const int64_t n = nonneg_int(shape[i], where + ": shape[" + std::to_string(i) + "]", source);
    e.shape.push_back(n);
    if (__builtin_mul_overflow(numel, n, &numel) || __builtin_mul_overflow(span, std::max<int64_t>(n, 1), &span))
      fail(source, where + ": shape " + shape_str(e.shape) + "... overflows int64 element count");
  }
  int64_t nbytes = 0;
  if (__builtin_mul_overflow(numel, static_cast<int64_t>(dtype_size(e.dtype)), &nbytes))
    fail(source, where + ": byte size of shape " + shape_str(e.shape) + " overflows int64");

  const json& off = v["data_offsets"];
  if (!off.is_array() || off.size() != 2) fail(source, where + ": \"data_offsets\" is not an array [begin, end]");
  const int64_t begin = nonneg_int(off[0], where + ": data_offsets[0]", source);
  const int64_t end = nonneg_int(off[1], where + ": data_offsets[1]", source);
  if (begin > end)
    fail(source, where + ": data_offsets [" + std::to_string(begin) + ", " + std::to_string(end) +
                     "] has begin > end");
  if (static_cast<uint64_t>(end) > data_size)
    fail(source, where + ": data_offsets end " + std::to_string(end) + " is beyond the data section of " +
                     std::to_string(data_size) + " bytes");
  if (end - begin != nbytes)
    fail(source, where + ": data_offsets cover " + std::to_string(end - begin) + " bytes but " +
                     dtype_safetensors_name(e.dtype) + " " + shape_str(e.shape) + " needs " +
                     std::to_string(nbytes) + " bytes (byte length mismatch)");
  e.begin = static_cast<uint64_t>(begin);
  e.end = static_cast<uint64_t>(end);
  return e;
}

std::map<std::string, std::string> parse_metadata(const json& v, const std::string& source) {
  if (!v.is_object()) fail(source, "\"__metadata__\" is not an object of strings");
  std::map<std::string, std::string> m;
  for (const auto& [k, val] : v.items()) {
    if (!val.is_string()) fail(source, "\"__metadata__\" value for key " + quote(k) + " is not a string");
    m.emplace(k, val.get<std::string>());
  }
  return m;
}

}  // namespace

Layout parse_header(std::string_view json_text, uint64_t data_size, const std::string& source) {
  const json root = parse_json_strict(json_text, source);
  if (!root.is_object()) fail(source, "header is not a JSON object");
  Layout lay;
  for (const auto& [key, value] : root.items()) {
    if (key == "__metadata__") lay.metadata = parse_metadata(value, source);
    else lay.entries.push_back(parse_entry(key, value, data_size, source));
  }
  std::sort(lay.entries.begin(), lay.entries.end(),
            [](const Entry& a, const Entry& b) { return a.begin != b.begin ? a.begin < b.begin : a.end < b.end; });
  // The sorted ranges must tile [0, data_size): each begins where the previous one ended.
  uint64_t covered = 0;
  const Entry* prev = nullptr;
  for (const Entry& e : lay.entries) {
    if (e.begin < covered)
      fail(source, "tensors " + quote(prev->name) + " and " + quote(e.name) + " overlap (byte ranges [" +
                       std::to_string(prev->begin) + ", " + std::to_string(prev->end) + ") and [" +
                       std::to_string(e.begin) + ", " + std::to_string(e.end) + "))");
    if (e.begin > covered)
      fail(source, "data bytes [" + std::to_string(covered) + ", " + std::to_string(e.begin) +
                       ") are not covered by any tensor (a hole before " + quote(e.name) + ")");
    covered = e.end;
    prev = &e;
  }
  if (covered != data_size)
    fail(source, "data bytes [" + std::to_string(covered) + ", " + std::to_string(data_size) +
                     ") at the end are not covered by any tensor");
  return lay;
}

}  // namespace hg::safetensors::detail
