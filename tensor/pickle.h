// A restricted Python unpickler: reads data pickles (protocols 0–5) into a tree of plain values and
// executes nothing.
//
// Python's pickle format is a little stack machine (Lib/pickletools.py documents every opcode). This
// reader runs the opcodes that data pickles use — scalars, strings, bytes, containers, the memo,
// MARK/POP/DUP, FRAME — and treats GLOBAL/STACK_GLOBAL, REDUCE, BUILD, NEWOBJ(_EX), INST and OBJ
// specially: a global resolves only if it is on a fixed whitelist, and "calling" it runs a C++
// constructor that builds plain data (never Python code):
//
//   numpy.core.multiarray._reconstruct, numpy._core.multiarray._reconstruct  + BUILD state
//       → an ndarray (the state is numpy's __setstate__ tuple (version, shape, dtype, is_fortran, data))
//   numpy.ndarray, numpy.dtype (+ BUILD state (3, '<', …)), numpy.core.multiarray.scalar,
//   numpy.core.numeric._frombuffer (and the numpy._core spellings)   → arrays / dtypes
//   __builtin__/builtins .set .frozenset .object .bytes .bytearray   (bytes() and bytearray(b) only)
//   copy_reg._reconstructor, copyreg._reconstructor (only with base `object`)
//   _codecs.encode(text, 'latin1')      (how Python 3 writes bytes at protocols < 3)
//   chumpy.ch.Ch, chumpy.reordering.Select, scipy.sparse.csc.csc_matrix, scipy.sparse._csc.csc_matrix
//       → an Object {class name, args, state}; to_dense_array() evaluates them (see below).
// Any other global fails with "<source>: global 'os.system' is not allowed (at byte offset N)".
// PERSID/BINPERSID, EXT1/2/4 and out-of-band buffers are refused. Python 2 `str` (STRING,
// BINSTRING, SHORT_BINSTRING) is kept as raw bytes flagged py2_str: it serves as text (decoded as
// latin-1, like Python 3's encoding='latin1') and as array data.
//
// Bounds (Limits): input size, number of values, memo entries, stack size, MARK depth, total array
// bytes. Recursive consumers (to_dense_array, describe) stop at `max_depth` levels, which also ends
// reference cycles (a list can contain itself). Every parse error is one PickleError
// "<source>: <problem> (at byte offset N)"; accessor errors name the value's context.
#pragma once
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "tensor/tensor.h"

namespace hg::pickle {

struct PickleError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Limits {
  uint64_t max_input_bytes = uint64_t{1} << 30;
  uint64_t max_values = uint64_t{1} << 22;   // values created (each opcode makes at most one)
  uint64_t max_memo = uint64_t{1} << 20;
  uint64_t max_stack = uint64_t{1} << 20;
  uint64_t max_depth = 1000;                 // MARK nesting and recursion of consumers
  uint64_t max_array_bytes = uint64_t{2} << 30;  // summed over all arrays built
};

enum class Kind : uint8_t {
  none, boolean, integer, floating, text, bytes, list, tuple, dict, set, frozenset,
  array,   // numpy ndarray or numpy scalar → Tensor
  dtype,   // numpy.dtype
  global,  // a whitelisted class or function, not yet called
  object,  // an instance of a whitelisted class (chumpy, scipy.sparse)
};
const char* kind_name(Kind k);

class Value;

struct Object {
  std::string class_name;           // "module.name", e.g. "chumpy.ch.Ch"
  std::vector<const Value*> args;   // NEWOBJ arguments
  const Value* state = nullptr;     // BUILD state (usually a dict)
};

class Value {
 public:
  Kind kind = Kind::none;

  // Scalars.
  bool as_bool(const std::string& what) const;
  int64_t as_int(const std::string& what) const;     // int or bool
  double as_float(const std::string& what) const;    // float, int or bool
  std::string as_text(const std::string& what) const;   // text (UTF-8) or Python 2 str (latin-1 → UTF-8)
  const std::string& as_bytes(const std::string& what) const;  // bytes or Python 2 str: the raw bytes
  bool is_none() const { return kind == Kind::none; }
  bool is_py2_str() const { return kind == Kind::bytes && py2_str; }

  // Containers: items of list/tuple/set/frozenset; entries of dict (in insertion order).
  const std::vector<const Value*>& items(const std::string& what) const;
  const std::vector<std::pair<const Value*, const Value*>>& entries(const std::string& what) const;
  // Dict lookup by text key (text or Python 2 str keys): nullptr / PickleError naming the key.
  const Value* find(const std::string& key) const;
  const Value& at(const std::string& key, const std::string& what) const;

  const Tensor& as_array(const std::string& what) const;  // Kind::array only
  const Object& as_object(const std::string& what) const;

  const std::string& global_name(const std::string& what) const;  // Kind::global: "module.name"
  const std::string& dtype_descr() const { return text_; }          // Kind::dtype: e.g. "f8"

 private:
  friend class Unpickler;
  friend std::string describe(const Value& v);
  bool py2_str = false;
  bool boolean_ = false;
  int64_t int_ = 0;
  double float_ = 0;
  std::string text_;  // text (UTF-8), bytes, global name, dtype descr
  std::vector<const Value*> items_;
  std::vector<std::pair<const Value*, const Value*>> entries_;
  std::unique_ptr<std::unordered_map<std::string, size_t>> index_;  // dict/set: key_hash → position
  Tensor array_;
  std::unique_ptr<Object> object_;
  const Value* dtype_state_ = nullptr;  // Kind::dtype: its BUILD state
  bool array_pending_ = false;          // Kind::array made by _reconstruct, waiting for BUILD
};

// The result of unpickling: the values live as long as the Document.
class Document {
 public:
  const Value& root() const { return *root_; }
  const std::string& source() const { return source_; }
  const Limits& limits() const { return limits_; }

 private:
  friend class Unpickler;
  std::deque<Value> values_;
  const Value* root_ = nullptr;
  std::string source_;
  Limits limits_;
};

// Unpickles bytes held in memory; `source` names them in errors.
std::shared_ptr<Document> loads(std::string_view bytes, const std::string& source = "<memory>",
                                const Limits& limits = {});
std::shared_ptr<Document> load(const std::string& path, const Limits& limits = {});

// The identity of a hashable value as a dict/set key, following Python's equality (1 == 1.0 == True;
// a Python 2 str equals the text it decodes to as latin-1). Lists, dicts, sets and arrays are
// unhashable: PickleError "<what>: unhashable key …".
std::string key_hash(const Value& v, const std::string& what, uint64_t max_depth = 1000);

// A one-line description ("dict(13)", "ndarray f64 [778, 3]", "object chumpy.ch.Ch", …).
std::string describe(const Value& v);

// The numeric array a value stands for, as a contiguous tensor:
//   ndarray → itself; chumpy Ch → its state's 'x'; chumpy Select → a.ravel()[idxs] reshaped to
//   'preferred_shape' when present; scipy csc_matrix → dense [rows, cols] from data/indices/indptr
//   (indices and pointers bounds-checked); a (nested) list/tuple of numbers → f64 array.
// Arrays keep their dtype; csc matrices and number lists become f64. The result may not exceed
// limits.max_array_bytes; recursion stops at limits.max_depth. Errors are PickleError "<what>: <problem>".
Tensor to_dense_array(const Value& v, const std::string& what, const Limits& limits = {});

}  // namespace hg::pickle
