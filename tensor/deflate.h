// DEFLATE (RFC 1951) and the zlib wrapper (RFC 1950), as thin, bounded wrappers over stb's codecs
// (libstb: stb_image's inflater, stb_image_write's deflater).
//
// inflate_raw decodes a raw DEFLATE stream and refuses to produce more than `max_out` bytes, so a
// small "zip bomb" cannot exhaust memory. inflate_zlib additionally checks the 2-byte zlib header and
// the Adler-32 of the output against the stream's last 4 bytes (the input must be exactly one zlib
// stream, as in a PNG's concatenated IDAT chunks). Every failure throws DeflateError
// "<what>: <problem>".
//
// deflate_raw / deflate_zlib compress; level 0 writes stored (uncompressed) blocks, levels 1..9 use
// stb's LZ77 + fixed-Huffman coder with a longer match search for higher levels (stb falls back to
// stored blocks by itself when compression would grow the data). stb codes with fixed Huffman tables
// only, so it compresses less than zlib (float64 noise: ~4 % smaller vs zlib's ~8 %); any inflater
// reads its output.
// Limits: inputs and outputs are below 2 GiB (stb counts in int); larger ones throw DeflateError.
#pragma once
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace hg {

struct DeflateError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::vector<uint8_t> inflate_raw(const uint8_t* data, size_t n, size_t max_out, const std::string& what);
std::vector<uint8_t> deflate_raw(const uint8_t* data, size_t n, int level = 6);

std::vector<uint8_t> inflate_zlib(const uint8_t* data, size_t n, size_t max_out, const std::string& what);
std::vector<uint8_t> deflate_zlib(const uint8_t* data, size_t n, int level = 6);

// Adler-32 (RFC 1950 §8.2): a = 1 + Σ bytes, b = Σ a after each byte, both mod 65521; value b·2¹⁶ + a.
// Chainable like crc32: adler32(b, nb, adler32(a, na)) is the checksum of a‖b; adler32(nothing) = 1.
uint32_t adler32(const void* data, size_t n, uint32_t adler = 1);

}  // namespace hg
