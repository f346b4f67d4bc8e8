#include "tensor/image_io.h"

#include <fcntl.h>
#include <stb_image.h>
#include <stb_image_write.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "tensor/crc32.h"
#include "tensor/deflate.h"
#include "tensor/view.h"

namespace hg::image {
namespace {

constexpr unsigned char kPngSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

[[noreturn]] void fail(const std::string& source, const std::string& problem) {
  throw ImageError(source + ": " + problem);
}

const unsigned char* bytes_of(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }
uint32_t be32(const unsigned char* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}
uint32_t be16(const unsigned char* p) { return (uint32_t{p[0]} << 8) | p[1]; }
std::string hex_byte(unsigned v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02X", v & 0xFFu);
  return buf;
}
void put_be32(std::string& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((v >> shift) & 0xFF);
}

void check_size(int64_t width, int64_t height, const std::string& source) {
  if (width <= 0 || height <= 0)
    fail(source, "invalid image size " + std::to_string(width) + "x" + std::to_string(height));
  if (width > kMaxSide || height > kMaxSide || width * height > kMaxPixels)
    fail(source, "image size " + std::to_string(width) + "x" + std::to_string(height) +
                     " exceeds the limit (" + std::to_string(kMaxSide) + " per side, " + std::to_string(kMaxPixels) +
                     " pixels)");
}

// ---- PNG container: signature, then chunks [length (4, big-endian)][type (4)][data][CRC-32 of type+data] ----

bool valid_png_depth(int colour_type, int depth) {
  switch (colour_type) {
    case 0: return depth == 1 || depth == 2 || depth == 4 || depth == 8 || depth == 16;  // grey
    case 3: return depth == 1 || depth == 2 || depth == 4 || depth == 8;                 // palette
    case 2: case 4: case 6: return depth == 8 || depth == 16;                            // RGB, grey+alpha, RGBA
    default: return false;
  }
}

Info inspect_png(std::string_view bytes, const std::string& source) {
  const unsigned char* b = bytes_of(bytes);
  const size_t n = bytes.size();
  Info info{Format::png};
  bool seen_header = false, seen_data = false, seen_transparency = false;
  int colour_type = 0;
  uint64_t compressed = 0;  // total IDAT bytes
  size_t pos = 8;
  for (;;) {
    if (pos + 8 > n) fail(source, "truncated PNG (no IEND chunk; file ends at byte " + std::to_string(n) + ")");
    const uint32_t length = be32(b + pos);
    const std::string type(reinterpret_cast<const char*>(b + pos + 4), 4);
    for (char c : type)
      if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')))
        fail(source, "corrupt PNG: invalid chunk type at byte " + std::to_string(pos + 4));
    if (length > 0x7FFFFFFFu) fail(source, "corrupt PNG: chunk '" + type + "' has length " + std::to_string(length));
    if (pos + 12 + length > n)
      fail(source, "truncated PNG (chunk '" + type + "' at byte " + std::to_string(pos) + " needs " +
                       std::to_string(12 + length) + " bytes, " + std::to_string(n - pos) + " left)");
    const unsigned char* data = b + pos + 8;
    if (crc32(b + pos + 4, 4 + length) != be32(data + length))
      fail(source, "corrupt PNG: CRC mismatch in chunk '" + type + "' at byte " + std::to_string(pos));
    if (!seen_header && type != "IHDR") fail(source, "corrupt PNG: the first chunk is '" + type + "', not 'IHDR'");
    if (type == "IHDR") {
      if (seen_header) fail(source, "corrupt PNG: a second IHDR chunk");
      if (length != 13) fail(source, "corrupt PNG: IHDR has length " + std::to_string(length) + ", not 13");
      seen_header = true;
      info.width = be32(data);
      info.height = be32(data + 4);
      info.bit_depth = data[8];
      colour_type = data[9];
      if (!valid_png_depth(colour_type, info.bit_depth))
        fail(source, "corrupt PNG: invalid bit depth " + std::to_string(info.bit_depth) + " for colour type " +
                         std::to_string(colour_type));
      if (data[10] != 0 || data[11] != 0 || data[12] > 1)
        fail(source, "corrupt PNG: unknown compression/filter/interlace method in IHDR");
      check_size(info.width, info.height, source);
    } else if (type == "IDAT") {
      seen_data = true;
      compressed += length;
    } else if (type == "tRNS") {
      seen_transparency = true;
    } else if (type == "IEND") {
      break;  // bytes after IEND are ignored, as every decoder does
    }
    pos += 12 + length;
  }
  if (!seen_data) fail(source, "corrupt PNG: no IDAT chunk");
  // DEFLATE expands at most 1032-fold, so a header claiming more rows than the data can hold is a
  // lie; rejecting it here keeps the decoder from allocating for it.
  static constexpr int kSamples[7] = {1, 0, 3, 1, 2, 0, 4};  // samples per pixel by colour type
  const uint64_t row_bytes = (static_cast<uint64_t>(info.width) * kSamples[colour_type] * info.bit_depth + 7) / 8;
  const uint64_t needed = (row_bytes + 1) * static_cast<uint64_t>(info.height);
  if (needed > 1032 * compressed + 1024)
    fail(source, "corrupt PNG: " + std::to_string(compressed) + " bytes of image data cannot hold " +
                     std::to_string(info.width) + "x" + std::to_string(info.height) + " pixels");
  static constexpr int kChannels[7] = {1, 0, 3, 3, 2, 0, 4};
  info.channels = kChannels[colour_type] + (seen_transparency && (colour_type == 0 || colour_type == 2 || colour_type == 3));
  if (info.bit_depth < 8) info.bit_depth = 8;  // stb expands 1/2/4-bit samples to bytes
  return info;
}

// ---- JPEG container: SOI, marker segments [FF xx][length (2, incl. itself)][...], entropy-coded data after
// each SOS (where FF is always followed by 00 or a restart marker), EOI ----
//
// Beyond the layout, the tables a decoder will use must exist: stb_image reads its Huffman and
// quantisation tables (and a progressive image's coefficients) from memory it never initialises, so
// a file that references an undefined table, or a progressive file whose scans never send some
// coefficients, would decode to garbage that varies from run to run. Such files are rejected:
//   - every component's quantisation table is defined (DQT) before the first scan;
//   - a baseline scan's components have their DC and AC Huffman tables defined (DHT) before it;
//     a progressive scan needs the DC table for a first DC scan, the AC table for an AC scan;
//   - over a progressive image's first scans (Ah = 0), each component receives all 64 coefficients.

struct JpegTables {
  bool quant[4] = {}, dc[4] = {}, ac[4] = {};
  struct Component {
    int id = 0, quant = 0;
    uint64_t sent = 0;  // coefficients covered by first scans (progressive)
  };
  std::vector<Component> components;
  bool progressive = false, scanned = false;
};

// DQT: one or more tables [Pq:4 Tq:4][64 or 128 bytes].
void read_quant_tables(const unsigned char* p, const unsigned char* end, JpegTables& t, const std::string& source) {
  while (p < end) {
    const int precision = p[0] >> 4, id = p[0] & 15;
    const ptrdiff_t size = 1 + (precision ? 128 : 64);
    if (id > 3 || precision > 1 || end - p < size) fail(source, "corrupt JPEG: bad quantisation table segment");
    t.quant[id] = true;
    p += size;
  }
}

// DHT: one or more tables [Tc:4 Th:4][16 code counts][the symbols].
void read_huffman_tables(const unsigned char* p, const unsigned char* end, JpegTables& t, const std::string& source) {
  while (p < end) {
    if (end - p < 17) fail(source, "corrupt JPEG: bad Huffman table segment");
    const int cls = p[0] >> 4, id = p[0] & 15;
    ptrdiff_t symbols = 0;
    for (int k = 1; k <= 16; ++k) symbols += p[k];
    if (cls > 1 || id > 3 || end - p < 17 + symbols) fail(source, "corrupt JPEG: bad Huffman table segment");
    (cls == 0 ? t.dc : t.ac)[id] = true;
    p += 17 + symbols;
  }
}

// SOS header: Ns, Ns × [Cs][Td:4 Ta:4], Ss, Se, [Ah:4 Al:4].
void check_scan(const unsigned char* p, size_t length, JpegTables& t, const std::string& source) {
  if (t.components.empty()) fail(source, "corrupt JPEG: scan before the frame header");
  const size_t count = length >= 3 ? p[0] : 0;
  if (count == 0 || length != 6 + 2 * count) fail(source, "corrupt JPEG: bad scan header");
  if (!t.scanned)
    for (const auto& c : t.components)
      if (!t.quant[c.quant]) fail(source, "corrupt JPEG: quantisation table " + std::to_string(c.quant) + " is not defined");
  t.scanned = true;
  const int ss = p[1 + 2 * count], se = p[2 + 2 * count], ah = p[3 + 2 * count] >> 4;
  for (size_t k = 0; k < count; ++k) {
    const int id = p[1 + 2 * k], td = p[2 + 2 * k] >> 4, ta = p[2 + 2 * k] & 15;
    auto c = std::find_if(t.components.begin(), t.components.end(), [&](const auto& x) { return x.id == id; });
    if (c == t.components.end()) fail(source, "corrupt JPEG: scan of an unknown component " + std::to_string(id));
    if (td > 3 || ta > 3) fail(source, "corrupt JPEG: bad Huffman table id in a scan");
    const bool need_dc = t.progressive ? ss == 0 && ah == 0 : true, need_ac = t.progressive ? ss > 0 : true;
    if ((need_dc && !t.dc[td]) || (need_ac && !t.ac[ta]))
      fail(source, "corrupt JPEG: a scan uses an undefined Huffman table");
    if (t.progressive && ah == 0 && ss <= se && se < 64)
      for (int z = ss; z <= se; ++z) c->sent |= uint64_t{1} << z;
  }
}

Info inspect_jpeg(std::string_view bytes, const std::string& source) {
  const unsigned char* b = bytes_of(bytes);
  const size_t n = bytes.size();
  const std::string truncated = "truncated JPEG (no end-of-image marker)";
  Info info{Format::jpeg};
  JpegTables tables;
  size_t pos = 2;
  for (;;) {
    if (pos >= n) fail(source, truncated);
    if (b[pos] != 0xFF) fail(source, "corrupt JPEG: expected a marker at byte " + std::to_string(pos));
    while (pos < n && b[pos] == 0xFF) ++pos;  // fill bytes
    if (pos >= n) fail(source, truncated);
    const unsigned marker = b[pos++];
    if (marker == 0xD9) break;                                             // EOI
    if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) continue;    // standalone markers
    if (marker == 0x00 || marker == 0xD8)
      fail(source, "corrupt JPEG: unexpected marker " + hex_byte(marker) + " at byte " + std::to_string(pos - 1));
    if (pos + 2 > n) fail(source, truncated);
    const size_t length = be16(b + pos);
    if (length < 2) fail(source, "corrupt JPEG: segment length " + std::to_string(length) + " at byte " + std::to_string(pos));
    if (pos + length > n) fail(source, truncated);
    const unsigned char* body = b + pos + 2;
    const bool frame = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    if (frame) {
      if (!tables.components.empty()) fail(source, "corrupt JPEG: a second frame header");
      if (length < 8) fail(source, "corrupt JPEG: frame header too short");
      info.height = be16(body + 1);
      info.width = be16(body + 3);
      const int components = body[5];
      if (components != 1 && components != 3 && components != 4)
        fail(source, "unsupported JPEG with " + std::to_string(components) + " components");
      if (length != 8 + 3 * static_cast<size_t>(components)) fail(source, "corrupt JPEG: bad frame header length");
      for (int k = 0; k < components; ++k) {
        const int quant = body[8 + 3 * k];
        if (quant > 3) fail(source, "corrupt JPEG: bad quantisation table id " + std::to_string(quant));
        tables.components.push_back({body[6 + 3 * k], quant, 0});
      }
      tables.progressive = (marker & 3) == 2;  // C2 (and the unsupported C6, CA, CE)
      info.channels = components == 1 ? 1 : 3;
      check_size(info.width, info.height, source);
    } else if (marker == 0xDB) {
      read_quant_tables(body, b + pos + length, tables, source);
    } else if (marker == 0xC4) {
      read_huffman_tables(body, b + pos + length, tables, source);
    } else if (marker == 0xDA) {
      check_scan(body, length, tables, source);
    }
    pos += length;
    if (marker == 0xDA) {  // skip the entropy-coded scan up to the next real marker
      while (pos + 1 < n && !(b[pos] == 0xFF && b[pos + 1] != 0x00 && !(b[pos + 1] >= 0xD0 && b[pos + 1] <= 0xD7) &&
                              b[pos + 1] != 0xFF))
        ++pos;
      if (pos + 1 >= n) fail(source, truncated);
    }
  }
  if (tables.components.empty()) fail(source, "corrupt JPEG: no frame header");
  if (!tables.scanned) fail(source, "corrupt JPEG: no image data (no scan)");
  if (tables.progressive)
    for (const auto& c : tables.components)
      if (c.sent != ~uint64_t{0}) fail(source, "incomplete progressive JPEG (some coefficients are never sent)");
  return info;
}

const char* format_name(Format f) { return f == Format::jpeg ? "JPEG" : "PNG"; }

std::string stb_reason() {
  const char* r = stbi_failure_reason();
  return r ? r : "unknown error";
}

// ---- PNG writing ----

// The Paeth predictor (PNG spec §9.4): whichever of left, up, up-left is closest to left + up - up-left.
int paeth(int a, int b, int c) {
  const int p = a + b - c, pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
  if (pa <= pb && pa <= pc) return a;
  return pb <= pc ? b : c;
}

// Filters each row with the type (None, Sub, Up, Average, Paeth) whose output has the smallest sum of
// absolute signed bytes -- the usual heuristic -- and prefixes it with the type byte.
std::vector<uint8_t> filter_rows(const uint8_t* raw, int64_t height, int64_t row_bytes, int bpp) {
  std::vector<uint8_t> out(static_cast<size_t>(height * (row_bytes + 1)));
  std::vector<uint8_t> candidate[5];
  for (auto& c : candidate) c.resize(static_cast<size_t>(row_bytes));
  const std::vector<uint8_t> zeros(static_cast<size_t>(row_bytes), 0);
  for (int64_t y = 0; y < height; ++y) {
    const uint8_t* row = raw + y * row_bytes;
    const uint8_t* up = y > 0 ? raw + (y - 1) * row_bytes : zeros.data();
    int best = 0;
    uint64_t best_cost = UINT64_MAX;
    for (int type = 0; type < 5; ++type) {
      uint64_t cost = 0;
      for (int64_t i = 0; i < row_bytes; ++i) {
        const int a = i >= bpp ? row[i - bpp] : 0, b = up[i], c = i >= bpp ? up[i - bpp] : 0;
        const int pred = type == 0 ? 0 : type == 1 ? a : type == 2 ? b : type == 3 ? (a + b) / 2 : paeth(a, b, c);
        const auto v = static_cast<uint8_t>(row[i] - pred);
        candidate[type][static_cast<size_t>(i)] = v;
        cost += static_cast<uint64_t>(std::abs(static_cast<int>(static_cast<int8_t>(v))));
      }
      if (cost < best_cost) {
        best_cost = cost;
        best = type;
      }
    }
    uint8_t* dst = out.data() + y * (row_bytes + 1);
    dst[0] = static_cast<uint8_t>(best);
    std::memcpy(dst + 1, candidate[best].data(), static_cast<size_t>(row_bytes));
  }
  return out;
}

void append_chunk(std::string& out, const char* type, const uint8_t* data, size_t length) {
  put_be32(out, static_cast<uint32_t>(length));
  const size_t start = out.size();
  out.append(type, 4);
  if (length) out.append(reinterpret_cast<const char*>(data), length);
  put_be32(out, crc32(out.data() + start, 4 + length));
}

// A complete PNG: IHDR, one IDAT (the zlib stream of the filtered rows), IEND.
std::string png_file(const uint8_t* raw, int64_t width, int64_t height, int bit_depth, int colour_type, int channels,
                     int level) {
  const int bpp = channels * bit_depth / 8;
  const std::vector<uint8_t> filtered = filter_rows(raw, height, width * bpp, bpp);
  const std::vector<uint8_t> z = deflate_zlib(filtered.data(), filtered.size(), std::clamp(level, 0, 9));
  std::string out(reinterpret_cast<const char*>(kPngSignature), 8);
  uint8_t header[13] = {};
  for (int i = 0; i < 4; ++i) {
    header[i] = static_cast<uint8_t>(static_cast<uint32_t>(width) >> (24 - 8 * i));
    header[4 + i] = static_cast<uint8_t>(static_cast<uint32_t>(height) >> (24 - 8 * i));
  }
  header[8] = static_cast<uint8_t>(bit_depth);
  header[9] = static_cast<uint8_t>(colour_type);  // compression, filter method, interlace stay 0
  append_chunk(out, "IHDR", header, 13);
  append_chunk(out, "IDAT", z.data(), z.size());
  append_chunk(out, "IEND", nullptr, 0);
  return out;
}

// [H, W] or [H, W, C] u8 -> contiguous [H, W, C], checking C against `allowed`.
Tensor as_hwc_u8(const Tensor& t, const char* what, std::initializer_list<int64_t> allowed) {
  if (!t.defined()) throw std::invalid_argument(std::string(what) + ": undefined tensor");
  if (t.dtype() != DType::u8 || (t.dim() != 2 && t.dim() != 3))
    throw std::invalid_argument(std::string(what) + ": expected u8 [H, W] or [H, W, C], got " + dtype_name(t.dtype()) +
                                " " + t.shape_string());
  Tensor c = ops::contiguous(ops::to_device(t, Device::cpu()));
  if (c.dim() == 2) c = ops::view(c, {c.size(0), c.size(1), 1});
  if (std::find(allowed.begin(), allowed.end(), c.size(2)) == allowed.end())
    throw std::invalid_argument(std::string(what) + ": unsupported channel count in " + t.shape_string());
  if (c.size(0) <= 0 || c.size(1) <= 0 || c.size(0) > kMaxSide || c.size(1) > kMaxSide)
    throw std::invalid_argument(std::string(what) + ": invalid image size " + t.shape_string());
  return c;
}

}  // namespace

