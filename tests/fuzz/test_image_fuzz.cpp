// Fuzz: image::decode_u8 / decode_png16 on 30,000 deterministic mutations of valid PNG (8/16-bit,
// 1-4 channels, palette) and JPEG files. Mutations are byte-level (bit flips, byte replacement,
// insertion/deletion, truncation) and structure-aware (a PNG chunk's data changed with its CRC
// fixed so the change reaches the decoder, chunks dropped/duplicated/reordered, hostile IHDR fields;
// a JPEG segment's bytes changed, segments dropped or duplicated, markers spliced into the scan).
// Each input must decode to the size its header states or throw ImageError (one line, starting
// with the source name) -- never crash, never throw anything else.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "mutators.h"
#include "tensor/crc32.h"
#include "tensor/factory.h"
#include "tensor/image_io.h"
#include "tests/common/compare.h"

using namespace hg;
using namespace hg::fuzz;
using hg::testing::fixture_bytes;
namespace img = hg::image;

namespace {

std::vector<std::string> seed_files() {
  Generator g(5);
  std::vector<std::string> s;
  // Smooth-ish content so the JPEGs have structure; small sizes keep each decode to microseconds.
  auto picture = [&](int64_t h, int64_t w, int64_t c) {
    Tensor t = randint(0, 256, {h, w, c}, DType::u8, &g);
    uint8_t* p = t.data<uint8_t>();
    for (int64_t i = 0; i < h * w * c; ++i) p[i] = static_cast<uint8_t>((p[i] / 4) + 3 * (i / c % w) + 5 * (i / c / w));
    return t;
  };
  for (int64_t c = 1; c <= 4; ++c) s.push_back(img::encode_png(picture(9, 13, c), 6));
  s.push_back(img::encode_png(picture(16, 16, 3), 0));  // stored blocks
  s.push_back(img::encode_png16(randint(0, 65536, {7, 11}, DType::i32, &g)));
  s.push_back(img::encode_jpeg(picture(16, 24, 3), 90));
  s.push_back(img::encode_jpeg(picture(20, 12, 3), 40));
  s.push_back(img::encode_jpeg(picture(8, 8, 1), 100));
  for (const char* name : {"image_grey16.png", "image_rgba8.png", "image_palette.png", "image_rgb.jpg"}) {
    std::string f = fixture_bytes(name);
    if (!f.empty()) s.push_back(f);
  }
  return s;
}

bool is_png(const std::string& f) { return f.size() >= 8 && f.compare(0, 4, "\x89PNG") == 0; }

uint32_t be32(const std::string& f, size_t at) {
  return (uint32_t{static_cast<uint8_t>(f[at])} << 24) | (uint32_t{static_cast<uint8_t>(f[at + 1])} << 16) |
         (uint32_t{static_cast<uint8_t>(f[at + 2])} << 8) | static_cast<uint8_t>(f[at + 3]);
}
void put_be32(std::string& f, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) f[at + i] = static_cast<char>(v >> (24 - 8 * i));
}

struct Chunk {
  size_t at, length;  // offset of the length field, data length
};
// The chunks of a (possibly damaged) PNG, as far as they lie inside the file.
std::vector<Chunk> chunks(const std::string& f) {
  std::vector<Chunk> out;
  for (size_t at = 8; at + 12 <= f.size();) {
    const size_t len = be32(f, at);
    if (len > f.size() - at - 12) break;
    out.push_back({at, len});
    at += 12 + len;
  }
  return out;
}
void fix_crc(std::string& f, const Chunk& c) { put_be32(f, c.at + 8 + c.length, crc32(f.data() + c.at + 4, 4 + c.length)); }

