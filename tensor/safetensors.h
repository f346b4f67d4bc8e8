// safetensors: the weight/checkpoint format (8-byte little-endian header length N, N bytes of JSON
// header, then raw little-endian tensor data). The header maps each tensor name to
// {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]} (offsets relative to the data
// section) plus an optional "__metadata__" object of string -> string.
//
// Reading is strict: a file that is truncated, has a header length beyond the file, bad JSON,
// unknown dtypes, shapes that disagree with the byte ranges, overlapping or out-of-range offsets,
// or bytes not covered by any tensor is rejected with one SafetensorsError naming the file and the
// problem. Nothing is half-loaded. The exact rules are listed in tensor/safetensors_header.h.
//
// Writing puts the tensors' data in name order, pads the JSON header with spaces to a multiple of 8
// bytes (so the data section is 8-byte aligned) and stores every value little-endian.
#pragma once
#include <map>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "tensor/tensor.h"

namespace hg::safetensors {

struct SafetensorsError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct File {
  std::vector<std::pair<std::string, Tensor>> tensors;  // in file order (sorted by data offset)
  std::map<std::string, std::string> metadata;          // "__metadata__"
  std::string source;                                   // the path (or name) it was read from
  const Tensor& at(const std::string& name) const;      // throws SafetensorsError naming the missing key
  bool contains(const std::string& name) const;
};

// Parses a whole file held in memory; `source` names it in error messages. Every tensor is a fresh
// contiguous CPU tensor (the data is copied; nothing aliases `bytes`).
File parse(const std::string& bytes, const std::string& source = "<memory>");
// Reads `path` (header first, then each tensor straight into its storage).
File load(const std::string& path);
// Serialises tensors (any dtype; non-contiguous ones are made contiguous, device ones copied to the
// CPU). Names must be unique and not "__metadata__"; tensors must be defined. Violations throw
// SafetensorsError.
std::string serialize(const std::vector<std::pair<std::string, Tensor>>& tensors,
                      const std::map<std::string, std::string>& metadata = {});
// Writes atomically: a temporary file in the same folder, fsync, then rename over `path` (see
// tensor/atomic_file.h). Any failure throws SafetensorsError naming `path`; the old file survives.
void save(const std::string& path, const std::vector<std::pair<std::string, Tensor>>& tensors,
          const std::map<std::string, std::string>& metadata = {});

}  // namespace hg::safetensors
