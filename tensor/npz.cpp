#include "tensor/npz.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>
#include <vector>

#include "tensor/view.h"
#include "tensor/zip.h"

namespace hg {

static_assert(std::endian::native == std::endian::little, "npy I/O assumes a little-endian host");

namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicSize = 6;
constexpr size_t kMaxDims = 64;  // numpy's NPY_MAXDIMS

[[noreturn]] void fail(const std::string& where, const std::string& problem) { throw NpzError(where + ": " + problem); }

std::string quote(const std::string& s) { return zip::quoted(s); }

// ---- the header: a Python dict literal with string keys ----------------------------------------

// The three values numpy's header holds.
struct Header {
  std::string descr;
  bool fortran_order = false;
  Shape shape;
};

class HeaderParser {
 public:
  HeaderParser(std::string_view text, const std::string& where) : s_(text), where_(where) {}

  Header parse() {
    Header h;
    bool have_descr = false, have_order = false, have_shape = false;
    expect('{');
    while (true) {
      skip_space();
      if (peek() == '}') break;
      const std::string key = string_literal();
      expect(':');
      skip_space();
      if (key == "descr") {
        if (peek() == '[') fail(where_, "structured dtypes (a list 'descr') are not supported");
        h.descr = string_literal();
        have_descr = true;
      } else if (key == "fortran_order") {
        h.fortran_order = boolean();
        have_order = true;
      } else if (key == "shape") {
        h.shape = tuple_of_ints();
        have_shape = true;
      } else {
        fail(where_, "header has an unexpected key " + quote(key));
      }
      skip_space();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() != '}') fail(where_, "header: expected ',' or '}' at character " + std::to_string(pos_));
    }
    ++pos_;
    skip_space();
    if (pos_ != s_.size()) fail(where_, "header has text after its closing '}'");
    if (!have_descr || !have_order || !have_shape)
      fail(where_, std::string("header lacks the key ") +
                       (!have_descr ? "'descr'" : !have_order ? "'fortran_order'" : "'shape'"));
    return h;
  }

 private:
  char peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
  void skip_space() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) ++pos_;
  }
  void expect(char c) {
    skip_space();
    if (peek() != c) fail(where_, std::string("header: expected '") + c + "' at character " + std::to_string(pos_));
    ++pos_;
  }
  // 'text' or "text"; numpy only writes plain ASCII, so escapes are refused rather than guessed.
  std::string string_literal() {
    skip_space();
    const char q = peek();
    if (q != '\'' && q != '"') fail(where_, "header: expected a quoted string at character " + std::to_string(pos_));
    const size_t end = s_.find(q, pos_ + 1);
    if (end == std::string_view::npos) fail(where_, "header: unterminated string");
    std::string out(s_.substr(pos_ + 1, end - pos_ - 1));
    if (out.find('\\') != std::string::npos) fail(where_, "header: escapes in strings are not supported");
    pos_ = end + 1;
    return out;
  }
  bool boolean() {
    if (s_.substr(pos_, 4) == "True") {
      pos_ += 4;
      return true;
    }
    if (s_.substr(pos_, 5) == "False") {
      pos_ += 5;
      return false;
    }
    fail(where_, "header: 'fortran_order' must be True or False");
  }
  int64_t integer() {
    skip_space();
    int64_t v = 0;
    const size_t start = pos_;
    while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') {
      if (v > (std::numeric_limits<int64_t>::max() - 9) / 10) fail(where_, "header: a dimension is too large");
      v = v * 10 + (s_[pos_++] - '0');
    }
    if (pos_ == start) fail(where_, "header: expected a non-negative integer at character " + std::to_string(pos_));
    if (peek() == 'L') ++pos_;  // Python 2 long literal, e.g. (3L, 4L)
    return v;
  }
  // "()", "(5,)", "(2, 3)", "(2, 3,)"
  Shape tuple_of_ints() {
    Shape shape;
    expect('(');
    skip_space();
    if (peek() == ')') {
      ++pos_;
      return shape;
    }
    while (true) {
      shape.push_back(integer());
      if (shape.size() > kMaxDims) fail(where_, "header: more than 64 dimensions");
      skip_space();
      if (peek() == ',') {
        ++pos_;
        skip_space();
        if (peek() == ')') break;
        continue;
      }
      if (peek() == ')') {
        if (shape.size() == 1) fail(where_, "header: 'shape' must be a tuple, e.g. (5,)");
        break;
      }
      fail(where_, "header: expected ',' or ')' in 'shape' at character " + std::to_string(pos_));
    }
    ++pos_;
    return shape;
  }

  std::string_view s_;
  const std::string& where_;
  size_t pos_ = 0;
};

