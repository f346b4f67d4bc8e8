// Value accessors, dict keys and descriptions for tensor/pickle.h.
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>

#include "tensor/pickle.h"
#include "tensor/zip.h"

namespace hg::pickle {
namespace {

[[noreturn]] void fail(const std::string& what, const std::string& problem) { throw PickleError(what + ": " + problem); }

[[noreturn]] void wrong_kind(const Value& v, const std::string& what, const std::string& expected) {
  fail(what, "expected " + expected + ", got " + describe(v));
}

// Latin-1 bytes → UTF-8 (each byte is the code point of the same value).
std::string latin1_to_utf8(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back(static_cast<char>(0xC0 | (c >> 6)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
  }
  return out;
}

}  // namespace

const char* kind_name(Kind k) {
  switch (k) {
    case Kind::none: return "None";
    case Kind::boolean: return "bool";
    case Kind::integer: return "int";
    case Kind::floating: return "float";
    case Kind::text: return "str";
    case Kind::bytes: return "bytes";
    case Kind::list: return "list";
    case Kind::tuple: return "tuple";
    case Kind::dict: return "dict";
    case Kind::set: return "set";
    case Kind::frozenset: return "frozenset";
    case Kind::array: return "ndarray";
    case Kind::dtype: return "dtype";
    case Kind::global: return "global";
    case Kind::object: return "object";
  }
  return "?";
}

bool Value::as_bool(const std::string& what) const {
  if (kind == Kind::boolean) return boolean_;
  if (kind == Kind::integer && (int_ == 0 || int_ == 1)) return int_ == 1;
  wrong_kind(*this, what, "a bool");
}

int64_t Value::as_int(const std::string& what) const {
  if (kind == Kind::integer) return int_;
  if (kind == Kind::boolean) return boolean_ ? 1 : 0;
  wrong_kind(*this, what, "an int");
}

double Value::as_float(const std::string& what) const {
  if (kind == Kind::floating) return float_;
  if (kind == Kind::integer) return static_cast<double>(int_);
  if (kind == Kind::boolean) return boolean_ ? 1.0 : 0.0;
  wrong_kind(*this, what, "a number");
}

std::string Value::as_text(const std::string& what) const {
  if (kind == Kind::text) return text_;
  if (is_py2_str()) return latin1_to_utf8(text_);
  wrong_kind(*this, what, "a string");
}

const std::string& Value::as_bytes(const std::string& what) const {
  if (kind == Kind::bytes) return text_;
  wrong_kind(*this, what, "bytes");
}

const std::vector<const Value*>& Value::items(const std::string& what) const {
  if (kind == Kind::list || kind == Kind::tuple || kind == Kind::set || kind == Kind::frozenset) return items_;
  wrong_kind(*this, what, "a list, tuple or set");
}

const std::vector<std::pair<const Value*, const Value*>>& Value::entries(const std::string& what) const {
  if (kind == Kind::dict) return entries_;
  wrong_kind(*this, what, "a dict");
}

const Value* Value::find(const std::string& key) const {
  if (kind != Kind::dict || !index_) return nullptr;
  std::string hash(1, 'T');
  hash += key;
  const auto it = index_->find(hash);
  return it == index_->end() ? nullptr : entries_[it->second].second;
}

const Value& Value::at(const std::string& key, const std::string& what) const {
  if (kind != Kind::dict) wrong_kind(*this, what, "a dict");
  if (const Value* v = find(key)) return *v;
  fail(what, "no key " + zip::quoted(key) + " (the dict has " + std::to_string(entries_.size()) + " entries)");
}

const Tensor& Value::as_array(const std::string& what) const {
  if (kind == Kind::array && !array_pending_) return array_;
  if (kind == Kind::array) fail(what, "ndarray was created but never given its data (no BUILD)");
  wrong_kind(*this, what, "an ndarray");
}

const Object& Value::as_object(const std::string& what) const {
  if (kind == Kind::object) return *object_;
  wrong_kind(*this, what, "an object");
}

const std::string& Value::global_name(const std::string& what) const {
  if (kind == Kind::global) return text_;
  wrong_kind(*this, what, "a class or function");
}

namespace {

// Keys longer than this are refused: shared sub-tuples could otherwise make a key's text grow
// exponentially with its nesting depth.
constexpr size_t kMaxKeyBytes = size_t{1} << 20;

// tag + text, built by appending (gcc 12 misreports "tag" + std::string as an overlapping memcpy).
std::string tagged(char tag, const std::string& text) {
  std::string h(1, tag);
  h += text;
  return h;
}

std::string checked_key(std::string h, const std::string& what) {
  if (h.size() > kMaxKeyBytes) fail(what, "dict/set key is larger than " + std::to_string(kMaxKeyBytes) + " bytes");
  return h;
}

}  // namespace

std::string key_hash(const Value& v, const std::string& what, uint64_t max_depth) {
  if (max_depth == 0) fail(what, "key nested too deeply (or a reference cycle)");
  switch (v.kind) {
    case Kind::none: return "N";
    case Kind::boolean:
    case Kind::integer: return tagged('I', std::to_string(v.as_int(what)));
    case Kind::floating: {
      const double f = v.as_float(what);
      // Python: 2.0 == 2, so integral floats hash like ints; other floats by their bits.
      if (std::isfinite(f) && f == std::trunc(f) && std::fabs(f) < 9.2e18) return tagged('I', std::to_string(static_cast<int64_t>(f)));
      return tagged('F', std::to_string(std::bit_cast<uint64_t>(f)));
    }
    case Kind::text: return checked_key(tagged('T', v.as_text(what)), what);
    case Kind::bytes:
      return checked_key(v.is_py2_str() ? tagged('T', v.as_text(what)) : tagged('B', v.as_bytes(what)), what);
    case Kind::tuple: {
      std::string h = "(";
      for (const Value* item : v.items(what)) {
        const std::string k = key_hash(*item, what, max_depth - 1);
        h += std::to_string(k.size()) + ":" + k;
        h = checked_key(std::move(h), what);
      }
      return h + ")";
    }
    case Kind::frozenset: {
      std::vector<std::string> keys;
      for (const Value* item : v.items(what)) keys.push_back(key_hash(*item, what, max_depth - 1));
      std::sort(keys.begin(), keys.end());
      std::string h = "Z";
      for (const std::string& k : keys) h = checked_key(h + std::to_string(k.size()) + ":" + k, what);
      return h;
    }
    case Kind::global: return tagged('G', v.global_name(what));
    case Kind::dtype:
    case Kind::object: {  // hashed by identity, as Python does for plain instances
      char buf[32];
      std::snprintf(buf, sizeof buf, "O%p", static_cast<const void*>(&v));
      return buf;
    }
    case Kind::list:
    case Kind::dict:
    case Kind::set:
    case Kind::array: break;
  }
  fail(what, std::string("unhashable key of type ") + kind_name(v.kind));
}

std::string describe(const Value& v) {
  switch (v.kind) {
    case Kind::none: return "None";
    case Kind::boolean: return v.boolean_ ? "True" : "False";
    case Kind::integer: return "int " + std::to_string(v.int_);
    case Kind::floating: return "float " + std::to_string(v.float_);
    case Kind::text: return "str of " + std::to_string(v.text_.size()) + " bytes";
    case Kind::bytes: return (v.py2_str ? "Python 2 str of " : "bytes of ") + std::to_string(v.text_.size()) + " bytes";
    case Kind::list:
    case Kind::tuple:
    case Kind::set:
    case Kind::frozenset: return std::string(kind_name(v.kind)) + " of " + std::to_string(v.items_.size()) + " items";
    case Kind::dict: return "dict of " + std::to_string(v.entries_.size()) + " entries";
    case Kind::array:
      if (v.array_pending_) return "ndarray without data";
      return std::string("ndarray ") + dtype_name(v.array_.dtype()) + " " + v.array_.shape_string();
    case Kind::dtype: return "dtype " + zip::quoted(v.text_);
    case Kind::global: return "global " + v.text_;
    case Kind::object: return "object " + v.object_->class_name;
  }
  return "?";
}

}  // namespace hg::pickle
