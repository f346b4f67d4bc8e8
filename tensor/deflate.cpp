#include "tensor/deflate.h"

#include <stb_image.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <memory>

// libstb's stb_image_write.o exports this zlib compressor, but its header declares it only inside the
// implementation section; the declaration below matches that definition (C linkage, malloc'ed result).
extern "C" unsigned char* stbi_zlib_compress(unsigned char* data, int data_len, int* out_len, int quality);

namespace hg {
namespace {

constexpr size_t kInputPadding = 8;
constexpr size_t kStbLimit = static_cast<size_t>(INT_MAX) - kInputPadding;

[[noreturn]] void fail(const std::string& what, const std::string& problem) {
  throw DeflateError(what + ": " + problem);
}

// stb's compressor: a zlib stream (2-byte header, DEFLATE data, 4-byte Adler-32), malloc'ed.
std::vector<uint8_t> stb_zlib_stream(const uint8_t* data, size_t n, int level) {
  if (n > kStbLimit) throw DeflateError("deflate: input of " + std::to_string(n) + " bytes exceeds the 2 GiB limit");
  // stb's `quality` is how many earlier positions it remembers per hash bucket (at least 5).
  const int quality = std::max(5, 2 * level);
  int out_len = 0;
  // stb never writes through the pointer; its signature just is not const-correct.
  std::unique_ptr<unsigned char, decltype(&std::free)> out(
      stbi_zlib_compress(const_cast<unsigned char*>(data), static_cast<int>(n), &out_len, quality), &std::free);
  if (!out || out_len < 6) throw DeflateError("deflate: stb_image_write failed to compress " + std::to_string(n) + " bytes");
  return std::vector<uint8_t>(out.get(), out.get() + out_len);
}

// Stored blocks (RFC 1951 §3.2.4): per block of at most 65535 bytes a byte holding BFINAL and
// BTYPE = 00 (the rest of the byte is padding), then LEN and NLEN = ~LEN little-endian, then the bytes.
std::vector<uint8_t> stored_blocks(const uint8_t* data, size_t n) {
  std::vector<uint8_t> out;
  out.reserve(n + 5 * (n / 65535 + 1));
  size_t pos = 0;
  do {
    const size_t len = std::min<size_t>(n - pos, 65535);
    const bool final = pos + len == n;
    out.push_back(final ? 1 : 0);
    out.push_back(static_cast<uint8_t>(len & 0xFF));
    out.push_back(static_cast<uint8_t>(len >> 8));
    out.push_back(static_cast<uint8_t>(~len & 0xFF));
    out.push_back(static_cast<uint8_t>((~len >> 8) & 0xFF));
    out.insert(out.end(), data + pos, data + pos + len);
    pos += len;
  } while (pos < n);
  return out;
}

// stb keeps its last error in a thread-local string and some failures (e.g. block type 3) set none,
// so a stale "output buffer limit" could be misread. Decoding a stored block whose NLEN is not the
// complement of LEN sets the reason to "zlib corrupt" without touching any output.
void reset_stb_failure_reason() {
  static const char kBadStoredBlock[] = {0x01, 0x05, 0x00, 0x00, 0x00};
  char unused = 0;
  stbi_zlib_decode_noheader_buffer(&unused, 0, kBadStoredBlock, sizeof kBadStoredBlock);
}

void put_be32(std::vector<uint8_t>& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(v >> shift));
}

}  // namespace

uint32_t adler32(const void* data, size_t n, uint32_t adler) {
  constexpr uint32_t kMod = 65521;
  const auto* p = static_cast<const unsigned char*>(data);
  uint32_t a = adler & 0xFFFF, b = adler >> 16;
  while (n > 0) {
    // 5552 is the longest run whose sums cannot overflow 32 bits before the modulo (zlib's NMAX).
    const size_t run = std::min<size_t>(n, 5552);
    for (size_t i = 0; i < run; ++i) {
      a += p[i];
      b += a;
    }
    a %= kMod;
    b %= kMod;
    p += run;
    n -= run;
  }
  return (b << 16) | a;
}