std::string mutate_png(std::string f, Rng& r) {
  std::vector<Chunk> cs = chunks(f);
  if (cs.empty()) return flip_bits(f, r);
  const Chunk c = r.pick(cs);
  switch (r.below(5)) {
    case 0: {  // hostile IHDR field, CRC fixed
      if (f.compare(cs[0].at + 4, 4, "IHDR") != 0 || cs[0].length < 13) return flip_bits(f, r);
      const size_t d = cs[0].at + 8;
      switch (r.below(5)) {
        case 0: put_be32(f, d, r.pick(std::vector<uint32_t>{0, 1, 2, 3, 255, 65536, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF})); break;
        case 1: put_be32(f, d + 4, r.pick(std::vector<uint32_t>{0, 1, 2, 3, 255, 65536, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF})); break;
        case 2: f[d + 8] = static_cast<char>(r.pick(std::vector<int>{0, 1, 2, 3, 4, 5, 8, 16, 32, 255})); break;
        case 3: f[d + 9] = static_cast<char>(r.below(8)); break;
        default: f[d + 10 + r.below(3)] = static_cast<char>(r.below(3)); break;
      }
      fix_crc(f, cs[0]);
      return f;
    }
    case 1: {  // a chunk's data scrambled, CRC fixed (reaches the inflater and the filters)
      for (uint64_t k = 0, n = 1 + r.below(6); k < n && c.length > 0; ++k)
        f[c.at + 8 + r.below(c.length)] = static_cast<char>(r.next());
      fix_crc(f, c);
      return f;
    }
    case 2:  // a chunk dropped
      return f.erase(c.at, 12 + c.length);
    case 3:  // a chunk duplicated
      return f.insert(c.at, f.substr(c.at, 12 + c.length));
    default: {  // IDAT replaced by a valid zlib stream of random bytes (wrong length / bad filters)
      std::string junk(1 + r.below(400), '\0');
      for (char& ch : junk) ch = static_cast<char>(r.coin() ? r.next() : 0);
      const std::string png = img::encode_png([&] {
        Tensor t = Tensor::empty({1, static_cast<int64_t>(std::max<size_t>(junk.size(), 1)), 1}, DType::u8);
        for (size_t i = 0; i < junk.size(); ++i) t.data<uint8_t>()[i] = static_cast<uint8_t>(junk[i]);
        return t;
      }());
      for (const Chunk& k : chunks(png))
        if (png.compare(k.at + 4, 4, "IDAT") == 0)
          for (const Chunk& mine : cs)
            if (f.compare(mine.at + 4, 4, "IDAT") == 0) return f.replace(mine.at, 12 + mine.length, png.substr(k.at, 12 + k.length));
      return f;
    }
  }
}

// Marker segment starts (offset of the 0xFF) of a JPEG's header part, up to the first scan.
std::vector<size_t> segments(const std::string& f) {
  std::vector<size_t> out;
  for (size_t at = 2; at + 4 <= f.size();) {
    if (static_cast<uint8_t>(f[at]) != 0xFF) break;
    const uint8_t m = static_cast<uint8_t>(f[at + 1]);
    const size_t len = (size_t{static_cast<uint8_t>(f[at + 2])} << 8) | static_cast<uint8_t>(f[at + 3]);
    out.push_back(at);
    if (m == 0xDA || len < 2) break;
    at += 2 + len;
  }
  return out;
}

