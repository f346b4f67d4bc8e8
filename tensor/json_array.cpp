#include "tensor/json_array.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cerrno>
#include <cstring>
#include <functional>
#include <limits>
#include <sstream>
#include <vector>

#include "tensor/atomic_file.h"
#include "tensor/view.h"

namespace hg::json_array {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// One character for a message: itself when printable, otherwise \xNN.
std::string show_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (u >= 0x20 && u < 0x7f) return std::string("'") + c + "'";
  char buf[8];
  std::snprintf(buf, sizeof buf, "\\x%02X", u);
  return buf;
}

// Up to 24 characters of a token, with control bytes escaped.
std::string show_token(std::string_view t) {
  std::string out;
  for (char c : t.substr(0, 24)) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f) {
      out += c;
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02X", u);
      out += buf;
    }
  }
  if (t.size() > 24) out += "...";
  return out;
}

// A recursive-descent parser unrolled into a loop over an explicit stack of open arrays
// (`count[level]` = elements completed so far in the open array at `level`).
template <class T>
class Parser {
 public:
  Parser(std::string_view text, const Shape& expected, const std::string& file, const std::string& field)
      : s_(text), sizes_(expected), file_(file), field_(field), count_(expected.size(), 0) {
    for (int64_t n : expected)
      if (n < kAny) throw std::invalid_argument("json_array::parse: bad expected size " + std::to_string(n));
    // Reserve for the common case of ~10 characters per number (a hint only).
    values_.reserve(std::min<size_t>(text.size() / 10 + 1, size_t{1} << 26));
  }

  Tensor run(DType dtype) {
    const size_t ndim = sizes_.size();
    size_t level = 0;  // number of currently open arrays
    for (;;) {
      skip_space();
      if (level < ndim) {  // a value here must be an array
        if (peek() != '[') fail_at(path(level), found("an array"));
        ++pos_;
        count_[level] = 0;
        ++level;
        skip_space();
        if (peek() != ']') continue;  // parse its first element
        ++pos_;
        --level;
        close_array(level);
      } else {
        values_.push_back(number(level));
      }
      // A value at depth `level` is complete: continue its enclosing array or finish.
      for (;;) {
        skip_space();
        if (level == 0) {
          if (pos_ != s_.size()) fail_at(path(0), "unexpected " + show_char(s_[pos_]) + " after the end of the array" + where());
          return finish(dtype);
        }
        ++count_[level - 1];
        const char c = peek();
        if (c == ',') {
          ++pos_;
          const int64_t limit = sizes_[level - 1];
          if (limit != kAny && count_[level - 1] >= limit) fail_at(path(level - 1), expected_entries(level - 1) + ", got more");
          break;  // parse the next element
        }
        if (c == ']') {
          ++pos_;
          --level;
          close_array(level);
          continue;
        }
        fail_at(path(level - 1), pos_ == s_.size() ? "unexpected end of text (missing ']')"
                                                   : "expected ',' or ']', got " + show_char(c) + where());
      }
    }
  }

 private:
  char peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
  void skip_space() {
    while (pos_ < s_.size() && is_space(s_[pos_])) ++pos_;
  }

  // "<field>[i][j]" for the first `levels` open arrays.
  std::string path(size_t levels) const {
    std::string p = field_;
    for (size_t k = 0; k < levels; ++k) p += "[" + std::to_string(count_[k]) + "]";
    return p;
  }
  std::string where() const {
    const size_t at = std::min(pos_, s_.size());
    const auto line = 1 + std::count(s_.begin(), s_.begin() + static_cast<std::ptrdiff_t>(at), '\n');
    const size_t nl = s_.rfind('\n', at == 0 ? 0 : at - 1);
    const size_t column = nl == std::string_view::npos || at == 0 ? at + 1 : at - nl;
    return " (line " + std::to_string(line) + ", column " + std::to_string(column) + ")";
  }
  [[noreturn]] void fail_at(const std::string& where_in_data, const std::string& problem) const {
    throw JsonArrayError(file_ + ": " + where_in_data + ": " + problem);
  }

  // What was found instead of `wanted`, for "expected X, got Y".
  std::string found(const std::string& wanted) const {
    if (pos_ >= s_.size()) return "expected " + wanted + ", got the end of the text";
    const char c = s_[pos_];
    std::string got;
    if (c == '[') got = "an array (nested deeper than " + std::to_string(sizes_.size()) + " levels)";
    else if (c == '{') got = "an object";
    else if (c == '"') got = "a string";
    else if (c == 't' || c == 'f') got = "a boolean";
    else if (c == 'n') got = "null";
    else if (c == '-' || is_digit(c) || c == 'N' || c == 'I') got = "a number";
    else got = show_char(c);
    return "expected " + wanted + ", got " + got + where();
  }

