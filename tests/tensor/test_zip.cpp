// CRC-32, DEFLATE/zlib and the zip container (tensor/crc32.h, tensor/deflate.h, tensor/zip.h):
// round trips, known check values, and one test per rejection rule, each checking that the single
// error names the archive (and member) and the problem.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "tensor/crc32.h"
#include "tensor/deflate.h"
#include "tensor/zip.h"
#include "tests/common/expect_throw.h"

using namespace hg;
using hg::testing::error_message;
using hg::testing::expect_error_parts;

namespace {

const char* kSource = "test.zip";

std::vector<uint8_t> bytes_of(const std::string& s) { return {s.begin(), s.end()}; }

// Compressible: random words from a small vocabulary (LZ77 finds repeats); else random bytes.
std::string random_text(size_t n, uint32_t seed, bool compressible) {
  std::mt19937 rng(seed);
  static const char* const kWords[] = {"mano ", "hand ", "joint ", "vertex ", "pose ", "shape ", "the ", "of "};
  std::string s;
  while (s.size() < n) {
    if (compressible)
      s += kWords[rng() % 8];
    else
      s.push_back(static_cast<char>(rng()));
  }
  s.resize(n);
  return s;
}

void put16(std::string& s, size_t at, uint16_t v) {
  s[at] = static_cast<char>(v & 0xFF);
  s[at + 1] = static_cast<char>(v >> 8);
}
void put32(std::string& s, size_t at, uint32_t v) {
  put16(s, at, static_cast<uint16_t>(v & 0xFFFF));
  put16(s, at + 2, static_cast<uint16_t>(v >> 16));
}
uint32_t get32(const std::string& s, size_t at) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(s[at + i]);
  return v;
}
// Offset of the first central directory header of an archive without a comment.
size_t central_of(const std::string& z) { return get32(z, z.size() - 22 + 16); }

std::vector<zip::Entry> parse(const std::string& z) { return zip::parse(z, kSource); }

// ---- CRC-32 and Adler-32 ----

TEST(Crc32, KnownCheckValues) {
  EXPECT_EQ(crc32("123456789", 9), 0xCBF43926u);
  EXPECT_EQ(crc32("", 0), 0u);
  EXPECT_EQ(crc32("The quick brown fox jumps over the lazy dog", 43), 0x414FA339u);
}

TEST(Crc32, Chains) {
  const std::string s = random_text(1000, 1, false);
  EXPECT_EQ(crc32(s.data() + 400, 600, crc32(s.data(), 400)), crc32(s.data(), s.size()));
}

TEST(Adler32, KnownValueAndChaining) {
  EXPECT_EQ(adler32("Wikipedia", 9), 0x11E60398u);
  EXPECT_EQ(adler32("", 0), 1u);
  const std::string s = random_text(20000, 2, false);  // longer than one 5552-byte run
  EXPECT_EQ(adler32(s.data() + 7000, s.size() - 7000, adler32(s.data(), 7000)), adler32(s.data(), s.size()));
}

// ---- DEFLATE / zlib ----

TEST(Deflate, RoundTripsEveryLevel) {
  for (const std::string& s : {std::string(), std::string("x"), random_text(100000, 3, true), random_text(70000, 4, false)})
    for (int level : {0, 1, 6, 9}) {
      const auto* p = reinterpret_cast<const uint8_t*>(s.data());
      const std::vector<uint8_t> raw = deflate_raw(p, s.size(), level);
      EXPECT_EQ(inflate_raw(raw.data(), raw.size(), s.size(), "raw"), bytes_of(s)) << "level " << level;
      const std::vector<uint8_t> z = deflate_zlib(p, s.size(), level);
      EXPECT_EQ(inflate_zlib(z.data(), z.size(), s.size(), "zlib"), bytes_of(s)) << "level " << level;
    }
}

TEST(Deflate, CompressesRepetitiveData) {
  const std::string s = random_text(100000, 5, true);
  EXPECT_LT(deflate_raw(reinterpret_cast<const uint8_t*>(s.data()), s.size(), 6).size(), s.size() / 2);
}

TEST(Deflate, OutputIsBounded) {
  const std::vector<uint8_t> zeros(1 << 22, 0);  // 4 MiB of zeros: a tiny stream
  const std::vector<uint8_t> z = deflate_raw(zeros.data(), zeros.size(), 6);
  EXPECT_EQ(inflate_raw(z.data(), z.size(), zeros.size(), "bomb").size(), zeros.size());
  expect_error_parts<DeflateError>([&] { inflate_raw(z.data(), z.size(), zeros.size() - 1, "bomb"); },
                             {"bomb: ", "more than 4194303 bytes"});
}