// ---- element conversion -------------------------------------------------------------------------

template <class T>
T load_element(const char* p, bool swap) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  if (swap && sizeof(T) > 1) {
    auto* b = reinterpret_cast<unsigned char*>(&v);
    std::reverse(b, b + sizeof(T));
  }
  return v;
}

// Reads n elements of file type From into a tensor of type To (a plain widening conversion).
template <class From, class To>
void widen(const char* src, int64_t n, bool swap, To* dst) {
  for (int64_t i = 0; i < n; ++i) dst[i] = static_cast<To>(load_element<From>(src + i * sizeof(From), swap));
}

void reverse_each(void* data, int64_t n, int itemsize) {
  auto* b = static_cast<unsigned char*>(data);
  for (int64_t i = 0; i < n; ++i) std::reverse(b + i * itemsize, b + (i + 1) * itemsize);
}

void fill_tensor(const Tensor& t, const char* src, int64_t n, const NumpyDtype& d, const std::string& where) {
  void* dst = t.raw_data();
  const bool same_width = static_cast<int>(dtype_size(d.target)) == d.itemsize && !(d.kind == 'u' && d.itemsize > 1);
  if (same_width) {
    std::memcpy(dst, src, static_cast<size_t>(n) * d.itemsize);
    if (d.big_endian && d.itemsize > 1) reverse_each(dst, n, d.itemsize);
    if (d.kind == 'b') {
      const auto* b = static_cast<const unsigned char*>(dst);
      for (int64_t i = 0; i < n; ++i)
        if (b[i] > 1)
          fail(where, "bool array holds byte value " + std::to_string(b[i]) + " at element " + std::to_string(i));
    }
    return;
  }
  const bool sw = d.big_endian;
  if (d.kind == 'i' && d.itemsize == 1) return widen<int8_t>(src, n, sw, static_cast<int32_t*>(dst));
  if (d.kind == 'i' && d.itemsize == 2) return widen<int16_t>(src, n, sw, static_cast<int32_t*>(dst));
  if (d.kind == 'u' && d.itemsize == 2) return widen<uint16_t>(src, n, sw, static_cast<int32_t*>(dst));
  if (d.kind == 'u' && d.itemsize == 4) return widen<uint32_t>(src, n, sw, static_cast<int64_t*>(dst));
  if (d.kind == 'u' && d.itemsize == 8) {
    auto* out = static_cast<int64_t*>(dst);
    for (int64_t i = 0; i < n; ++i) {
      const uint64_t v = load_element<uint64_t>(src + i * 8, sw);
      if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
        fail(where, "uint64 value " + std::to_string(v) + " at element " + std::to_string(i) + " does not fit int64");
      out[i] = static_cast<int64_t>(v);
    }
    return;
  }
  fail(where, "internal: no conversion for dtype " + quote(d.descr));
}

// The file's bytes, failures as NpzError (same message as zip's).
std::string read_whole_file(const std::string& path) {
  try {
    return zip::read_whole_file(path);
  } catch (const zip::ZipError& e) {
    throw NpzError(e.what());
  }
}

std::string shape_literal(const Shape& s) {
  std::string out = "(";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  if (s.size() == 1) out += ",";
  return out + ")";
}

}  // namespace