  // "expected N entries", noting when N came from the first array rather than the caller.
  std::string expected_entries(size_t level) const {
    const bool from_data = std::find(any_fixed_.begin(), any_fixed_.end(), level) != any_fixed_.end();
    return "expected " + std::to_string(sizes_[level]) + " entries" + (from_data ? " (like the first)" : "");
  }

  void close_array(size_t level) {
    const int64_t n = count_[level];
    int64_t& want = sizes_[level];
    if (want == kAny) {
      want = n;  // the first array at this level fixes the length for all others
      any_fixed_.push_back(level);
    } else if (n != want) {
      fail_at(path(level), expected_entries(level) + ", got " + std::to_string(n));
    }
  }

  // One JSON number (RFC 8259 grammar), or NaN / Infinity / -Infinity to be rejected as non-finite.
  T number(size_t level) {
    const size_t start = pos_;
    auto word = [&](std::string_view w) { return s_.substr(pos_, w.size()) == w; };
    if (word("NaN")) fail_at(path(level), "not a finite number (NaN)");
    if (word("Infinity") || word("-Infinity")) fail_at(path(level), "not a finite number (" + std::string(word("-") ? "-" : "") + "Infinity)");
    if (peek() != '-' && !is_digit(peek())) fail_at(path(level), found("a number"));
    size_t p = pos_;
    auto digits = [&] {
      const size_t d0 = p;
      while (p < s_.size() && is_digit(s_[p])) ++p;
      return p - d0;
    };
    bool ok = true;
    if (p < s_.size() && s_[p] == '-') ++p;
    if (p < s_.size() && s_[p] == '0') {
      ++p;
    } else if (digits() == 0) {
      ok = false;
    }
    if (ok && p < s_.size() && s_[p] == '.') {
      ++p;
      ok = digits() > 0;
    }
    if (ok && p < s_.size() && (s_[p] == 'e' || s_[p] == 'E')) {
      ++p;
      if (p < s_.size() && (s_[p] == '+' || s_[p] == '-')) ++p;
      ok = digits() > 0;
    }
    // A number must end at a delimiter; "1.2.3", "01" or "3x" are malformed.
    size_t end = p;
    while (end < s_.size() && !is_space(s_[end]) && s_[end] != ',' && s_[end] != ']') ++end;
    if (!ok || end != p) fail_at(path(level), "malformed number '" + show_token(s_.substr(start, end - start)) + "'" + where());
    double v = 0;
    const auto [ptr, ec] = std::from_chars(s_.data() + start, s_.data() + p, v);
    if (ec == std::errc::result_out_of_range) {
      // Underflow (e.g. 1e-400) reads as zero; overflow is an error.
      const std::string_view tok = s_.substr(start, p - start);
      const size_t e = tok.find_first_of("eE");
      const bool tiny = e != std::string_view::npos && e + 1 < tok.size() && tok[e + 1] == '-';
      if (!tiny) fail_at(path(level), "number " + show_token(tok) + " is out of range");
      v = tok[0] == '-' ? -0.0 : 0.0;
    } else if (ec != std::errc() || ptr != s_.data() + p) {
      fail_at(path(level), "malformed number '" + show_token(s_.substr(start, p - start)) + "'" + where());
    }
    if (!std::isfinite(v)) fail_at(path(level), "not a finite number");
    if (std::fabs(v) > static_cast<double>(std::numeric_limits<T>::max()))
      fail_at(path(level), "number " + show_token(s_.substr(start, p - start)) + " is out of range for " + dtype_name(dtype_of<T>::value));
    pos_ = p;
    return static_cast<T>(v);
  }

  Tensor finish(DType dtype) {
    for (int64_t& n : sizes_)
      if (n == kAny) n = 0;  // levels never reached (an empty outer array)
    Tensor t = Tensor::empty(sizes_, dtype);
    if (static_cast<int64_t>(values_.size()) != t.numel())  // cannot happen: every array was checked
      throw std::logic_error(file_ + ": " + field_ + ": internal error: " + std::to_string(values_.size()) +
                             " numbers for shape " + shape_str(sizes_));
    if (!values_.empty()) std::memcpy(t.raw_data(), values_.data(), values_.size() * sizeof(T));
    return t;
  }

