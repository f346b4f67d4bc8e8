// The restricted unpickler (see tensor/pickle.h). Opcode names and semantics follow CPython's
// Lib/pickle.py and Lib/pickletools.py.
#include "tensor/pickle.h"

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <limits>
#include <set>

#include "tensor/npz.h"
#include "tensor/view.h"
#include "tensor/zip.h"

namespace hg::pickle {

static_assert(std::endian::native == std::endian::little, "the unpickler assumes a little-endian host");

namespace {

// The whitelist: every global a pickle may name, under both its Python 2 and Python 3 spelling.
enum class Global {
  reconstruct, ndarray, dtype, scalar, frombuffer, set, frozenset, object, bytes, bytearray, reconstructor,
  codecs_encode, chumpy_ch, chumpy_select, csc_matrix,
};

struct WhitelistRow {
  const char* module;
  const char* name;
  Global id;
};
constexpr WhitelistRow kWhitelist[] = {
    {"numpy.core.multiarray", "_reconstruct", Global::reconstruct},
    {"numpy._core.multiarray", "_reconstruct", Global::reconstruct},
    {"numpy", "ndarray", Global::ndarray},
    {"numpy", "dtype", Global::dtype},
    {"numpy.core.multiarray", "scalar", Global::scalar},
    {"numpy._core.multiarray", "scalar", Global::scalar},
    {"numpy.core.numeric", "_frombuffer", Global::frombuffer},
    {"numpy._core.numeric", "_frombuffer", Global::frombuffer},
    {"__builtin__", "set", Global::set},
    {"builtins", "set", Global::set},
    {"__builtin__", "frozenset", Global::frozenset},
    {"builtins", "frozenset", Global::frozenset},
    {"__builtin__", "object", Global::object},
    {"builtins", "object", Global::object},
    {"__builtin__", "bytes", Global::bytes},
    {"builtins", "bytes", Global::bytes},
    {"__builtin__", "bytearray", Global::bytearray},
    {"builtins", "bytearray", Global::bytearray},
    {"copy_reg", "_reconstructor", Global::reconstructor},
    {"copyreg", "_reconstructor", Global::reconstructor},
    {"_codecs", "encode", Global::codecs_encode},
    {"chumpy.ch", "Ch", Global::chumpy_ch},
    {"chumpy.reordering", "Select", Global::chumpy_select},
    {"scipy.sparse.csc", "csc_matrix", Global::csc_matrix},
    {"scipy.sparse._csc", "csc_matrix", Global::csc_matrix},
};

// Classes whose instances become a plain Object {class name, args, state}.
bool is_data_class(Global g) {
  return g == Global::chumpy_ch || g == Global::chumpy_select || g == Global::csc_matrix;
}

std::string quote(const std::string& s) { return zip::quoted(s); }

}  // namespace

class Unpickler {
 public:
  Unpickler(std::string_view bytes, const std::string& source, const Limits& limits)
      : in_(bytes), doc_(std::make_shared<Document>()) {
    doc_->source_ = source;
    doc_->limits_ = limits;
  }

  std::shared_ptr<Document> run() {
    if (in_.size() > doc_->limits_.max_input_bytes)
      fail("input of " + std::to_string(in_.size()) + " bytes exceeds the limit of " +
           std::to_string(doc_->limits_.max_input_bytes));
    for (;;) {
      op_at_ = pos_;
      if (pos_ >= in_.size()) fail("pickle ends without a STOP opcode");
      const unsigned char op = byte();
      if (op == '.') break;  // STOP
      step(op);
    }
    if (!marks_.empty()) fail("STOP with an open MARK");
    if (stack_.size() != 1) fail("STOP with " + std::to_string(stack_.size()) + " values on the stack (expected 1)");
    Value* root = stack_.back();
    if (root->kind == Kind::array && root->array_pending_) fail("the result is an ndarray that never got its data");
    doc_->root_ = root;
    return std::move(doc_);
  }