std::vector<uint8_t> inflate_raw(const uint8_t* data, size_t n, size_t max_out, const std::string& what) {
  if (n > kStbLimit) fail(what, "compressed stream of " + std::to_string(n) + " bytes exceeds the 2 GiB limit");
  max_out = std::min(max_out, kStbLimit);
  // stb decodes into a fixed buffer and fails with "output buffer limit" when it is too small; grow
  // the buffer geometrically up to max_out (most streams fit the first guess: 1 MiB or 16× the input).
  size_t cap = std::min(max_out, std::max<size_t>(size_t{1} << 20, 16 * n));
  // stb 2.27 refuses to decode a Huffman code when fewer than 16 bits are buffered at the end of the
  // input, even if the code is shorter; a raw stream ending exactly at its last code would then fail.
  // Appending zero bytes avoids that (stb itself reads zeros past the end, so nothing else changes;
  // a truncated stream still fails or is caught by the caller's size/CRC check).
  std::vector<uint8_t> padded(n + kInputPadding, 0);
  if (n > 0) std::memcpy(padded.data(), data, n);
  for (;;) {
    std::vector<uint8_t> out(cap);
    reset_stb_failure_reason();
    const int got = stbi_zlib_decode_noheader_buffer(reinterpret_cast<char*>(out.data()), static_cast<int>(cap),
                                                     reinterpret_cast<const char*>(padded.data()),
                                                     static_cast<int>(padded.size()));
    if (got >= 0) {
      out.resize(static_cast<size_t>(got));
      return out;
    }
    const char* reason = stbi_failure_reason();
    const bool too_small = reason != nullptr && std::strcmp(reason, "output buffer limit") == 0;
    if (!too_small) fail(what, std::string("corrupt DEFLATE data (") + (reason ? reason : "unknown error") + ")");
    if (cap >= max_out) fail(what, "DEFLATE data expands to more than " + std::to_string(max_out) + " bytes");
    cap = std::min(max_out, 2 * cap);
  }
}

std::vector<uint8_t> deflate_raw(const uint8_t* data, size_t n, int level) {
  // stb emits no block at all for empty input (an invalid stream), so empty input gets one final
  // stored block of length 0.
  if (level <= 0 || n == 0) return stored_blocks(data, n);
  std::vector<uint8_t> z = stb_zlib_stream(data, n, level);
  return std::vector<uint8_t>(z.begin() + 2, z.end() - 4);  // strip the zlib header and Adler-32
}

std::vector<uint8_t> inflate_zlib(const uint8_t* data, size_t n, size_t max_out, const std::string& what) {
  if (n < 6) fail(what, "zlib stream of " + std::to_string(n) + " bytes is shorter than its 6-byte frame");
  const unsigned cmf = data[0], flg = data[1];
  if ((cmf & 0x0F) != 8) fail(what, "zlib compression method " + std::to_string(cmf & 0x0F) + " is not 8 (deflate)");
  if ((cmf >> 4) > 7) fail(what, "zlib window size field " + std::to_string(cmf >> 4) + " exceeds 7");
  if ((cmf * 256 + flg) % 31 != 0) fail(what, "zlib header check bits are wrong");
  if (flg & 0x20) fail(what, "zlib preset dictionaries are not supported");
  std::vector<uint8_t> out = inflate_raw(data + 2, n - 6, max_out, what);
  const uint8_t* t = data + n - 4;
  const uint32_t stored = (uint32_t{t[0]} << 24) | (uint32_t{t[1]} << 16) | (uint32_t{t[2]} << 8) | t[3];
  const uint32_t actual = adler32(out.data(), out.size());
  if (stored != actual) fail(what, "Adler-32 mismatch (stored " + std::to_string(stored) + ", computed " + std::to_string(actual) + ")");
  return out;
}

std::vector<uint8_t> deflate_zlib(const uint8_t* data, size_t n, int level) {
  if (level > 0 && n > 0) return stb_zlib_stream(data, n, level);
  // 0x78 0x01: deflate with a 32 KiB window, "fastest" flag, header check bits making it ≡ 0 mod 31.
  std::vector<uint8_t> out{0x78, 0x01};
  const std::vector<uint8_t> body = stored_blocks(data, n);
  out.insert(out.end(), body.begin(), body.end());
  put_be32(out, adler32(data, n));
  return out;
}

}  // namespace hg
