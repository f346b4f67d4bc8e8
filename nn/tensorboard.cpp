#include "nn/tensorboard.h"

#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>

namespace hg::nn {
namespace {

// Table of the reflected Castagnoli polynomial 0x82F63B78, built once.
const std::array<uint32_t, 256>& crc32c_table() {
  static const std::array<uint32_t, 256> table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  return table;
}

// --- protocol-buffer wire format (only what Event needs) ---
void put_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}
void put_key(std::string& out, int field, int wire_type) { put_varint(out, (static_cast<uint64_t>(field) << 3) | wire_type); }
template <class T>
void put_fixed(std::string& out, T v) {  // little-endian, as the host (x86-64 / aarch64) is
  char b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));
  out.append(b, sizeof(T));
}
void put_bytes(std::string& out, int field, std::string_view bytes) {
  put_key(out, field, 2);
  put_varint(out, bytes.size());
  out.append(bytes);
}

std::string event_header(double wall_time, int64_t step) {
  std::string e;
  put_key(e, 1, 1);  // wall_time: double
  put_fixed(e, wall_time);
  put_key(e, 2, 0);  // step: int64 varint (two's complement for negatives)
  put_varint(e, static_cast<uint64_t>(step));
  return e;
}

// A bounds-checked cursor over one buffer; errors name the file and the byte offset.
struct Cursor {
  const std::string& buf;
  size_t pos = 0, end = 0;
  const std::string& path;
  size_t base = 0;  // offset of buf[0] in the file, for messages
  [[noreturn]] void fail(const std::string& what) const {
    throw std::runtime_error(path + ": " + what + " at byte " + std::to_string(base + pos));
  }
  uint64_t varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos >= end) fail("truncated varint");
      const uint8_t b = static_cast<uint8_t>(buf[pos++]);
      v |= static_cast<uint64_t>(b & 0x7F) << shift;
      if (!(b & 0x80)) return v;
    }
    fail("varint longer than 10 bytes");
  }
  template <class T>
  T fixed() {
    if (end - pos < sizeof(T)) fail("truncated fixed-width field");
    T v;
    std::memcpy(&v, buf.data() + pos, sizeof(T));
    pos += sizeof(T);
    return v;
  }
  std::pair<size_t, size_t> bytes() {  // [begin, end) of a length-delimited field
    const uint64_t n = varint();
    if (n > end - pos) fail("length-delimited field runs past its message");
    const size_t b = pos;
    pos += n;
    return {b, pos};
  }
  void skip(int wire_type) {
    switch (wire_type) {
      case 0: varint(); return;
      case 1: fixed<uint64_t>(); return;
      case 2: bytes(); return;
      case 5: fixed<uint32_t>(); return;
      default: fail("unsupported protobuf wire type " + std::to_string(wire_type));
    }
  }
};

}  // namespace

uint32_t crc32c(const void* data, size_t n, uint32_t crc) {
  const auto& table = crc32c_table();
  const auto* p = static_cast<const uint8_t*>(data);
  crc = ~crc;
  for (size_t i = 0; i < n; ++i) crc = table[(crc ^ p[i]) & 0xFF] ^ (crc >> 8);
  return ~crc;
}

uint32_t masked_crc32c(const void* data, size_t n) {
  const uint32_t c = crc32c(data, n);
  return ((c >> 15) | (c << 17)) + 0xa282ead8u;
}

std::string encode_scalar_event(std::string_view tag, double value, int64_t step, double wall_time) {
  std::string v;  // Summary.Value
  put_bytes(v, 1, tag);
  put_key(v, 2, 5);  // simple_value: float
  put_fixed(v, static_cast<float>(value));
  std::string summary;
  put_bytes(summary, 1, v);
  std::string e = event_header(wall_time, step);
  put_bytes(e, 5, summary);
  return e;
}

std::string encode_file_version_event(double wall_time) {
  std::string e = event_header(wall_time, 0);
  put_bytes(e, 3, "brain.Event:2");
  return e;
}