Info inspect(std::string_view bytes, const std::string& source) {
  if (bytes.size() > static_cast<size_t>(INT_MAX)) fail(source, "file of " + std::to_string(bytes.size()) + " bytes is too large");
  if (bytes.size() >= 8 && std::memcmp(bytes.data(), kPngSignature, 8) == 0) return inspect_png(bytes, source);
  const unsigned char* b = bytes_of(bytes);
  if (bytes.size() >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF) return inspect_jpeg(bytes, source);
  if (bytes.empty()) fail(source, "empty file");
  fail(source, "unsupported image format (not JPEG or PNG)");
}

Tensor decode_u8(std::string_view bytes, const std::string& source, int channels) {
  if (channels < 0 || channels > 4) throw std::invalid_argument("decode_u8: channels must be 0..4, got " + std::to_string(channels));
  const Info info = inspect(bytes, source);
  int w = 0, h = 0, stored = 0;
  std::unique_ptr<stbi_uc, decltype(&stbi_image_free)> pixels(
      stbi_load_from_memory(bytes_of(bytes), static_cast<int>(bytes.size()), &w, &h, &stored, channels), &stbi_image_free);
  if (!pixels) fail(source, std::string("cannot decode ") + format_name(info.format) + ": " + stb_reason());
  if (w != info.width || h != info.height) fail(source, "decoded size disagrees with the header");
  const int c = channels ? channels : stored;
  Tensor out = Tensor::empty({h, w, c}, DType::u8);
  std::memcpy(out.raw_data(), pixels.get(), static_cast<size_t>(h) * w * c);
  return out;
}