 private:
  // ---- errors and input ------------------------------------------------------------------------
  [[noreturn]] void fail(const std::string& problem) const {
    throw PickleError(doc_->source_ + ": " + problem + " (at byte offset " + std::to_string(op_at_) + ")");
  }
  void need(uint64_t n) const {
    if (n > in_.size() - pos_)
      fail("truncated: needs " + std::to_string(n) + " more bytes, " + std::to_string(in_.size() - pos_) + " remain");
  }
  unsigned char byte() {
    need(1);
    return static_cast<unsigned char>(in_[pos_++]);
  }
  uint64_t le(int n) {
    need(static_cast<uint64_t>(n));
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(in_[pos_ + i]);
    pos_ += static_cast<size_t>(n);
    return v;
  }
  std::string_view take(uint64_t n) {
    need(n);
    std::string_view s = in_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  // A protocol-0 argument: the text up to the next '\n' (which is consumed, not returned).
  std::string_view line() {
    const size_t nl = in_.find('\n', pos_);
    if (nl == std::string_view::npos) fail("truncated: a text argument has no terminating newline");
    std::string_view s = in_.substr(pos_, nl - pos_);
    pos_ = nl + 1;
    return s;
  }

  // ---- values, stack, marks, memo ---------------------------------------------------------------
  Value* make(Kind k) {
    if (doc_->values_.size() >= doc_->limits_.max_values)
      fail("more than " + std::to_string(doc_->limits_.max_values) + " values");
    Value& v = doc_->values_.emplace_back();
    v.kind = k;
    return &v;
  }
  void push(Value* v) {
    if (stack_.size() >= doc_->limits_.max_stack) fail("stack deeper than " + std::to_string(doc_->limits_.max_stack));
    stack_.push_back(v);
  }
  Value* pop() {
    if (stack_.size() <= (marks_.empty() ? 0 : marks_.back())) fail("stack underflow");
    Value* v = stack_.back();
    stack_.pop_back();
    return v;
  }
  Value* top() {
    if (stack_.size() <= (marks_.empty() ? 0 : marks_.back())) fail("stack underflow");
    return stack_.back();
  }
  std::vector<Value*> pop_mark() {
    if (marks_.empty()) fail("no MARK to pop to");
    const size_t m = marks_.back();
    marks_.pop_back();
    std::vector<Value*> items(stack_.begin() + static_cast<std::ptrdiff_t>(m), stack_.end());
    stack_.resize(m);
    return items;
  }
  void memo_put(uint64_t key, Value* v) {
    if (memo_.size() >= doc_->limits_.max_memo && !memo_.count(key))
      fail("memo holds more than " + std::to_string(doc_->limits_.max_memo) + " entries");
    memo_[key] = v;
  }
  Value* memo_get(uint64_t key) {
    const auto it = memo_.find(key);
    if (it == memo_.end()) fail("memo key " + std::to_string(key) + " was never stored");
    return it->second;
  }
  uint64_t decimal_key(std::string_view s) {
    uint64_t v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size() || s.empty()) fail("bad memo key " + quote(std::string(s)));
    return v;
  }