std::string frame_record(std::string_view data) {
  std::string r;
  const uint64_t n = data.size();
  put_fixed(r, n);
  put_fixed(r, masked_crc32c(&n, sizeof n));
  r.append(data);
  put_fixed(r, masked_crc32c(data.data(), data.size()));
  return r;
}

namespace {
double now_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}
}  // namespace

TensorBoardWriter::TensorBoardWriter(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw std::runtime_error(dir + ": cannot create the TensorBoard directory: " + ec.message());
  char host[256] = "localhost";
  gethostname(host, sizeof host - 1);
  static std::atomic<int> counter{0};
  const double t = now_seconds();
  path_ = dir + "/events.out.tfevents." + std::to_string(static_cast<int64_t>(t)) + "." + host + "." +
          std::to_string(getpid()) + "." + std::to_string(counter++);
  file_ = std::fopen(path_.c_str(), "wb");
  if (!file_) throw std::runtime_error(path_ + ": cannot open for writing: " + std::strerror(errno));
  write(encode_file_version_event(t));
}

TensorBoardWriter::~TensorBoardWriter() {
  if (file_) std::fclose(file_);
}

void TensorBoardWriter::add_scalar(std::string_view tag, double value, int64_t step) {
  write(encode_scalar_event(tag, value, step, now_seconds()));
}

void TensorBoardWriter::write(const std::string& event) {
  const std::string r = frame_record(event);
  if (std::fwrite(r.data(), 1, r.size(), file_) != r.size() || std::fflush(file_) != 0)
    throw std::runtime_error(path_ + ": write failed: " + std::strerror(errno));
}

std::vector<ScalarEvent> read_scalar_events(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot open");
  const std::string file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<ScalarEvent> events;
  Cursor c{file, 0, file.size(), path};
  while (c.pos < file.size()) {
    const size_t start = c.pos;
    const uint64_t n = c.fixed<uint64_t>();
    if (c.fixed<uint32_t>() != masked_crc32c(file.data() + start, 8)) c.fail("record length CRC mismatch");
    if (n > file.size() - c.pos || file.size() - c.pos - n < 4) c.fail("truncated record");
    const size_t data = c.pos;
    c.pos += n;
    if (c.fixed<uint32_t>() != masked_crc32c(file.data() + data, n)) c.fail("record data CRC mismatch");
    // Event fields.
    Cursor e{file, data, data + n, path};
    double wall_time = 0;
    int64_t step = 0;
    std::vector<std::pair<size_t, size_t>> summaries;
    while (e.pos < e.end) {
      const uint64_t key = e.varint();
      const int field = static_cast<int>(key >> 3), wire = static_cast<int>(key & 7);
      if (field == 1 && wire == 1) wall_time = e.fixed<double>();
      else if (field == 2 && wire == 0) step = static_cast<int64_t>(e.varint());
      else if (field == 5 && wire == 2) summaries.push_back(e.bytes());
      else e.skip(wire);
    }
    for (auto [sb, se] : summaries) {
      Cursor s{file, sb, se, path};
      while (s.pos < s.end) {
        const uint64_t key = s.varint();
        if ((key >> 3) != 1 || (key & 7) != 2) { s.skip(static_cast<int>(key & 7)); continue; }
        auto [vb, ve] = s.bytes();
        Cursor v{file, vb, ve, path};
        ScalarEvent ev;
        ev.step = step, ev.wall_time = wall_time;
        bool has_value = false;
        while (v.pos < v.end) {
          const uint64_t k = v.varint();
          if ((k >> 3) == 1 && (k & 7) == 2) {
            auto [tb, te] = v.bytes();
            ev.tag.assign(file.data() + tb, te - tb);
          } else if ((k >> 3) == 2 && (k & 7) == 5) {
            ev.value = v.fixed<float>();
            has_value = true;
          } else {
            v.skip(static_cast<int>(k & 7));
          }
        }
        if (has_value) events.push_back(ev);
      }
    }
  }
  return events;
}

}  // namespace hg::nn