  std::string_view s_;
  size_t pos_ = 0;
  Shape sizes_;
  const std::string& file_;
  const std::string& field_;
  std::vector<int64_t> count_;
  std::vector<size_t> any_fixed_;
  std::vector<T> values_;
};

// Appends v's shortest round-trip decimal.
template <class T>
void append_number(std::string& out, T v) {
  char buf[64];
  const auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, v);
  if (ec != std::errc()) throw std::logic_error("json_array::format: to_chars failed");
  out.append(buf, ptr);
}

}  // namespace

Tensor parse(std::string_view text, const Shape& expected, const std::string& file, const std::string& field,
             DType dtype) {
  if (dtype == DType::f32) return Parser<float>(text, expected, file, field).run(dtype);
  if (dtype == DType::f64) return Parser<double>(text, expected, file, field).run(dtype);
  throw std::invalid_argument(std::string("json_array::parse: dtype must be f32 or f64, got ") + dtype_name(dtype));
}

Tensor load(const std::string& path, const Shape& expected, const std::string& field, DType dtype) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw JsonArrayError(path + ": cannot open: " + std::strerror(errno));
  std::string text;
  std::string problem;
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    problem = std::string("cannot stat: ") + std::strerror(errno);
  } else if (!S_ISREG(st.st_mode)) {
    problem = "not a regular file";
  } else {
    text.resize(static_cast<size_t>(st.st_size));
    size_t got = 0;
    while (got < text.size()) {
      const ssize_t r = ::read(fd, text.data() + got, text.size() - got);
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) {
        problem = std::string("read failed: ") + std::strerror(errno);
        break;
      }
      if (r == 0) break;  // the file shrank meanwhile: parse what is there
      got += static_cast<size_t>(r);
    }
    text.resize(got);
  }
  ::close(fd);
  if (!problem.empty()) throw JsonArrayError(path + ": " + problem);
  return parse(text, expected, path, field, dtype);
}

std::string format(const Tensor& t) {
  const Tensor c = ops::contiguous(ops::to_device(t, Device::cpu()));
  const Shape& sizes = c.sizes();
  const size_t ndim = sizes.size();
  const int64_t n = c.numel();
  std::string out;
  out.reserve(static_cast<size_t>(n) * 12 + 16);
  std::vector<int64_t> idx(ndim, 0);
  auto emit = [&]<class T>(const T* data) {
    if (ndim == 0) {
      if constexpr (std::is_floating_point_v<T>)
        if (!std::isfinite(data[0])) throw std::invalid_argument("json_array::format: non-finite value");
      append_number(out, data[0]);
      return;
    }
    // Walk the elements in row-major order, opening and closing brackets as indices roll over.
    int64_t flat = 0;
    bool empty = false;
    for (int64_t s : sizes) empty = empty || s == 0;
    if (empty) {  // e.g. [0, 21, 3] -> "[]"; [2, 0] -> "[[], []]"
      std::function<void(size_t)> rec = [&](size_t d) {
        out += '[';
        if (d + 1 < ndim)
          for (int64_t i = 0; i < sizes[d]; ++i) {
            if (i) out += ", ";
            rec(d + 1);
          }
        out += ']';
      };
      rec(0);
      return;
    }
    out.append(ndim, '[');
    for (;;) {
      const T v = data[flat++];
      if constexpr (std::is_floating_point_v<T>)
        if (!std::isfinite(v))
          throw std::invalid_argument("json_array::format: non-finite value at flat index " + std::to_string(flat - 1));
      append_number(out, v);
      size_t d = ndim;
      while (d > 0 && ++idx[d - 1] == sizes[d - 1]) {
        idx[d - 1] = 0;
        out += ']';
        --d;
      }
      if (d == 0) return;
      out += ", ";
      out.append(ndim - d, '[');
    }
  };
  switch (c.dtype()) {
    case DType::f32: emit(c.data<float>()); break;
    case DType::f64: emit(c.data<double>()); break;
    case DType::i32: emit(c.data<int32_t>()); break;
    case DType::i64: emit(c.data<int64_t>()); break;
    case DType::u8: emit(c.data<uint8_t>()); break;
    default: {  // f16 / bf16 / bool: through f32 (exact for all three)
      Tensor f = ops::to_dtype(c, DType::f32);
      emit(f.data<float>());
    }
  }
  return out;
}

void save(const std::string& path, const Tensor& t) {
  const std::string text = format(t);
  write_file_atomically(path, {text});
}

}  // namespace hg::json_array