NumpyDtype parse_numpy_dtype(const std::string& descr, const std::string& where) {
  NumpyDtype d;
  d.descr = descr;
  std::string rest = descr;
  char order = '=';
  if (!rest.empty() && (rest[0] == '<' || rest[0] == '>' || rest[0] == '|' || rest[0] == '=')) {
    order = rest[0];
    rest = rest.substr(1);
  }
  if (rest.size() < 2 || rest.size() > 3) fail(where, "unsupported dtype " + quote(descr));
  d.kind = rest[0];
  const std::string size = rest.substr(1);
  if (size.find_first_not_of("0123456789") != std::string::npos) fail(where, "unsupported dtype " + quote(descr));
  d.itemsize = std::stoi(size);
  d.big_endian = order == '>';
  struct Row {
    char kind;
    int size;
    DType target;
  };
  static constexpr Row kTable[] = {
      {'f', 2, DType::f16}, {'f', 4, DType::f32}, {'f', 8, DType::f64}, {'i', 1, DType::i32},
      {'i', 2, DType::i32}, {'i', 4, DType::i32}, {'i', 8, DType::i64}, {'u', 1, DType::u8},
      {'u', 2, DType::i32}, {'u', 4, DType::i64}, {'u', 8, DType::i64}, {'b', 1, DType::boolean}};
  const Row* row = std::find_if(std::begin(kTable), std::end(kTable),
                                [&](const Row& r) { return r.kind == d.kind && r.size == d.itemsize; });
  if (row == std::end(kTable))
    fail(where, "unsupported dtype " + quote(descr) + " (handgrad reads f2 f4 f8 i1 i2 i4 i8 u1 u2 u4 u8 b1)");
  if (order == '|' && d.itemsize != 1) fail(where, "dtype " + quote(descr) + " has no byte order but is wider than a byte");
  d.target = row->target;
  return d;
}

Tensor numpy_array_from_bytes(const char* data, size_t n, const NumpyDtype& dtype, const Shape& shape,
                              bool fortran_order, const std::string& where) {
  // Element count and byte count, guarding against overflow, then exactly the bytes present.
  // The product of the non-zero dimensions is bounded too: an empty array of shape (0, 2^62, 4)
  // holds no bytes but its strides would still overflow.
  uint64_t numel = 1, nonzero = 1;
  for (int64_t d : shape)
    if (d < 0) fail(where, "negative dimension in shape " + shape_str(shape));
  for (int64_t d : shape) {
    if (d == 0) {
      numel = 0;
      continue;
    }
    if (nonzero > static_cast<uint64_t>(INT64_MAX) / static_cast<uint64_t>(d) / static_cast<uint64_t>(dtype.itemsize))
      fail(where, "shape " + shape_str(shape) + " is too large");
    nonzero *= static_cast<uint64_t>(d);
    numel *= static_cast<uint64_t>(d);
  }
  if (numel * dtype.itemsize != n)
    fail(where, "shape " + shape_str(shape) + " of dtype " + quote(dtype.descr) + " needs " +
                    std::to_string(numel * dtype.itemsize) + " data bytes, found " + std::to_string(n));
  // Fortran order = the reversed shape in C order, then transposed back.
  Shape stored = shape;
  if (fortran_order) std::reverse(stored.begin(), stored.end());
  Tensor t = Tensor::empty(stored, dtype.target);
  if (numel > 0) fill_tensor(t, data, static_cast<int64_t>(numel), dtype, where);
  if (fortran_order && shape.size() > 1) {
    std::vector<int64_t> dims(shape.size());
    for (size_t i = 0; i < dims.size(); ++i) dims[i] = static_cast<int64_t>(dims.size() - 1 - i);
    t = ops::clone(ops::permute(t, dims));
  }
  return t;
}

std::string numpy_descr(DType t, const std::string& where) {
  switch (t) {
    case DType::f16: return "<f2";
    case DType::f32: return "<f4";
    case DType::f64: return "<f8";
    case DType::i32: return "<i4";
    case DType::i64: return "<i8";
    case DType::u8: return "|u1";
    case DType::boolean: return "|b1";
    case DType::bf16: break;
  }
  fail(where, std::string("dtype ") + dtype_name(t) + " has no numpy equivalent");
}