Tensor decode_png16(std::string_view bytes, const std::string& source) {
  const Info info = inspect(bytes, source);
  if (info.format != Format::png || info.bit_depth != 16 || info.channels != 1)
    fail(source, std::string("expected a 16-bit greyscale PNG, got a ") + std::to_string(info.bit_depth) + "-bit " +
                     format_name(info.format) + " with " + std::to_string(info.channels) + " channel(s)");
  int w = 0, h = 0, stored = 0;
  std::unique_ptr<stbi_us, decltype(&stbi_image_free)> pixels(
      stbi_load_16_from_memory(bytes_of(bytes), static_cast<int>(bytes.size()), &w, &h, &stored, 1), &stbi_image_free);
  if (!pixels) fail(source, "cannot decode PNG: " + stb_reason());
  if (w != info.width || h != info.height) fail(source, "decoded size disagrees with the header");
  Tensor out = Tensor::empty({h, w}, DType::i32);
  int32_t* dst = out.data<int32_t>();
  for (int64_t i = 0, n = static_cast<int64_t>(w) * h; i < n; ++i) dst[i] = pixels.get()[i];
  return out;
}

std::string read_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail(path, std::string("cannot open: ") + std::strerror(errno));
  std::unique_ptr<int, void (*)(int*)> guard(new int(fd), [](int* p) { ::close(*p); delete p; });
  struct stat st {};
  if (::fstat(fd, &st) != 0) fail(path, std::string("cannot stat: ") + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) fail(path, "not a regular file");
  std::string data(static_cast<size_t>(st.st_size), '\0');
  size_t got = 0;
  while (got < data.size()) {
    const ssize_t r = ::read(fd, data.data() + got, data.size() - got);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) fail(path, std::string("read failed: ") + std::strerror(errno));
    if (r == 0) break;
    got += static_cast<size_t>(r);
  }
  data.resize(got);
  return data;
}

