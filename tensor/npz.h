// numpy's .npy arrays and .npz archives (numpy/lib/format.py, "NEP 1").
//
// .npy: magic "\x93NUMPY", version byte pair (1.0, 2.0 or 3.0), header length (2 bytes for v1,
// 4 bytes for v2/v3, little-endian), then a Python dict literal
//   {'descr': '<f8', 'fortran_order': False, 'shape': (778, 3), }
// padded with spaces to a 64-byte boundary and ended by '\n', then the raw array bytes.
// .npz: a zip archive (tensor/zip.h) of "<name>.npy" members, stored (np.savez) or deflated
// (np.savez_compressed).
//
// Element types read, and the handgrad dtype each becomes:
//   f2 → f16, f4 → f32, f8 → f64, i1/i2/i4 → i32 (i4 stays i32), i8 → i64, u1 → u8, b1 → bool,
//   u2 → i32, u4 → i64, u8 → i64 (values ≥ 2^63 are rejected).
// Byte order: '<' and '=' (this host is little-endian) read as they are, '>' is byte-swapped, '|'
// only for 1-byte types. Fortran-ordered arrays are transposed into C order; 0-d and empty arrays are
// fine. Structured, object, string and complex dtypes are rejected. Every error is one NpzError
// "<file>: <entry>: <problem>" (entry = the member name, e.g. 'v_template.npy').
//
// Writing: .npy version 1.0 (2.0 when the header needs more than 65535 bytes), little-endian, C order;
// dtypes f16, f32, f64, i32, i64, u8 and bool (bf16 has no numpy dtype and is refused).
#pragma once
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>

#include "tensor/tensor.h"

namespace hg {

struct NpzError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A numpy element type as read from a dtype string such as "<f8".
struct NumpyDtype {
  char kind = 'f';          // 'f' float, 'i' signed, 'u' unsigned, 'b' bool
  int itemsize = 8;         // bytes per element in the file
  bool big_endian = false;
  DType target = DType::f64;  // what the tensor holds
  std::string descr;        // the original text, for messages
};

// Parses a dtype string ("<f4", "|u1", ">i8", "=f8", "f8", "b1", …); throws NpzError "<where>: …".
NumpyDtype parse_numpy_dtype(const std::string& descr, const std::string& where);
// Builds a contiguous tensor from raw array bytes (exactly numel·itemsize of them), converting the
// element type (see the table above), byte-swapping big-endian data and transposing Fortran order.
Tensor numpy_array_from_bytes(const char* data, size_t n, const NumpyDtype& dtype, const Shape& shape,
                              bool fortran_order, const std::string& where);
// The numpy dtype string handgrad writes for `t` ("<f4", "|b1", …); bf16 throws NpzError.
std::string numpy_descr(DType t, const std::string& where);

// One .npy file held in memory; `where` names it in errors.
Tensor read_npy_bytes(std::string_view bytes, const std::string& where);
Tensor read_npy(const std::string& path);
std::string npy_bytes(const Tensor& t);  // any device / layout; the result is C-order little-endian
void write_npy(const std::string& path, const Tensor& t);  // atomic

// An .npz archive: name (without ".npy") → array. Members that are not "<name>.npy" are an error.
std::map<std::string, Tensor> parse_npz(std::string_view bytes, const std::string& source = "<memory>");
std::map<std::string, Tensor> read_npz(const std::string& path);
std::string npz_bytes(const std::map<std::string, Tensor>& arrays, bool compress);
void write_npz(const std::string& path, const std::map<std::string, Tensor>& arrays, bool compress = true);  // atomic

}  // namespace hg