Tensor read_npy_bytes(std::string_view bytes, const std::string& where) {
  if (bytes.size() < kMagicSize + 4 || bytes.substr(0, kMagicSize) != std::string_view(kMagic, kMagicSize))
    fail(where, "not a .npy array (no \\x93NUMPY magic)");
  const auto* b = reinterpret_cast<const unsigned char*>(bytes.data());
  const int major = b[6], minor = b[7];
  if (major < 1 || major > 3 || minor != 0)
    fail(where, ".npy format version " + std::to_string(major) + "." + std::to_string(minor) + " is not supported");
  size_t header_len = 0, prefix = 0;
  if (major == 1) {
    header_len = b[8] | (size_t{b[9]} << 8);
    prefix = 10;
  } else {
    if (bytes.size() < 12) fail(where, "truncated before the header length");
    header_len = b[8] | (size_t{b[9]} << 8) | (size_t{b[10]} << 16) | (size_t{b[11]} << 24);
    prefix = 12;
  }
  if (header_len > bytes.size() - prefix)
    fail(where, "header length " + std::to_string(header_len) + " runs past the end (" + std::to_string(bytes.size()) +
                    " bytes)");
  const Header h = HeaderParser(bytes.substr(prefix, header_len), where).parse();
  const NumpyDtype dtype = parse_numpy_dtype(h.descr, where);
  const std::string_view data = bytes.substr(prefix + header_len);
  return numpy_array_from_bytes(data.data(), data.size(), dtype, h.shape, h.fortran_order, where);
}

Tensor read_npy(const std::string& path) { return read_npy_bytes(read_whole_file(path), path); }

std::string npy_bytes(const Tensor& t_in) {
  const Tensor t = ops::contiguous(t_in.device().is_cpu() ? t_in : ops::to_device(t_in, Device::cpu()));
  std::string header = "{'descr': '" + numpy_descr(t.dtype(), "npy") + "', 'fortran_order': False, 'shape': " +
                       shape_literal(t.sizes()) + ", }";
  // Pad with spaces so magic + version + length + header + '\n' is a multiple of 64 bytes.
  const size_t v1_prefix = kMagicSize + 2 + 2;
  size_t total = v1_prefix + header.size() + 1;
  const bool v2 = ((total + 63) / 64) * 64 - v1_prefix > 0xFFFF;
  const size_t prefix = v2 ? v1_prefix + 2 : v1_prefix;
  total = prefix + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::string out(kMagic, kMagicSize);
  out += static_cast<char>(v2 ? 2 : 1);
  out += '\0';
  const size_t len = header.size();
  out += static_cast<char>(len & 0xFF);
  out += static_cast<char>((len >> 8) & 0xFF);
  if (v2) {
    out += static_cast<char>((len >> 16) & 0xFF);
    out += static_cast<char>((len >> 24) & 0xFF);
  }
  out += header;
  const size_t nbytes = static_cast<size_t>(t.numel()) * dtype_size(t.dtype());
  if (nbytes > 0) out.append(static_cast<const char*>(t.raw_data()), nbytes);
  return out;
}

void write_npy(const std::string& path, const Tensor& t) {
  zip::write_built_file<NpzError>(path, [&] { return npy_bytes(t); });
}

std::map<std::string, Tensor> parse_npz(std::string_view bytes, const std::string& source) {
  std::vector<zip::Entry> entries;
  try {
    entries = zip::parse(bytes, source);
  } catch (const zip::ZipError& e) {
    throw NpzError(e.what());
  }
  std::map<std::string, Tensor> out;
  for (const zip::Entry& e : entries) {
    const std::string where = source + ": " + quote(e.name);
    const std::string suffix = ".npy";
    if (e.name.size() <= suffix.size() || e.name.compare(e.name.size() - suffix.size(), suffix.size(), suffix) != 0)
      fail(where, "member is not a '<name>.npy' array");
    out.emplace(e.name.substr(0, e.name.size() - suffix.size()), read_npy_bytes(e.data, where));
  }
  return out;
}

std::map<std::string, Tensor> read_npz(const std::string& path) { return parse_npz(read_whole_file(path), path); }

std::string npz_bytes(const std::map<std::string, Tensor>& arrays, bool compress) {
  std::vector<std::string> blobs;
  blobs.reserve(arrays.size());
  std::vector<zip::Member> members;
  for (const auto& [name, t] : arrays) {
    if (!t.defined()) fail("npz: " + quote(name), "undefined tensor");
    blobs.push_back(npy_bytes(t));
  }
  size_t i = 0;
  for (const auto& [name, t] : arrays) members.push_back({name + ".npy", blobs[i++]});
  try {
    return zip::serialize(members, compress);
  } catch (const zip::ZipError& e) {
    throw NpzError(e.what());
  }
}

void write_npz(const std::string& path, const std::map<std::string, Tensor>& arrays, bool compress) {
  zip::write_built_file<NpzError>(path, [&] { return npz_bytes(arrays, compress); });
}

}  // namespace hg