void write_file(const std::string& path, std::string_view bytes) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "wb"), &std::fclose);
  if (!f) fail(path, std::string("cannot create: ") + std::strerror(errno));
  if (!bytes.empty() && std::fwrite(bytes.data(), 1, bytes.size(), f.get()) != bytes.size())
    fail(path, std::string("write failed: ") + std::strerror(errno));
  if (std::fclose(f.release()) != 0) fail(path, std::string("write failed: ") + std::strerror(errno));
}

Tensor read_u8(const std::string& path, int channels) { return decode_u8(read_file(path), path, channels); }
Tensor read_png16(const std::string& path) { return decode_png16(read_file(path), path); }
Tensor read_rgb(const std::string& path) { return to_chw_float(read_u8(path, 3)); }
Tensor read_grey(const std::string& path) { return to_chw_float(read_u8(path, 1)); }

Tensor read_depth_mm(const std::string& path) {
  const Tensor mm = read_png16(path);
  Tensor out = Tensor::empty({1, mm.size(0), mm.size(1)}, DType::f32);
  const int32_t* src = mm.data<int32_t>();
  float* dst = out.data<float>();
  for (int64_t i = 0, n = mm.numel(); i < n; ++i) dst[i] = static_cast<float>(src[i]) * 0.001f;
  return out;
}

