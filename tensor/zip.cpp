#include "tensor/zip.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <set>

#include "tensor/atomic_file.h"
#include "tensor/crc32.h"
#include "tensor/deflate.h"

namespace hg::zip {
namespace {

// Record signatures ("PK" + two bytes) and fixed record sizes (APPNOTE §4.3).
constexpr uint32_t kLocalSig = 0x04034b50, kCentralSig = 0x02014b50, kEndSig = 0x06054b50;
constexpr uint32_t kZip64EndSig = 0x06064b50, kZip64LocatorSig = 0x07064b50;
constexpr size_t kLocalSize = 30, kCentralSize = 46, kEndSize = 22, kZip64EndSize = 56, kZip64LocatorSize = 20;
constexpr uint16_t kZip64ExtraId = 0x0001;
constexpr uint16_t kFlagEncrypted = 0x0001, kFlagDescriptor = 0x0008, kFlagStrongEncryption = 0x0040,
                   kFlagUtf8 = 0x0800;
constexpr uint16_t kMethodStored = 0, kMethodDeflated = 8;
constexpr uint64_t kDeflateMaxRatio = 1032;  // 258 bytes per 2 bits: the most any DEFLATE stream expands
constexpr uint16_t kDosDate1980 = (0 << 9) | (1 << 5) | 1;  // 1980-01-01 in MS-DOS date format

std::string quote(const std::string& s) { return quoted(s); }

[[noreturn]] void fail(const std::string& where, const std::string& problem) { throw ZipError(where + ": " + problem); }

uint16_t get16(const unsigned char* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }
uint32_t get32(const unsigned char* p) { return uint32_t{get16(p)} | (uint32_t{get16(p + 2)} << 16); }
uint64_t get64(const unsigned char* p) { return uint64_t{get32(p)} | (uint64_t{get32(p + 4)} << 32); }

// The rules every member name obeys (also enforced when writing).
std::string name_problem(const std::string& name) {
  if (name.empty()) return "empty name";
  if (name.find('\0') != std::string::npos) return "name contains a NUL byte";
  if (name.find('\\') != std::string::npos) return "name contains a backslash";
  if (name.front() == '/') return "absolute name";
  size_t start = 0;
  for (;;) {
    const size_t slash = name.find('/', start);
    const std::string part = name.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (part == "..") return "name contains a '..' component";
    if (slash == std::string::npos) return "";
    start = slash + 1;
  }
}

// What the central directory says about one member.
struct CentralRecord {
  std::string name;
  uint16_t flags = 0, method = 0;
  uint32_t crc = 0;
  uint64_t compressed = 0, uncompressed = 0, local_offset = 0;
};

// Looks through an extra-field block for the ZIP64 record and replaces each of `fields` that holds
// the 0xFFFFFFFF marker by the next 8-byte value of that record (order: uncompressed, compressed,
// offset — APPNOTE §4.5.3).
void apply_zip64_extra(const unsigned char* extra, size_t n, const std::vector<uint64_t*>& fields,
                       const std::string& where) {
  size_t pos = 0;
  while (pos < n) {
    if (n - pos < 4) fail(where, "extra field block ends inside a field header");
    const uint16_t id = get16(extra + pos), len = get16(extra + pos + 2);
    pos += 4;
    if (len > n - pos)
      fail(where, "extra field " + std::to_string(id) + " claims " + std::to_string(len) + " bytes but only " +
                      std::to_string(n - pos) + " remain");
    if (id == kZip64ExtraId) {
      size_t at = 0;
      for (uint64_t* f : fields) {
        if (*f != 0xFFFFFFFFu) continue;
        if (at + 8 > len) fail(where, "ZIP64 extra field is too short for the sizes it must hold");
        *f = get64(extra + pos + at);
        at += 8;
      }
      return;
    }
    pos += len;
  }
  for (uint64_t* f : fields)
    if (*f == 0xFFFFFFFFu) fail(where, "a size or offset is 0xFFFFFFFF but there is no ZIP64 extra field");
}

struct Directory {
  uint64_t entries = 0, offset = 0, size = 0, end = 0;  // `end`: where the directory must end
};

// Finds the end-of-central-directory record (and its ZIP64 form, when present).
Directory find_directory(std::string_view bytes, const std::string& source) {
  const auto* b = reinterpret_cast<const unsigned char*>(bytes.data());
  const size_t n = bytes.size();
  if (n < kEndSize) fail(source, "not a zip archive (" + std::to_string(n) + " bytes, less than an end record)");
  // The record is 22 bytes plus a comment of up to 65535 bytes that must reach the end of the file.
  size_t end_pos = std::string::npos;
  const size_t lowest = n - kEndSize >= 65535 ? n - kEndSize - 65535 : 0;
  for (size_t pos = n - kEndSize + 1; pos-- > lowest;)
    if (get32(b + pos) == kEndSig && pos + kEndSize + get16(b + pos + 20) == n) {
      end_pos = pos;
      break;
    }
  if (end_pos == std::string::npos)
    fail(source, "no end-of-central-directory record (not a zip archive, or truncated)");
  const unsigned char* e = b + end_pos;
  if (get16(e + 4) != 0 || get16(e + 6) != 0) fail(source, "multi-disk archives are not supported");
  if (get16(e + 8) != get16(e + 10)) fail(source, "entry counts of this disk and of the archive differ");
  Directory d{get16(e + 10), get32(e + 16), get32(e + 12), end_pos};

  const bool locator = end_pos >= kZip64LocatorSize && get32(b + end_pos - kZip64LocatorSize) == kZip64LocatorSig;
  if (locator) {
    const unsigned char* l = b + end_pos - kZip64LocatorSize;
    const uint64_t rec = get64(l + 8);
    if (get32(l + 4) != 0 || get32(l + 16) > 1) fail(source, "multi-disk archives are not supported");
    if (rec > end_pos - kZip64LocatorSize || end_pos - kZip64LocatorSize - rec < kZip64EndSize)
      fail(source, "ZIP64 end record offset " + std::to_string(rec) + " is outside the file");
    const unsigned char* z = b + rec;
    if (get32(z) != kZip64EndSig) fail(source, "ZIP64 locator does not point at a ZIP64 end record");
    if (get32(z + 16) != 0 || get32(z + 20) != 0) fail(source, "multi-disk archives are not supported");
    if (get64(z + 24) != get64(z + 32)) fail(source, "entry counts of this disk and of the archive differ");
    d = Directory{get64(z + 32), get64(z + 48), get64(z + 40), rec};
  } else if (d.entries == 0xFFFF || d.offset == 0xFFFFFFFFu || d.size == 0xFFFFFFFFu) {
    fail(source, "end record has ZIP64 markers but no ZIP64 locator precedes it");
  }
  if (d.offset > d.end || d.size != d.end - d.offset)
    fail(source, "central directory (offset " + std::to_string(d.offset) + ", " + std::to_string(d.size) +
                     " bytes) does not end where the end record starts (" + std::to_string(d.end) + ")");
  return d;
}

std::vector<CentralRecord> read_central(std::string_view bytes, const Directory& d, const std::string& source,
                                        const Limits& limits) {
  const auto* b = reinterpret_cast<const unsigned char*>(bytes.data());
  if (d.entries > limits.max_entries)
    fail(source, std::to_string(d.entries) + " entries exceed the limit of " + std::to_string(limits.max_entries));
  if (d.entries > d.size / kCentralSize)
    fail(source, std::to_string(d.entries) + " entries cannot fit a " + std::to_string(d.size) + "-byte central directory");
  std::vector<CentralRecord> out;
  out.reserve(d.entries);
  uint64_t pos = d.offset;
  const uint64_t end = d.offset + d.size;
  for (uint64_t i = 0; i < d.entries; ++i) {
    const std::string at = source + ": central directory entry " + std::to_string(i);
    if (end - pos < kCentralSize) fail(at, "runs past the end of the central directory");
    const unsigned char* c = b + pos;
    if (get32(c) != kCentralSig) fail(at, "bad signature at offset " + std::to_string(pos));
    CentralRecord r;
    r.flags = get16(c + 8);
    r.method = get16(c + 10);
    r.crc = get32(c + 16);
    r.compressed = get32(c + 20);
    r.uncompressed = get32(c + 24);
    const size_t name_len = get16(c + 28), extra_len = get16(c + 30), comment_len = get16(c + 32);
    uint64_t disk = get16(c + 34);
    r.local_offset = get32(c + 42);
    if (end - pos - kCentralSize < uint64_t{name_len} + extra_len + comment_len)
      fail(at, "name, extra field and comment run past the end of the central directory");
    r.name.assign(reinterpret_cast<const char*>(c + kCentralSize), name_len);
    const std::string where = source + ": " + quote(r.name);
    apply_zip64_extra(c + kCentralSize + name_len, extra_len, {&r.uncompressed, &r.compressed, &r.local_offset}, where);
    if (disk != 0) fail(where, "lives on another disk (multi-disk archives are not supported)");
    out.push_back(std::move(r));
    pos += kCentralSize + name_len + extra_len + comment_len;
  }
  if (pos != end) fail(source, "central directory holds " + std::to_string(end - pos) + " bytes after its last entry");
  return out;
}

// Checks the local header of `r` against the directory and returns where its data starts.
uint64_t check_local(std::string_view bytes, const CentralRecord& r, uint64_t data_limit, const std::string& where) {
  const auto* b = reinterpret_cast<const unsigned char*>(bytes.data());
  if (r.local_offset > data_limit || data_limit - r.local_offset < kLocalSize)
    fail(where, "local header offset " + std::to_string(r.local_offset) + " is outside the archive's data");
  const unsigned char* l = b + r.local_offset;
  if (get32(l) != kLocalSig) fail(where, "bad local header signature at offset " + std::to_string(r.local_offset));
  const uint16_t flags = get16(l + 6), method = get16(l + 8);
  const size_t name_len = get16(l + 26), extra_len = get16(l + 28);
  const uint64_t header_end = r.local_offset + kLocalSize + name_len + extra_len;
  if (header_end > data_limit) fail(where, "local header runs into the central directory");
  if (std::string_view(reinterpret_cast<const char*>(l + kLocalSize), name_len) != r.name)
    fail(where, "local header names a different file");
  if (method != r.method) fail(where, "local header and central directory disagree on the compression method");
  if ((flags & kFlagDescriptor) != (r.flags & kFlagDescriptor))
    fail(where, "local header and central directory disagree on the data-descriptor flag");
  if (!(flags & kFlagDescriptor)) {
    // Without a data descriptor the local header repeats CRC and sizes (sizes possibly in ZIP64 form).
    uint64_t compressed = get32(l + 18), uncompressed = get32(l + 22);
    apply_zip64_extra(l + kLocalSize + name_len, extra_len, {&uncompressed, &compressed}, where + " (local header)");
    if (get32(l + 14) != r.crc) fail(where, "local header and central directory disagree on the CRC-32");
    if (compressed != r.compressed || uncompressed != r.uncompressed)
      fail(where, "local header and central directory disagree on the sizes");
  }
  if (r.compressed > data_limit - header_end)
    fail(where, "compressed data (" + std::to_string(r.compressed) + " bytes at offset " + std::to_string(header_end) +
                    ") runs past the archive's data");
  return header_end;
}

void put16(std::string& s, uint16_t v) {
  s.push_back(static_cast<char>(v & 0xFF));
  s.push_back(static_cast<char>(v >> 8));
}
void put32(std::string& s, uint32_t v) {
  put16(s, static_cast<uint16_t>(v & 0xFFFF));
  put16(s, static_cast<uint16_t>(v >> 16));
}

}  // namespace

std::string read_whole_file(const std::string& path) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) fail(path, std::string("cannot open: ") + std::strerror(errno));
  std::string bytes;
  char buf[1 << 16];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, f.get())) > 0;) bytes.append(buf, n);
  if (std::ferror(f.get())) fail(path, "read error");
  return bytes;
}