TEST(Deflate, CorruptStreamsThrow) {
  const std::vector<uint8_t> junk{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};  // BTYPE 3 is reserved
  expect_error_parts<DeflateError>([&] { inflate_raw(junk.data(), junk.size(), 100, "junk.bin"); },
                             {"junk.bin: corrupt DEFLATE data"});
  const std::vector<uint8_t> stored_bad_nlen{0x01, 0x05, 0x00, 0x00, 0x00, 'a'};  // NLEN != ~LEN
  expect_error_parts<DeflateError>([&] { inflate_raw(stored_bad_nlen.data(), stored_bad_nlen.size(), 100, "s"); },
                             {"s: corrupt DEFLATE data"});
}

TEST(Deflate, ZlibFrameChecks) {
  const std::string s = random_text(5000, 6, true);
  std::vector<uint8_t> z = deflate_zlib(reinterpret_cast<const uint8_t*>(s.data()), s.size(), 6);
  auto with = [&](size_t at, uint8_t v) {
    std::vector<uint8_t> c = z;
    c[at] = v;
    return c;
  };
  auto inflate = [](const std::vector<uint8_t>& c) { return [c] { inflate_zlib(c.data(), c.size(), 1 << 20, "z.bin"); }; };
  expect_error_parts<DeflateError>(inflate(with(0, 0x79)), {"z.bin: ", "compression method 9"});
  expect_error_parts<DeflateError>(inflate(with(1, static_cast<uint8_t>(z[1] ^ 1))), {"header check bits"});
  expect_error_parts<DeflateError>(inflate(with(z.size() - 1, static_cast<uint8_t>(z.back() ^ 1))), {"Adler-32 mismatch"});
  expect_error_parts<DeflateError>(inflate({0x78, 0x01}), {"shorter than its 6-byte frame"});
  // FDICT: header 0x78 0x20 | check bits.
  std::vector<uint8_t> dict{0x78, 0x20, 0, 0, 0, 0, 0};
  dict[1] = static_cast<uint8_t>(dict[1] + (31 - (0x78 * 256 + dict[1]) % 31) % 31);
  expect_error_parts<DeflateError>(inflate(dict), {"preset dictionaries"});
}

// ---- zip ----

TEST(Zip, RoundTripStoredAndDeflated) {
  const std::string text = random_text(30000, 7, true), noise = random_text(3000, 8, false);
  const std::vector<zip::Member> members{{"a.txt", text}, {"dir/noise.bin", noise}, {"empty", ""}};
  for (bool deflate : {false, true}) {
    const std::vector<zip::Entry> back = parse(zip::serialize(members, deflate));
    ASSERT_EQ(back.size(), 3u);
    EXPECT_EQ(back[0].name, "a.txt");
    EXPECT_EQ(back[0].data, text);
    EXPECT_EQ(back[0].method, deflate ? 8 : 0);
    EXPECT_EQ(back[1].data, noise);
    EXPECT_EQ(back[1].method, 0);  // incompressible: stored even when deflating
    EXPECT_EQ(back[2].data, "");
  }
  EXPECT_TRUE(parse(zip::serialize({}, true)).empty());
}

TEST(Zip, WriteAndReadFile) {
  const std::string dir = ::testing::TempDir() + "/hg_zip_" + std::to_string(::getpid());
  std::filesystem::create_directories(dir);
  zip::write(dir + "/x.zip", {{"k", "value"}}, true);
  const auto back = zip::read(dir + "/x.zip");
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].data, "value");
  expect_error_parts<zip::ZipError>([&] { zip::read(dir + "/missing.zip"); }, {dir + "/missing.zip: cannot open"});
  std::filesystem::remove_all(dir);
}

TEST(Zip, WriterRejectsBadNames) {
  for (const char* name : {"", "/abs", "../up", "a/../b", "back\\slash"})
    expect_error_parts<zip::ZipError>([&] { zip::serialize({{name, "x"}}, false); }, {"zip: '"});
  expect_error_parts<zip::ZipError>([&] { zip::serialize({{"a", "x"}, {"a", "y"}}, false); }, {"'a'", "duplicate name"});
}

TEST(Zip, CrcMismatchIsDetected) {
  std::string z = zip::serialize({{"data.bin", "hello world"}}, false);
  z[30 + 8] ^= 1;  // first data byte (local header 30 + name 8)
  expect_error_parts<zip::ZipError>([&] { parse(z); }, {"test.zip: 'data.bin': CRC-32 mismatch"});
  std::string d = zip::serialize({{"data.bin", random_text(5000, 9, true)}}, true);
  d[30 + 8 + 20] ^= 0x10;  // inside the deflated stream
  const std::string m = error_message<zip::ZipError>([&] { parse(d); });
  EXPECT_EQ(m.rfind("test.zip: 'data.bin': ", 0), 0u) << m;
}