Tensor to_chw_float(const Tensor& hwc_u8) {
  const Tensor c = as_hwc_u8(hwc_u8, "to_chw_float", {1, 2, 3, 4});
  const int64_t h = c.size(0), w = c.size(1), ch = c.size(2);
  Tensor out = Tensor::empty({ch, h, w}, DType::f32);
  const uint8_t* src = c.data<uint8_t>();
  float* dst = out.data<float>();
  for (int64_t k = 0; k < ch; ++k)
    for (int64_t p = 0; p < h * w; ++p) dst[k * h * w + p] = static_cast<float>(src[p * ch + k]) * (1.0f / 255.0f);
  return out;
}

Tensor to_hwc_u8(const Tensor& chw) {
  if (!chw.defined() || !is_floating(chw.dtype()) || (chw.dim() != 2 && chw.dim() != 3))
    throw std::invalid_argument("to_hwc_u8: expected a floating [C, H, W] or [H, W] tensor, got " +
                                (chw.defined() ? std::string(dtype_name(chw.dtype())) + " " + chw.shape_string() : "undefined"));
  Tensor c = ops::contiguous(ops::to_dtype(ops::to_device(chw, Device::cpu()), DType::f32));
  if (c.dim() == 2) c = ops::view(c, {1, c.size(0), c.size(1)});
  const int64_t ch = c.size(0), h = c.size(1), w = c.size(2);
  Tensor out = Tensor::empty({h, w, ch}, DType::u8);
  const float* src = c.data<float>();
  uint8_t* dst = out.data<uint8_t>();
  for (int64_t k = 0; k < ch; ++k)
    for (int64_t p = 0; p < h * w; ++p) {
      const float v = src[k * h * w + p];
      const float clamped = v >= 1.0f ? 1.0f : (v > 0.0f ? v : 0.0f);  // NaN -> 0
      dst[p * ch + k] = static_cast<uint8_t>(clamped * 255.0f + 0.5f);  // round half up (non-negative)
    }
  return out;
}