std::string quoted(std::string_view text) {
  std::string out = "'";
  for (unsigned char c : text) {
    if (c < 0x20 || c == 0x7F || c == '\'' || c == '\\') {
      char buf[5];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out + "'";
}

std::vector<Entry> parse(std::string_view bytes, const std::string& source, const Limits& limits) {
  const auto* b = reinterpret_cast<const unsigned char*>(bytes.data());
  const Directory dir = find_directory(bytes, source);
  const std::vector<CentralRecord> records = read_central(bytes, dir, source, limits);

  // Every member's [local header, end of data) must lie before the directory and overlap no other.
  std::vector<std::pair<uint64_t, uint64_t>> spans;
  std::set<std::string> names;
  uint64_t total = 0;
  std::vector<uint64_t> data_start(records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    const CentralRecord& r = records[i];
    const std::string where = source + ": " + quote(r.name);
    if (const std::string p = name_problem(r.name); !p.empty()) fail(where, p);
    if (!names.insert(r.name).second) fail(where, "duplicate name");
    if (r.flags & (kFlagEncrypted | kFlagStrongEncryption)) fail(where, "encrypted members are not supported");
    if (r.method != kMethodStored && r.method != kMethodDeflated)
      fail(where, "compression method " + std::to_string(r.method) + " is not supported (only 0 stored, 8 deflated)");
    if (r.method == kMethodStored && r.compressed != r.uncompressed)
      fail(where, "stored member has compressed size " + std::to_string(r.compressed) + " != uncompressed size " +
                      std::to_string(r.uncompressed));
    if (r.method == kMethodDeflated && r.uncompressed / kDeflateMaxRatio > r.compressed)
      fail(where, "claims " + std::to_string(r.uncompressed) + " bytes from " + std::to_string(r.compressed) +
                      " compressed bytes, more than DEFLATE's 1032:1 maximum");
    if (r.uncompressed > limits.max_total_bytes - total)
      fail(where, "archive's uncompressed size exceeds the limit of " + std::to_string(limits.max_total_bytes) + " bytes");
    total += r.uncompressed;
    data_start[i] = check_local(bytes, r, dir.offset, where);
    spans.emplace_back(r.local_offset, data_start[i] + r.compressed);
  }
  std::vector<size_t> order(spans.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t x, size_t y) { return spans[x].first < spans[y].first; });
  for (size_t k = 1; k < order.size(); ++k)
    if (spans[order[k]].first < spans[order[k - 1]].second)
      fail(source + ": " + quote(records[order[k]].name), "overlaps member " + quote(records[order[k - 1]].name));

  std::vector<Entry> out;
  out.reserve(records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    const CentralRecord& r = records[i];
    const std::string where = source + ": " + quote(r.name);
    Entry e{r.name, {}, r.method, r.compressed};
    const unsigned char* data = b + data_start[i];
    if (r.method == kMethodStored) {
      e.data.assign(reinterpret_cast<const char*>(data), r.compressed);
    } else {
      std::vector<uint8_t> raw;
      try {
        raw = inflate_raw(data, r.compressed, r.uncompressed, where);
      } catch (const DeflateError& err) {
        throw ZipError(err.what());
      }
      if (raw.size() != r.uncompressed)
        fail(where, "inflates to " + std::to_string(raw.size()) + " bytes, the directory says " +
                        std::to_string(r.uncompressed));
      e.data.assign(reinterpret_cast<const char*>(raw.data()), raw.size());
    }
    const uint32_t crc = crc32(e.data.data(), e.data.size());
    if (crc != r.crc)
      fail(where, "CRC-32 mismatch (stored " + std::to_string(r.crc) + ", computed " + std::to_string(crc) + ")");
    out.push_back(std::move(e));
  }
  return out;
}

std::vector<Entry> read(const std::string& path, const Limits& limits) {
  const std::string bytes = read_whole_file(path);
  return parse(bytes, path, limits);
}

std::string serialize(const std::vector<Member>& members, bool deflate) {
  if (members.size() >= 0xFFFF) throw ZipError("zip: " + std::to_string(members.size()) + " members need ZIP64, which the writer does not produce");
  std::set<std::string> names;
  std::string out, central;
  for (const Member& m : members) {
    const std::string where = "zip: " + quote(m.name);
    if (const std::string p = name_problem(m.name); !p.empty()) throw ZipError(where + ": " + p);
    if (m.name.size() > 0xFFFF) throw ZipError(where + ": name longer than 65535 bytes");
    if (!names.insert(m.name).second) throw ZipError(where + ": duplicate name");
    const auto* src = reinterpret_cast<const uint8_t*>(m.data.data());
    std::vector<uint8_t> packed;
    uint16_t method = kMethodStored;
    if (deflate && !m.data.empty()) {
      packed = deflate_raw(src, m.data.size(), 6);
      if (packed.size() < m.data.size()) method = kMethodDeflated;
    }
    const std::string_view body = method == kMethodDeflated
                                      ? std::string_view(reinterpret_cast<const char*>(packed.data()), packed.size())
                                      : m.data;
    const uint64_t offset = out.size();
    if (m.data.size() >= 0xFFFFFFFFu || offset + kLocalSize + m.name.size() + body.size() >= 0xFFFFFFFFu)
      throw ZipError(where + ": archive would exceed 4 GiB and need ZIP64, which the writer does not produce");
    const uint32_t crc = crc32(m.data.data(), m.data.size());
    const bool ascii = std::all_of(m.name.begin(), m.name.end(), [](char c) { return (c & 0x80) == 0; });
    const uint16_t flags = ascii ? 0 : kFlagUtf8;
    // Local header (APPNOTE §4.3.7).
    put32(out, kLocalSig);
    put16(out, 20);  // version needed: 2.0 (deflate)
    put16(out, flags);
    put16(out, method);
    put16(out, 0);  // time 00:00:00
    put16(out, kDosDate1980);
    put32(out, crc);
    put32(out, static_cast<uint32_t>(body.size()));
    put32(out, static_cast<uint32_t>(m.data.size()));
    put16(out, static_cast<uint16_t>(m.name.size()));
    put16(out, 0);  // no extra field
    out += m.name;
    out += body;
    // Central directory header (§4.3.12).
    put32(central, kCentralSig);
    put16(central, 20);  // made by: MS-DOS attributes, version 2.0
    put16(central, 20);
    put16(central, flags);
    put16(central, method);
    put16(central, 0);
    put16(central, kDosDate1980);
    put32(central, crc);
    put32(central, static_cast<uint32_t>(body.size()));
    put32(central, static_cast<uint32_t>(m.data.size()));
    put16(central, static_cast<uint16_t>(m.name.size()));
    put16(central, 0);  // extra
    put16(central, 0);  // comment
    put16(central, 0);  // disk
    put16(central, 0);  // internal attributes
    put32(central, 0);  // external attributes
    put32(central, static_cast<uint32_t>(offset));
    central += m.name;
  }
  const uint64_t cd_offset = out.size();
  if (cd_offset + central.size() >= 0xFFFFFFFFu)
    throw ZipError("zip: archive would exceed 4 GiB and need ZIP64, which the writer does not produce");
  out += central;
  put32(out, kEndSig);
  put16(out, 0);
  put16(out, 0);
  put16(out, static_cast<uint16_t>(members.size()));
  put16(out, static_cast<uint16_t>(members.size()));
  put32(out, static_cast<uint32_t>(central.size()));
  put32(out, static_cast<uint32_t>(cd_offset));
  put16(out, 0);  // no comment
  return out;
}

void write(const std::string& path, const std::vector<Member>& members, bool deflate) {
  write_built_file<ZipError>(path, [&] { return serialize(members, deflate); });
}

}  // namespace hg::zip