std::string mutate_jpeg(std::string f, Rng& r) {
  const std::vector<size_t> segs = segments(f);
  if (segs.empty()) return flip_bits(f, r);
  const size_t s = r.pick(segs);
  const size_t len = s + 4 <= f.size() ? (size_t{static_cast<uint8_t>(f[s + 2])} << 8) | static_cast<uint8_t>(f[s + 3]) : 0;
  switch (r.below(5)) {
    case 0:  // bytes inside a header segment (SOF sizes, tables, scan header)
      for (uint64_t k = 0, n = 1 + r.below(4); k < n && len > 2; ++k)
        if (s + 4 + (len - 2) <= f.size()) f[s + 4 + r.below(len - 2)] = static_cast<char>(r.coin() ? r.next() : r.below(4));
      return f;
    case 1:  // a segment dropped or duplicated
      if (s + 2 + len > f.size()) return f;
      return r.coin() ? f.erase(s, 2 + len) : f.insert(s, f.substr(s, 2 + len));
    case 2: {  // markers spliced into the entropy-coded data
      const size_t scan = segs.back() + 2 + len;
      if (scan >= f.size()) return f;
      const size_t at = scan + r.below(f.size() - scan);
      static const std::vector<std::string> markers{"\xFF\xD0", "\xFF\xD7", "\xFF\xD9", "\xFF\xDA", "\xFF\xC4",
                                                    "\xFF\x00", "\xFF\xFF", "\xFF\xD8"};
      return f.insert(at, r.pick(markers));
    }
    case 3: {  // the entropy-coded data scrambled
      const size_t scan = segs.back() + 2 + len;
      for (uint64_t k = 0, n = 1 + r.below(8); k < n && scan + 2 < f.size(); ++k)
        f[scan + r.below(f.size() - scan - 2)] = static_cast<char>(r.next());
      return f;
    }
    default:  // the SOF's size fields set to extremes
      for (size_t at : segs)
        if (at + 9 <= f.size() && (static_cast<uint8_t>(f[at + 1]) == 0xC0 || static_cast<uint8_t>(f[at + 1]) == 0xC2)) {
          const uint16_t v = r.pick(std::vector<uint16_t>{0, 1, 7, 8, 9, 255, 4096, 32768, 65535});
          const size_t field = at + 5 + 2 * r.below(2);
          f[field] = static_cast<char>(v >> 8);
          f[field + 1] = static_cast<char>(v & 0xFF);
        }
      return f;
  }
}

std::string mutate(const std::string& f, Rng& r, std::string& kind) {
  if (const uint64_t which = r.below(8); which < 4) return byte_mutation(which, f, r, kind);
  kind = is_png(f) ? "png structure" : "jpeg structure";
  return is_png(f) ? mutate_png(f, r) : mutate_jpeg(f, r);
}

const std::vector<std::string> kRules{"truncated PNG", "CRC mismatch", "truncated JPEG", "corrupt JPEG",
                                      "cannot decode", "unsupported image format", "invalid bit depth",
                                      "exceeds the limit", "cannot hold", "expected a 16-bit greyscale PNG",
                                      "invalid image size"};

}  // namespace

TEST(ImageFuzz, MutatedFilesNeverCrash) {
  const auto start = std::chrono::steady_clock::now();
  const std::vector<std::string> seeds = seed_files();
  ASSERT_GE(seeds.size(), 9u);
  Rng r{777};
  Tally tally;
  constexpr int kInputs = 30000;
  for (int i = 0; i < kInputs; ++i) {
    std::string kind, f = seeds[r.below(seeds.size())];
    for (uint64_t k = 0, n = 1 + r.below(2); k < n; ++k) f = mutate(f, r, kind);
    const std::string what = "input " + std::to_string(i) + " (" + kind + ")";
    const bool sixteen = r.below(4) == 0;
    const int channels = static_cast<int>(r.below(5));
    try {
      const img::Info info = img::inspect(f, "fuzz.img");
      const Tensor t = sixteen ? img::decode_png16(f, "fuzz.img") : img::decode_u8(f, "fuzz.img", channels);
      ++tally.loaded;
      ASSERT_EQ(t.size(0), info.height) << what;
      ASSERT_EQ(t.size(1), info.width) << what;
      if (!sixteen) {
        ASSERT_EQ(t.size(2), channels ? channels : info.channels) << what;
      }
    } catch (const img::ImageError& e) {
      ASSERT_NO_FATAL_FAILURE(record_rejection(e.what(), "fuzz.img: ", kRules, tally, what));
    }
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("image fuzz: %d inputs, %d decoded, %d rejected, %.2f s\n", kInputs, tally.loaded, tally.rejected, seconds);
  EXPECT_GT(tally.loaded, 500);  // e.g. scrambled JPEG scans still decode (JPEG has no checksum)
  EXPECT_GT(tally.rejected, 5000);
  expect_every_rule_reached(kRules, tally);
}