Tensor depth_to_mm(const Tensor& metres) {
  if (!metres.defined() || !is_floating(metres.dtype()) ||
      !(metres.dim() == 2 || (metres.dim() == 3 && metres.size(0) == 1)))
    throw std::invalid_argument("depth_to_mm: expected a floating [1, H, W] or [H, W] tensor, got " +
                                (metres.defined() ? std::string(dtype_name(metres.dtype())) + " " + metres.shape_string()
                                                  : "undefined"));
  const Tensor c = ops::contiguous(ops::to_dtype(ops::to_device(metres, Device::cpu()), DType::f64));
  const int64_t h = c.size(-2), w = c.size(-1);
  Tensor out = Tensor::empty({h, w}, DType::i32);
  const double* src = c.data<double>();
  int32_t* dst = out.data<int32_t>();
  for (int64_t i = 0; i < h * w; ++i) {
    const double mm = std::round(src[i] * 1000.0);
    dst[i] = mm > 0 ? static_cast<int32_t>(std::min(mm, 65535.0)) : 0;  // NaN and negatives -> 0
  }
  return out;
}

std::string encode_png(const Tensor& hwc_u8, int level) {
  const Tensor c = as_hwc_u8(hwc_u8, "encode_png", {1, 2, 3, 4});
  static constexpr int kColourType[5] = {0, 0, 4, 2, 6};  // by channel count
  const int ch = static_cast<int>(c.size(2));
  return png_file(c.data<uint8_t>(), c.size(1), c.size(0), 8, kColourType[ch], ch, level);
}