TEST(Zip, EveryTruncationIsRejected) {
  const std::string z = zip::serialize({{"a", "first member"}, {"b", random_text(300, 10, true)}}, true);
  for (size_t n = 0; n < z.size(); ++n) {
    const std::string m = error_message<zip::ZipError>([&] { parse(z.substr(0, n)); });
    EXPECT_EQ(m.rfind("test.zip: ", 0), 0u) << "cut at " << n << ": " << m;
  }
}

TEST(Zip, NotAZip) {
  expect_error_parts<zip::ZipError>([&] { parse("short"); }, {"test.zip: not a zip archive"});
  expect_error_parts<zip::ZipError>([&] { parse(std::string(100, 'x')); }, {"no end-of-central-directory record"});
}

TEST(Zip, ReaderRejectsBadNames) {
  // Same-length replacements in both the local and the central header.
  for (const auto& [bad, problem] : std::vector<std::pair<std::string, std::string>>{
           {"../x", "'..' component"}, {"/abc", "absolute name"}, {"a\\bc", "backslash"},
           {std::string("ab\0d", 4), "'ab\\x00d': name contains a NUL byte"}}) {
    std::string z = zip::serialize({{"abcd", "x"}}, false);
    for (size_t at = z.find("abcd"); at != std::string::npos; at = z.find("abcd", at + 1)) z.replace(at, 4, bad);
    expect_error_parts<zip::ZipError>([&] { parse(z); }, {"test.zip: '", problem});
  }
  std::string dup = zip::serialize({{"aa", "1"}, {"ab", "2"}}, false);
  for (size_t at = dup.find("ab"); at != std::string::npos; at = dup.find("ab", at + 1)) dup.replace(at, 2, "aa");
  expect_error_parts<zip::ZipError>([&] { parse(dup); }, {"'aa': duplicate name"});
}

TEST(Zip, RejectsEncryptionAndUnknownMethods) {
  const std::string z = zip::serialize({{"m", "abc"}}, false);
  const size_t c = central_of(z);
  std::string enc = z;
  put16(enc, c + 8, 1);  // central flags: encrypted
  expect_error_parts<zip::ZipError>([&] { parse(enc); }, {"'m': encrypted"});
  std::string method = z;
  put16(method, c + 10, 14);   // LZMA
  put16(method, 8, 14);        // in the local header too
  expect_error_parts<zip::ZipError>([&] { parse(method); }, {"'m': compression method 14 is not supported"});
}

TEST(Zip, RejectsInconsistentHeaders) {
  const std::string z = zip::serialize({{"m", "abcdef"}}, false);
  const size_t c = central_of(z);
  std::string local_crc = z;
  put32(local_crc, 14, 1234);
  expect_error_parts<zip::ZipError>([&] { parse(local_crc); }, {"disagree on the CRC-32"});
  std::string local_size = z;
  put32(local_size, 22, 5);
  expect_error_parts<zip::ZipError>([&] { parse(local_size); }, {"disagree on the sizes"});
  std::string stored_sizes = z;
  put32(stored_sizes, c + 24, 7);  // uncompressed != compressed for a stored member
  expect_error_parts<zip::ZipError>([&] { parse(stored_sizes); }, {"stored member has compressed size 6"});
  std::string offset = z;
  put32(offset, c + 42, 1);
  expect_error_parts<zip::ZipError>([&] { parse(offset); }, {"'m': bad local header signature"});
  std::string past = z;
  put32(past, c + 20, 1000);  // compressed size beyond the data area
  put32(past, c + 24, 1000);
  expect_error_parts<zip::ZipError>([&] { parse(past); }, {"'m': "});
  std::string count = z;
  put16(count, z.size() - 22 + 8, 2);
  put16(count, z.size() - 22 + 10, 2);
  expect_error_parts<zip::ZipError>([&] { parse(count); }, {"test.zip: 2 entries cannot fit"});
  std::string disk = z;
  put16(disk, z.size() - 22 + 4, 1);
  expect_error_parts<zip::ZipError>([&] { parse(disk); }, {"multi-disk"});
  std::string cd = z;
  put32(cd, z.size() - 22 + 16, static_cast<uint32_t>(c - 1));
  expect_error_parts<zip::ZipError>([&] { parse(cd); }, {"central directory"});
}

TEST(Zip, RejectsSizesDeflateCannotReach) {
  std::string z = zip::serialize({{"bomb", std::string(10000, 'a')}}, true);
  const size_t c = central_of(z);
  ASSERT_EQ(z[c + 10], 8);
  const uint32_t csize = get32(z, c + 20);
  put32(z, c + 24, csize * 1033 + 2000);
  put32(z, 22, csize * 1033 + 2000);
  expect_error_parts<zip::ZipError>([&] { parse(z); }, {"'bomb': claims", "1032:1"});
}