  // ---- scalars ----------------------------------------------------------------------------------
  Value* make_int(int64_t v) {
    Value* x = make(Kind::integer);
    x->int_ = v;
    return x;
  }
  Value* make_bool(bool b) {
    Value* x = make(Kind::boolean);
    x->boolean_ = b;
    return x;
  }
  Value* make_string(Kind k, std::string s, bool py2 = false) {
    Value* x = make(k);
    x->text_ = std::move(s);
    x->py2_str = py2;
    return x;
  }
  // Decimal text of INT / LONG (protocol 0): optional sign, digits; must fit 64 bits.
  int64_t parse_decimal(std::string_view s) {
    if (!s.empty() && s.front() == '+') s.remove_prefix(1);
    int64_t v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec == std::errc::result_out_of_range) fail("integer " + std::string(s) + " does not fit 64 bits");
    if (ec != std::errc() || end != s.data() + s.size() || s.empty()) fail("bad integer text " + quote(std::string(s)));
    return v;
  }
  // LONG1/LONG4: little-endian two's complement of n bytes.
  int64_t parse_long_bytes(std::string_view b) {
    if (b.empty()) return 0;
    const bool negative = static_cast<unsigned char>(b.back()) & 0x80;
    // Bytes beyond the 8th must be pure sign extension, and the 8th byte's top bit must agree.
    for (size_t i = 8; i < b.size(); ++i)
      if (static_cast<unsigned char>(b[i]) != (negative ? 0xFF : 0x00)) fail("integer does not fit 64 bits");
    if (b.size() > 8 && ((static_cast<unsigned char>(b[7]) & 0x80) != 0) != negative)
      fail("integer does not fit 64 bits");
    uint64_t v = negative ? ~uint64_t{0} : 0;
    for (size_t i = std::min<size_t>(b.size(), 8); i-- > 0;) {
      v = (v << 8) | static_cast<unsigned char>(b[i]);
    }
    if (b.size() < 8 && negative) v |= ~uint64_t{0} << (8 * b.size());
    return static_cast<int64_t>(v);
  }
  double parse_float_text(std::string_view s) {
    double v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size() || s.empty()) fail("bad float text " + quote(std::string(s)));
    return v;
  }

  // STRING's argument: a Python string literal in quotes, with backslash escapes (repr of a py2 str).
  std::string parse_quoted(std::string_view s) {
    if (s.size() < 2 || (s.front() != '\'' && s.front() != '"') || s.back() != s.front())
      fail("STRING argument is not a quoted string");
    s = s.substr(1, s.size() - 2);
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] != '\\') {
        out.push_back(s[i]);
        continue;
      }
      if (++i >= s.size()) fail("STRING ends with a lone backslash");
      const char c = s[i];
      switch (c) {
        case 'n': out.push_back('\n'); break;
        case 'r': out.push_back('\r'); break;
        case 't': out.push_back('\t'); break;
        case 'a': out.push_back('\a'); break;
        case 'b': out.push_back('\b'); break;
        case 'f': out.push_back('\f'); break;
        case 'v': out.push_back('\v'); break;
        case '\\': case '\'': case '"': out.push_back(c); break;
        case '\n': break;  // line continuation
        case 'x': {
          if (i + 2 >= s.size()) fail("STRING has a truncated \\x escape");
          unsigned v = 0;
          const auto [end, ec] = std::from_chars(s.data() + i + 1, s.data() + i + 3, v, 16);
          if (ec != std::errc() || end != s.data() + i + 3) fail("STRING has a bad \\x escape");
          out.push_back(static_cast<char>(v));
          i += 2;
          break;
        }
        default:
          if (c >= '0' && c <= '7') {  // up to three octal digits
            unsigned v = 0;
            size_t k = 0;
            while (k < 3 && i + k < s.size() && s[i + k] >= '0' && s[i + k] <= '7') v = v * 8 + (s[i + k++] - '0');
            out.push_back(static_cast<char>(v & 0xFF));
            i += k - 1;
          } else {  // Python keeps unknown escapes as they are
            out.push_back('\\');
            out.push_back(c);
          }
      }
    }
    return out;
  }

  static void append_utf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  // UNICODE's argument: "raw-unicode-escape": bytes are latin-1 code points except \uXXXX and
  // \UXXXXXXXX (an escape only when preceded by an even number of other backslashes).
  std::string parse_raw_unicode_escape(std::string_view s) {
    std::string out;
    size_t backslashes = 0;
    for (size_t i = 0; i < s.size(); ++i) {
      const unsigned char c = static_cast<unsigned char>(s[i]);
      if (c == '\\' && backslashes % 2 == 0 && i + 1 < s.size() && (s[i + 1] == 'u' || s[i + 1] == 'U')) {
        const size_t digits = s[i + 1] == 'u' ? 4 : 8;
        if (i + 2 + digits > s.size()) fail("UNICODE has a truncated \\u escape");
        uint32_t cp = 0;
        const auto [end, ec] = std::from_chars(s.data() + i + 2, s.data() + i + 2 + digits, cp, 16);
        if (ec != std::errc() || end != s.data() + i + 2 + digits || cp > 0x10FFFF) fail("UNICODE has a bad \\u escape");
        append_utf8(out, cp);
        i += 1 + digits;
        backslashes = 0;
        continue;
      }
      backslashes = c == '\\' ? backslashes + 1 : 0;
      append_utf8(out, c);
    }
    return out;
  }

  // Text from BINUNICODE & co. must be UTF-8 (lone surrogates allowed, as Python writes them with
  // 'surrogatepass').
  std::string checked_utf8(std::string_view s) {
    size_t i = 0;
    while (i < s.size()) {
      const unsigned char c = static_cast<unsigned char>(s[i]);
      const size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
      if (len == 0 || i + len > s.size()) fail("string is not valid UTF-8");
      for (size_t k = 1; k < len; ++k)
        if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) fail("string is not valid UTF-8");
      i += len;
    }
    return std::string(s);
  }

  // ---- containers ---------------------------------------------------------------------------------
  Value* make_container(Kind k, std::vector<Value*> items = {}) {
    Value* x = make(k);
    if (k == Kind::set || k == Kind::frozenset) {
      x->index_ = std::make_unique<std::unordered_map<std::string, size_t>>();
      for (Value* it : items) add_to_set(x, it);
    } else {
      x->items_.assign(items.begin(), items.end());
    }
    return x;
  }
  std::string hash_of(const Value& v) {
    try {
      return key_hash(v, "key", doc_->limits_.max_depth);
    } catch (const PickleError& e) {
      fail(e.what());
    }
  }
  void add_to_set(Value* set, Value* item) {
    if (set->index_->emplace(hash_of(*item), set->items_.size()).second) set->items_.push_back(item);
  }
  void set_item(Value* dict, Value* key, Value* value) {
    if (dict->kind != Kind::dict) fail(std::string("SETITEM(S) on a ") + kind_name(dict->kind) + ", not a dict");
    if (!dict->index_) dict->index_ = std::make_unique<std::unordered_map<std::string, size_t>>();
    const auto [it, fresh] = dict->index_->emplace(hash_of(*key), dict->entries_.size());
    if (fresh)
      dict->entries_.emplace_back(key, value);
    else
      dict->entries_[it->second].second = value;  // a repeated key replaces the value, as in Python
  }
  Value* list_top(const char* op) {
    Value* target = top();
    if (target->kind != Kind::list) fail(std::string(op) + " on a " + kind_name(target->kind) + ", not a list");
    return target;
  }

  // ---- globals and the C++ constructors they stand for -----------------------------------------
  Value* make_global(const std::string& module, const std::string& name) {
    for (const WhitelistRow& row : kWhitelist)
      if (module == row.module && name == row.name) {
        Value* g = make(Kind::global);
        g->text_ = module + "." + name;
        g->int_ = static_cast<int64_t>(row.id);
        return g;
      }
    fail("global " + quote(module + "." + name) + " is not allowed");
  }
  Global global_of(const Value* v, const char* role) {
    if (v->kind != Kind::global) fail(std::string(role) + " is a " + kind_name(v->kind) + ", not a class or function");
    return static_cast<Global>(v->int_);
  }
  const std::vector<const Value*>& tuple_items(const Value* v, const char* role) {
    if (v->kind != Kind::tuple) fail(std::string(role) + " must be a tuple, got " + describe(*v));
    return v->items_;
  }
  std::string text_of(const Value* v, const char* role) {
    if (v->kind == Kind::text) return v->text_;
    if (v->is_py2_str()) return v->as_text(role);
    fail(std::string(role) + " must be a string, got " + describe(*v));
  }
  // Raw array bytes: bytes, a Python 2 str, or (Python 3 reading a py2 pickle with latin-1) text.
  std::string data_bytes(const Value* v, const char* role) {
    if (v->kind == Kind::bytes) return v->text_;
    if (v->kind == Kind::text) return latin1_from_utf8(v->text_, role);
    fail(std::string(role) + " must be bytes, got " + describe(*v));
  }
  std::string latin1_from_utf8(const std::string& s, const char* role) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
      const unsigned char c = static_cast<unsigned char>(s[i]);
      if (c < 0x80) {
        out.push_back(static_cast<char>(c));
      } else if ((c == 0xC2 || c == 0xC3) && i + 1 < s.size()) {
        out.push_back(static_cast<char>(((c & 0x03) << 6) | (static_cast<unsigned char>(s[++i]) & 0x3F)));
      } else {
        fail(std::string(role) + " holds a character beyond latin-1");
      }
    }
    return out;
  }
  Shape shape_of(const Value* v, const char* role) {
    Shape s;
    for (const Value* d : tuple_items(v, role)) {
      if (d->kind != Kind::integer || d->int_ < 0) fail(std::string(role) + " must hold non-negative ints");
      s.push_back(d->int_);
    }
    return s;
  }
  // numpy dtype → element type. The byte order lives in the dtype's BUILD state (3, '<', …).
  NumpyDtype dtype_of(const Value* v, const char* role) {
    if (v->kind != Kind::dtype) fail(std::string(role) + " must be a numpy dtype, got " + describe(*v));
    std::string order = "|";
    if (v->dtype_state_) {
      const auto& st = tuple_items(v->dtype_state_, "dtype state");
      if (st.size() < 2) fail("dtype state tuple is too short");
      order = text_of(st[1], "dtype byte order");
      for (size_t i = 2; i < 4 && i < st.size(); ++i)
        if (!st[i]->is_none()) fail("structured dtypes are not supported");
    }
    if (order != "<" && order != ">" && order != "|" && order != "=") fail("bad dtype byte order " + quote(order));
    std::string descr = v->text_;
    // numpy pickles dtypes by kind and size ('f8', 'b1', 'O8'); an '|' order on a wide type means native.
    // A descr that carries its own order ('<f8') keeps it.
    if (!descr.empty() && std::string("<>|=").find(descr[0]) != std::string::npos) order.clear();
    else if (order == "|" && descr.size() >= 2 && descr.substr(1) != "1") order = "=";
    try {
      return parse_numpy_dtype(order + descr, doc_->source_);
    } catch (const NpzError& e) {
      fail(e.what());
    }
  }
  void count_array_bytes(uint64_t n) {
    if (n > doc_->limits_.max_array_bytes - array_bytes_)
      fail("arrays exceed the limit of " + std::to_string(doc_->limits_.max_array_bytes) + " bytes");
    array_bytes_ += n;
  }
  Tensor build_array(const std::string& data, const NumpyDtype& d, const Shape& shape, bool fortran) {
    count_array_bytes(data.size());
    try {
      return numpy_array_from_bytes(data.data(), data.size(), d, shape, fortran, doc_->source_);
    } catch (const NpzError& e) {
      fail(e.what());
    }
  }
  // ndarray.__setstate__((version, shape, dtype, is_fortran, data)) — version may be absent.
  void set_array_state(Value* arr, const Value* state) {
    std::vector<const Value*> st = tuple_items(state, "ndarray state");
    if (st.size() == 5) st.erase(st.begin());
    if (st.size() != 4) fail("ndarray state must have 4 or 5 items, got " + std::to_string(st.size()));
    const Shape shape = shape_of(st[0], "ndarray shape");
    const NumpyDtype d = dtype_of(st[1], "ndarray dtype");
    if (st[2]->kind != Kind::boolean && st[2]->kind != Kind::integer) fail("ndarray is_fortran flag must be a bool");
    const bool fortran = st[2]->as_int("is_fortran") != 0;
    if (st[3]->kind == Kind::list) fail("object arrays (data given as a list) are not supported");
    arr->array_ = build_array(data_bytes(st[3], "ndarray data"), d, shape, fortran);
    arr->array_pending_ = false;
  }

  Value* call(Value* callable, Value* args_value) {
    const Global g = global_of(callable, "REDUCE's callable");
    const auto& args = tuple_items(args_value, "REDUCE's arguments");
    const std::string& name = callable->text_;
    auto arity = [&](size_t lo, size_t hi) {
      if (args.size() < lo || args.size() > hi)
        fail(name + " takes " + std::to_string(lo) + (hi != lo ? "–" + std::to_string(hi) : "") + " arguments, got " +
             std::to_string(args.size()));
    };
    switch (g) {
      case Global::reconstruct: {  // _reconstruct(ndarray, (0,), b'b'): an empty array, data comes by BUILD
        arity(3, 3);
        if (args[0]->kind != Kind::global || global_of(args[0], "array class") != Global::ndarray)
          fail("_reconstruct may only build numpy.ndarray, got " + describe(*args[0]));
        Value* arr = make(Kind::array);
        arr->array_pending_ = true;
        return arr;
      }
      case Global::dtype: {  // dtype('f8', align, copy)
        arity(1, 3);
        Value* d = make(Kind::dtype);
        d->text_ = text_of(args[0], "dtype name");
        return d;
      }
      case Global::scalar: {  // scalar(dtype, raw bytes): a 0-d array
        arity(2, 2);
        if (args[1]->kind == Kind::list || args[1]->kind == Kind::none) fail("object scalars are not supported");
        Value* arr = make(Kind::array);
        arr->array_ = build_array(data_bytes(args[1], "scalar data"), dtype_of(args[0], "scalar dtype"), {}, false);
        return arr;
      }
      case Global::frombuffer: {  // _frombuffer(buffer, dtype, shape, order)
        arity(4, 4);
        const std::string order = text_of(args[3], "_frombuffer order");
        if (order != "C" && order != "F") fail("_frombuffer order must be 'C' or 'F'");
        Value* arr = make(Kind::array);
        arr->array_ = build_array(data_bytes(args[0], "_frombuffer buffer"), dtype_of(args[1], "_frombuffer dtype"),
                                  shape_of(args[2], "_frombuffer shape"), order == "F");
        return arr;
      }
      case Global::set:
      case Global::frozenset: {  // set() or set(iterable)
        arity(0, 1);
        std::vector<Value*> items;
        if (!args.empty()) {
          const Value* src = args[0];
          if (src->kind == Kind::dict) {
            for (const auto& e : src->entries_) items.push_back(const_cast<Value*>(e.first));
          } else {
            for (const Value* it : src->items(doc_->source_ + ": set() argument")) items.push_back(const_cast<Value*>(it));
          }
        }
        return make_container(g == Global::set ? Kind::set : Kind::frozenset, std::move(items));
      }
      case Global::reconstructor: {  // copy_reg._reconstructor(cls, object, None)
        arity(3, 3);
        const Global cls = global_of(args[0], "_reconstructor's class");
        if (!is_data_class(cls)) fail("_reconstructor may not build " + args[0]->text_);
        if (args[1]->kind != Kind::global || global_of(args[1], "_reconstructor's base") != Global::object)
          fail("_reconstructor's base must be object, got " + describe(*args[1]));
        if (!args[2]->is_none()) fail("_reconstructor's state must be None");
        return make_object(args[0]->text_, {});
      }
      case Global::bytes:
      case Global::bytearray: {  // bytes() / bytearray(): Python 3 pickles b'' and bytearrays so below protocol 3/5
        arity(0, 1);
        Value* b = make(Kind::bytes);
        if (!args.empty()) b->text_ = data_bytes(args[0], "bytes() argument");
        return b;
      }
      case Global::codecs_encode: {  // _codecs.encode(text, 'latin1'): how Python 3 pickles bytes at protocol < 3
        arity(1, 2);
        std::string enc = args.size() == 2 ? text_of(args[1], "encoding") : "utf-8";
        std::transform(enc.begin(), enc.end(), enc.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        Value* b = make(Kind::bytes);
        if (enc == "latin1" || enc == "latin-1" || enc == "iso-8859-1" || enc == "iso8859-1")
          b->text_ = latin1_from_utf8(text_of(args[0], "encode's text"), "encode's text");
        else if (enc == "utf-8" || enc == "utf8")
          b->text_ = text_of(args[0], "encode's text");
        else
          fail("_codecs.encode with encoding " + quote(enc) + " is not supported");
        return b;
      }
      case Global::ndarray:
      case Global::object:
      case Global::chumpy_ch:
      case Global::chumpy_select:
      case Global::csc_matrix: break;
    }
    fail(name + " cannot be called by REDUCE");
  }

  Value* make_object(const std::string& cls, const std::vector<const Value*>& args) {
    Value* o = make(Kind::object);
    o->object_ = std::make_unique<Object>();
    o->object_->class_name = cls;
    o->object_->args = args;
    return o;
  }
  // cls.__new__(cls, *args) for NEWOBJ / NEWOBJ_EX / INST / OBJ.
  Value* instantiate(Value* cls, const std::vector<const Value*>& args, const char* op) {
    const Global g = global_of(cls, op);
    if (g == Global::set || g == Global::frozenset) {
      Value* t = make(Kind::tuple);
      t->items_ = args;
      return call(cls, t);
    }
    if (!is_data_class(g)) fail(std::string(op) + " may not instantiate " + cls->text_);
    return make_object(cls->text_, args);
  }

  void build(Value* target, Value* state) {
    switch (target->kind) {
      case Kind::array:
        if (!target->array_pending_) fail("BUILD on an ndarray that already has its data");
        set_array_state(target, state);
        return;
      case Kind::dtype:
        target->dtype_state_ = state;
        return;
      case Kind::object: {
        // (dict, slots) pairs carry the instance dict first; plain dicts are the instance dict.
        const Value* s = state;
        if (s->kind == Kind::tuple && s->items_.size() == 2 && s->items_[0]->kind == Kind::dict) s = s->items_[0];
        if (s->kind != Kind::dict && !s->is_none()) fail("BUILD state of " + target->object_->class_name + " must be a dict");
        target->object_->state = s;
        return;
      }
      case Kind::set:
        if (state->is_none()) return;
        break;
      default: break;
    }
    fail(std::string("BUILD on a ") + kind_name(target->kind) + ", which takes no state");
  }

  // ---- the opcode loop --------------------------------------------------------------------------
  void step(unsigned char op) {
    switch (op) {
      case 0x80: {  // PROTO
        const unsigned v = byte();
        if (v > 5) fail("unsupported pickle protocol " + std::to_string(v));
        return;
      }
      case 0x95: {  // FRAME: a length hint; the frame must fit in what remains
        const uint64_t n = le(8);
        if (n > in_.size() - pos_) fail("FRAME of " + std::to_string(n) + " bytes runs past the end");
        return;
      }
      case '(':  // MARK
        if (marks_.size() >= doc_->limits_.max_depth) fail("MARKs nested deeper than " + std::to_string(doc_->limits_.max_depth));
        marks_.push_back(stack_.size());
        return;
      case '0':  // POP (a MARK when the current frame is empty, as in CPython)
        if (!marks_.empty() && stack_.size() == marks_.back()) pop_mark();
        else pop();
        return;
      case '1': pop_mark(); return;  // POP_MARK
      case '2': push(top()); return;  // DUP

      // Integers, floats, None, booleans.
      case 'I': {  // INT: decimal text; "01"/"00" are protocol 0's True/False
        const std::string_view s = line();
        if (s == "01" || s == "00") return push(make_bool(s == "01"));
        return push(make_int(parse_decimal(s)));
      }
      case 'L': {  // LONG: decimal text with an optional trailing 'L'
        std::string_view s = line();
        if (!s.empty() && s.back() == 'L') s.remove_suffix(1);
        return push(make_int(parse_decimal(s)));
      }
      case 'J': return push(make_int(static_cast<int32_t>(static_cast<uint32_t>(le(4)))));  // BININT
      case 'K': return push(make_int(static_cast<int64_t>(le(1))));                          // BININT1
      case 'M': return push(make_int(static_cast<int64_t>(le(2))));                          // BININT2
      case 0x8a: {  // LONG1
        const uint64_t n = le(1);
        return push(make_int(parse_long_bytes(take(n))));
      }
      case 0x8b: {  // LONG4
        const int64_t n = static_cast<int32_t>(static_cast<uint32_t>(le(4)));
        if (n < 0) fail("LONG4 with negative length");
        return push(make_int(parse_long_bytes(take(static_cast<uint64_t>(n)))));
      }
      case 'F': {  // FLOAT: repr text
        Value* f = make(Kind::floating);
        f->float_ = parse_float_text(line());
        return push(f);
      }
      case 'G': {  // BINFLOAT: 8 bytes big-endian IEEE 754
        const std::string_view b = take(8);
        uint64_t bits = 0;
        for (unsigned char c : b) bits = (bits << 8) | c;
        Value* f = make(Kind::floating);
        f->float_ = std::bit_cast<double>(bits);
        return push(f);
      }
      case 'N': return push(make(Kind::none));
      case 0x88: return push(make_bool(true));   // NEWTRUE
      case 0x89: return push(make_bool(false));  // NEWFALSE

      // Strings and bytes.
      case 'S': return push(make_string(Kind::bytes, parse_quoted(line()), true));  // STRING (py2 str)
      case 'T': {  // BINSTRING: 4-byte signed length
        const int64_t n = static_cast<int32_t>(static_cast<uint32_t>(le(4)));
        if (n < 0) fail("BINSTRING with negative length");
        return push(make_string(Kind::bytes, std::string(take(static_cast<uint64_t>(n))), true));
      }
      case 'U': return push(make_string(Kind::bytes, std::string(take(le(1))), true));  // SHORT_BINSTRING
      case 'V': return push(make_string(Kind::text, parse_raw_unicode_escape(line())));  // UNICODE
      case 'X': return push(make_string(Kind::text, checked_utf8(take(le(4)))));         // BINUNICODE
      case 0x8c: return push(make_string(Kind::text, checked_utf8(take(le(1)))));        // SHORT_BINUNICODE
      case 0x8d: return push(make_string(Kind::text, checked_utf8(take(le(8)))));        // BINUNICODE8
      case 'B': return push(make_string(Kind::bytes, std::string(take(le(4)))));         // BINBYTES
      case 'C': return push(make_string(Kind::bytes, std::string(take(le(1)))));         // SHORT_BINBYTES
      case 0x8e: return push(make_string(Kind::bytes, std::string(take(le(8)))));        // BINBYTES8
      case 0x96: return push(make_string(Kind::bytes, std::string(take(le(8)))));        // BYTEARRAY8

      // Tuples, lists, dicts, sets.
      case ')': return push(make_container(Kind::tuple));      // EMPTY_TUPLE
      case ']': return push(make_container(Kind::list));       // EMPTY_LIST
      case '}': return push(make(Kind::dict));                 // EMPTY_DICT
      case 0x8f: return push(make_container(Kind::set));       // EMPTY_SET
      case 't': return push(make_container(Kind::tuple, pop_mark()));  // TUPLE
      case 'l': return push(make_container(Kind::list, pop_mark()));   // LIST
      case 0x91: return push(make_container(Kind::frozenset, pop_mark()));  // FROZENSET
      case 0x85:
      case 0x86:
      case 0x87: {  // TUPLE1/2/3
        std::vector<Value*> items(static_cast<size_t>(op - 0x84));
        for (size_t i = items.size(); i-- > 0;) items[i] = pop();
        return push(make_container(Kind::tuple, std::move(items)));
      }
      case 'd': {  // DICT
        const std::vector<Value*> items = pop_mark();
        if (items.size() % 2) fail("DICT with an odd number of items");
        Value* d = make(Kind::dict);
        for (size_t i = 0; i < items.size(); i += 2) set_item(d, items[i], items[i + 1]);
        return push(d);
      }
      case 'a': {  // APPEND
        Value* v = pop();
        list_top("APPEND")->items_.push_back(v);
        return;
      }
      case 'e': {  // APPENDS
        const std::vector<Value*> items = pop_mark();
        Value* list = list_top("APPENDS");
        list->items_.insert(list->items_.end(), items.begin(), items.end());
        return;
      }
      case 's': {  // SETITEM
        Value* v = pop();
        Value* k = pop();
        set_item(top(), k, v);
        return;
      }
      case 'u': {  // SETITEMS
        const std::vector<Value*> items = pop_mark();
        if (items.size() % 2) fail("SETITEMS with an odd number of items");
        Value* d = top();
        for (size_t i = 0; i < items.size(); i += 2) set_item(d, items[i], items[i + 1]);
        return;
      }
      case 0x90: {  // ADDITEMS
        const std::vector<Value*> items = pop_mark();
        Value* s = top();
        if (s->kind != Kind::set) fail(std::string("ADDITEMS on a ") + kind_name(s->kind) + ", not a set");
        for (Value* it : items) add_to_set(s, it);
        return;
      }

      // The memo.
      case 'p': return memo_put(decimal_key(line()), top());   // PUT
      case 'q': return memo_put(le(1), top());                 // BINPUT
      case 'r': return memo_put(le(4), top());                 // LONG_BINPUT
      case 0x94: return memo_put(memo_.size(), top());         // MEMOIZE
      case 'g': return push(memo_get(decimal_key(line())));    // GET
      case 'h': return push(memo_get(le(1)));                  // BINGET
      case 'j': return push(memo_get(le(4)));                  // LONG_BINGET

      // Globals and object construction (whitelisted, data only).
      case 'c': {  // GLOBAL "module\nname\n"
        const std::string module(line());
        const std::string name(line());
        return push(make_global(module, name));
      }
      case 0x93: {  // STACK_GLOBAL
        Value* name = pop();
        Value* module = pop();
        return push(make_global(text_of(module, "STACK_GLOBAL module"), text_of(name, "STACK_GLOBAL name")));
      }
      case 'R': {  // REDUCE
        Value* args = pop();
        Value* callable = pop();
        return push(call(callable, args));
      }
      case 'b': {  // BUILD
        Value* state = pop();
        build(top(), state);
        return;
      }
      case 0x81: {  // NEWOBJ
        Value* args = pop();
        Value* cls = pop();
        return push(instantiate(cls, tuple_items(args, "NEWOBJ's arguments"), "NEWOBJ"));
      }
      case 0x92: {  // NEWOBJ_EX
        Value* kwargs = pop();
        Value* args = pop();
        Value* cls = pop();
        if (kwargs->kind != Kind::dict || !kwargs->entries_.empty()) fail("NEWOBJ_EX with keyword arguments is not supported");
        return push(instantiate(cls, tuple_items(args, "NEWOBJ_EX's arguments"), "NEWOBJ_EX"));
      }
      case 'i': {  // INST "module\nname\n" with the MARKed arguments
        const std::string module(line());
        const std::string name(line());
        const std::vector<Value*> items = pop_mark();
        Value* cls = make_global(module, name);
        return push(instantiate(cls, {items.begin(), items.end()}, "INST"));
      }
      case 'o': {  // OBJ: MARK cls args...
        std::vector<Value*> items = pop_mark();
        if (items.empty()) fail("OBJ without a class");
        Value* cls = items.front();
        return push(instantiate(cls, {items.begin() + 1, items.end()}, "OBJ"));
      }

      // Refused: they name things outside the pickle.
      case 'P':
      case 'Q': fail("persistent ids (PERSID/BINPERSID) are not supported");
      case 0x82:
      case 0x83:
      case 0x84: fail("extension registry codes (EXT1/2/4) are not supported");
      case 0x97:
      case 0x98: fail("out-of-band buffers (NEXT_BUFFER/READONLY_BUFFER) are not supported");
      default: break;
    }
    char hex[8];
    std::snprintf(hex, sizeof hex, "0x%02x", op);
    fail(std::string("unknown opcode ") + hex);
  }

  std::string_view in_;
  size_t pos_ = 0, op_at_ = 0;
  std::shared_ptr<Document> doc_;
  std::vector<Value*> stack_;
  std::vector<size_t> marks_;
  std::unordered_map<uint64_t, Value*> memo_;
  uint64_t array_bytes_ = 0;
};

std::shared_ptr<Document> loads(std::string_view bytes, const std::string& source, const Limits& limits) {
  return Unpickler(bytes, source, limits).run();
}

std::shared_ptr<Document> load(const std::string& path, const Limits& limits) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) throw PickleError(path + ": cannot open: " + std::strerror(errno));
  std::string bytes;
  char buf[1 << 16];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, f.get())) > 0;) {
    if (bytes.size() + n > limits.max_input_bytes)
      throw PickleError(path + ": file exceeds the limit of " + std::to_string(limits.max_input_bytes) + " bytes");
    bytes.append(buf, n);
  }
  if (std::ferror(f.get())) throw PickleError(path + ": read error");
  return loads(bytes, path, limits);
}

}  // namespace hg::pickle