std::string encode_png16(const Tensor& values, int level) {
  if (!values.defined() || is_floating(values.dtype()) || values.dtype() == DType::boolean ||
      !(values.dim() == 2 || (values.dim() == 3 && values.size(0) == 1)))
    throw std::invalid_argument("encode_png16: expected an integer [H, W] or [1, H, W] tensor, got " +
                                (values.defined() ? std::string(dtype_name(values.dtype())) + " " + values.shape_string()
                                                  : "undefined"));
  const Tensor c = ops::contiguous(ops::to_dtype(ops::to_device(values, Device::cpu()), DType::i64));
  const int64_t h = c.size(-2), w = c.size(-1);
  if (h <= 0 || w <= 0 || h > kMaxSide || w > kMaxSide)
    throw std::invalid_argument("encode_png16: invalid image size " + values.shape_string());
  const int64_t* src = c.data<int64_t>();
  std::vector<uint8_t> raw(static_cast<size_t>(2 * h * w));
  for (int64_t i = 0; i < h * w; ++i) {
    if (src[i] < 0 || src[i] > 65535)
      throw std::invalid_argument("encode_png16: value " + std::to_string(src[i]) + " at flat index " +
                                  std::to_string(i) + " is outside 0..65535");
    raw[2 * i] = static_cast<uint8_t>(src[i] >> 8);  // PNG samples are big-endian
    raw[2 * i + 1] = static_cast<uint8_t>(src[i] & 0xFF);
  }
  return png_file(raw.data(), w, h, 16, 0, 1, level);
}

std::string encode_jpeg(const Tensor& hwc_u8, int quality) {
  if (quality < 1 || quality > 100) throw std::invalid_argument("encode_jpeg: quality must be 1..100, got " + std::to_string(quality));
  const Tensor c = as_hwc_u8(hwc_u8, "encode_jpeg", {1, 3});
  std::string out;
  auto append = [](void* context, void* data, int size) {
    static_cast<std::string*>(context)->append(static_cast<const char*>(data), static_cast<size_t>(size));
  };
  if (!stbi_write_jpg_to_func(append, &out, static_cast<int>(c.size(1)), static_cast<int>(c.size(0)),
                              static_cast<int>(c.size(2)), c.data<uint8_t>(), quality))
    throw std::runtime_error("encode_jpeg: stb_image_write failed for " + hwc_u8.shape_string());
  return out;
}

void write_png(const std::string& path, const Tensor& hwc_u8, int level) { write_file(path, encode_png(hwc_u8, level)); }
void write_png16(const std::string& path, const Tensor& values, int level) {
  write_file(path, encode_png16(values, level));
}
void write_jpeg(const std::string& path, const Tensor& hwc_u8, int quality) {
  write_file(path, encode_jpeg(hwc_u8, quality));
}

}  // namespace hg::image
