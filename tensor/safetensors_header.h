// Validation of a safetensors file's layout (internal to tensor/safetensors.cpp; no data is read).
//
// A file is  [u64 little-endian N][N bytes of JSON header][data section of D bytes].
// parse_header() accepts the header only when every rule of the format holds, so the caller can
// copy each tensor's bytes without further checks:
//   - the header is a JSON object, nested at most kMaxDepth deep, with no key repeated in any object;
//   - "__metadata__", if present, is an object of string -> string;
//   - every other key maps to exactly {"dtype": one of F32 F64 F16 BF16 I32 I64 U8 BOOL,
//     "shape": [n0, n1, ...] with 0 <= ni, "data_offsets": [begin, end]};
//   - numel = prod(ni) and numel * dtype_size fit in int64 (checked multiplication), as does
//     prod(max(ni, 1)) (the contiguous strides);
//   - begin <= end <= D and end - begin == numel * dtype_size;
//   - sorted by offset, the ranges tile [0, D) exactly: no overlap, no hole, nothing after the last.
// Any violation throws one SafetensorsError "<source>: <problem>". (Loading additionally
// rejects a BOOL byte other than 0 or 1, which is not a valid C++ bool.)
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "tensor/safetensors.h"

namespace hg::safetensors::detail {

constexpr uint64_t kMaxHeaderBytes = 100ull << 20;  // 100 MB: anything larger is corrupt or hostile
constexpr int kMaxDepth = 8;                         // a valid header nests 3 deep (object/entry/array)

struct Entry {
  std::string name;
  DType dtype;
  Shape shape;
  uint64_t begin = 0, end = 0;  // byte range in the data section
};

struct Layout {
  std::vector<Entry> entries;  // sorted by data offset
  std::map<std::string, std::string> metadata;
  uint64_t data_start = 0;     // = 8 + N
};

[[noreturn]] void fail(const std::string& source, const std::string& problem);
// A name from a file, quoted for a one-line message (control bytes escaped, long names cut).
std::string quote(std::string_view name);

// Reads N from the first 8 bytes and checks it against the file size.
uint64_t header_length(const unsigned char* first8, uint64_t file_size, const std::string& source);
// Validates the JSON header against a data section of `data_size` bytes.
Layout parse_header(std::string_view json_text, uint64_t data_size, const std::string& source);

}  // namespace hg::safetensors::detail