TEST(Zip, RejectsArchivesOverTheLimits) {
  const std::string z = zip::serialize({{"a", std::string(1000, 'a')}, {"b", "x"}}, true);
  zip::Limits small;
  small.max_total_bytes = 1000;
  expect_error_parts<zip::ZipError>([&] { zip::parse(z, kSource, small); }, {"'b': archive's uncompressed size exceeds"});
  zip::Limits few;
  few.max_entries = 1;
  expect_error_parts<zip::ZipError>([&] { zip::parse(z, kSource, few); }, {"2 entries exceed the limit of 1"});
}

TEST(Zip, RejectsOverlappingMembers) {
  // Member "o" is a stored blob that itself contains a complete local record of member "i"; a second
  // central entry for "i" points into o's data. Both headers are valid — only the overlap is wrong.
  const std::string inner = zip::serialize({{"i", "xyz"}}, false);
  const size_t inner_cd = central_of(inner);
  const std::string inner_local = inner.substr(0, inner_cd);
  std::string outer = zip::serialize({{"o", inner_local}}, false);
  const size_t cd = central_of(outer);
  std::string central_o = outer.substr(cd, outer.size() - 22 - cd);
  std::string central_i = inner.substr(inner_cd, inner.size() - 22 - inner_cd);
  put32(central_i, 42, 30 + 1);  // o's data starts after its 30-byte header and 1-byte name
  std::string z = outer.substr(0, cd) + central_o + central_i + outer.substr(outer.size() - 22);
  const size_t end = z.size() - 22;
  put16(z, end + 8, 2);
  put16(z, end + 10, 2);
  put32(z, end + 12, static_cast<uint32_t>(central_o.size() + central_i.size()));
  expect_error_parts<zip::ZipError>([&] { parse(z); }, {"test.zip: 'i': overlaps member 'o'"});
}

TEST(Zip, ReadsZip64Records) {
  // Rewrite a classic archive's end record into the ZIP64 form: ZIP64 end record + locator + an end
  // record whose count/size/offset fields are the 0xFFFF/0xFFFFFFFF markers.
  const std::string z = zip::serialize({{"a", "alpha"}, {"b", "beta"}}, true);
  const size_t cd = central_of(z), cd_size = z.size() - 22 - cd;
  std::string rec(56, '\0');
  put32(rec, 0, 0x06064b50);
  put32(rec, 4, 44);  // size of the rest of the record (low half; high half 0)
  put16(rec, 12, 45);
  put16(rec, 14, 45);
  put32(rec, 24, 2);                                   // entries on this disk (low half)
  put32(rec, 32, 2);                                   // entries in total
  put32(rec, 40, static_cast<uint32_t>(cd_size));      // directory size
  put32(rec, 48, static_cast<uint32_t>(cd));           // directory offset
  std::string loc(20, '\0');
  put32(loc, 0, 0x07064b50);
  put32(loc, 8, static_cast<uint32_t>(z.size() - 22));  // where the ZIP64 end record starts
  put32(loc, 16, 1);
  std::string end = z.substr(z.size() - 22);
  put16(end, 8, 0xFFFF);
  put16(end, 10, 0xFFFF);
  put32(end, 12, 0xFFFFFFFF);
  put32(end, 16, 0xFFFFFFFF);
  const std::string z64 = z.substr(0, z.size() - 22) + rec + loc + end;
  const auto back = parse(z64);
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[1].data, "beta");
  // Markers without a locator are an error.
  expect_error_parts<zip::ZipError>([&] { parse(z.substr(0, z.size() - 22) + end); }, {"ZIP64 markers but no ZIP64 locator"});
}

TEST(Zip, ReadsZip64ExtraFields) {
  // A central entry whose sizes and offset live in the ZIP64 extra field (as large archives have).
  const std::string z = zip::serialize({{"m", "payload"}}, false);
  const size_t cd = central_of(z);
  std::string central = z.substr(cd, z.size() - 22 - cd);
  std::string extra(4 + 24, '\0');
  put16(extra, 0, 0x0001);
  put16(extra, 2, 24);
  put32(extra, 4, 7);   // uncompressed
  put32(extra, 12, 7);  // compressed
  put32(extra, 20, 0);  // local header offset
  put32(central, 20, 0xFFFFFFFF);
  put32(central, 24, 0xFFFFFFFF);
  put32(central, 42, 0xFFFFFFFF);
  put16(central, 30, static_cast<uint16_t>(extra.size()));
  central += extra;
  std::string out = z.substr(0, cd) + central + z.substr(z.size() - 22);
  put32(out, out.size() - 22 + 12, static_cast<uint32_t>(central.size()));
  ASSERT_EQ(parse(out).at(0).data, "payload");
  std::string short_extra = out;
  put16(short_extra, cd + 46 + 1 + 2, 16);  // the extra claims 16 bytes but three 8-byte values are needed
  expect_error_parts<zip::ZipError>([&] { parse(short_extra); }, {"'m': "});
}

}  // namespace
