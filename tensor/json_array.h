// Nested JSON number arrays <-> tensors, the format of FreiHAND's annotation files
// (training_xyz.json = [[[x, y, z] × 21] × N], training_K.json = [[[3] × 3] × N], ...).
//
// Reading is strict and shape-driven: the caller states the expected shape, one size per nesting
// level, where kAny (-1) accepts any length (fixed by the first array seen at that level; the data
// must still be rectangular). A 0-d expected shape means one bare number. Accepted text is one JSON
// value (RFC 8259 numbers, whitespace around tokens); anything else is rejected with one
// JsonArrayError line
//     "<file>: <field>[i][j]: <problem>"
// where [i][j] is the position of the offending element (omitted for the top level), e.g.
//     "training_xyz.json: xyz[12]: expected 21 entries, got 20"
//     "training_K.json: K[3][0][1]: not a finite number (NaN)"
// NaN / Infinity / -Infinity (which Python's json module writes) are parsed only to be rejected as
// non-finite; numbers outside the output dtype's range are rejected too. The parser is iterative
// and never nests deeper than the expected shape, so hostile input cannot exhaust the stack.
//
// Writing produces json.dumps-style text ("[[1.5, 2], [3, 4]]", one line) with the shortest decimal
// that reads back to the same value of the tensor's dtype; non-finite values throw.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "tensor/tensor.h"

namespace hg::json_array {

struct JsonArrayError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

inline constexpr int64_t kAny = -1;

// Parses `text` against `expected`; returns a contiguous CPU tensor of `dtype` (f32 or f64).
// `file` and `field` only name the source in error messages.
Tensor parse(std::string_view text, const Shape& expected, const std::string& file, const std::string& field,
             DType dtype = DType::f32);
// Reads the whole file and parses it; a missing or unreadable file throws JsonArrayError "<path>: ...".
Tensor load(const std::string& path, const Shape& expected, const std::string& field, DType dtype = DType::f32);

// Serialises a tensor of any real dtype (f32/f64/f16/bf16/integers/bool as 0/1) as nested arrays.
std::string format(const Tensor& t);
// format() written atomically (tensor/atomic_file.h): the old file survives any failure.
void save(const std::string& path, const Tensor& t);

}  // namespace hg::json_array
