// Image I/O: exact PNG round trips (8-bit 1-4 channels, 16-bit grey), JPEG within tolerance, files
// written by PIL (tests/reference/make_image_fixtures.py), and one-line rejection of corrupt,
// truncated and unsupported files naming the file.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "tensor/crc32.h"
#include "tensor/factory.h"
#include "tensor/image_io.h"
#include "tests/common/expect_throw.h"

using namespace hg;
namespace img = hg::image;
using hg::testing::error_message;
using hg::testing::kNoError;

namespace {

// A scratch folder for this process, removed at exit.
struct TempDir {
  std::string path;
  TempDir() {
    const auto d = std::filesystem::temp_directory_path() / ("hg_image_io_" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    path = d.string();
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
};
const std::string& temp_dir() {
  static const TempDir dir;
  return dir.path;
}

Tensor random_u8(const Shape& s, uint64_t seed) {
  Generator g(seed);
  return randint(0, 256, s, DType::u8, &g);
}

// The call must throw one ImageError line starting with "<source>: " and mentioning `problem`.
void expect_rejected(const std::function<void()>& f, const std::string& source, const std::string& problem) {
  const std::string m = error_message<img::ImageError>(f);
  EXPECT_EQ(m.rfind(source + ": ", 0), 0u) << m;
  EXPECT_NE(m.find(problem), std::string::npos) << "message: " << m << "\nexpected to mention: " << problem;
  EXPECT_EQ(m.find('\n'), std::string::npos) << m;
}

std::string fixture(const std::string& name) { return std::string(HG_FIXTURE_DIR) + "/" + name; }

}  // namespace

TEST(ImageIo, Png8RoundTripIsExactForEveryChannelCount) {
  for (int64_t c = 1; c <= 4; ++c) {
    const Tensor t = random_u8({13, 17, c}, 10 + c);
    for (int level : {0, 1, 6, 9}) {
      const std::string png = img::encode_png(t, level);
      const img::Info info = img::inspect(png, "x.png");
      EXPECT_EQ(info.format, img::Format::png);
      EXPECT_EQ(info.width, 17);
      EXPECT_EQ(info.height, 13);
      EXPECT_EQ(info.channels, c);
      EXPECT_EQ(img::decode_u8(png, "x.png").to_vector<int>(), t.to_vector<int>()) << "channels " << c;
    }
  }
  // A 2-D tensor is one channel; a smooth image compresses.
  Tensor ramp = Tensor::empty({64, 64}, DType::u8);
  for (int64_t i = 0; i < 64 * 64; ++i) ramp.data<uint8_t>()[i] = static_cast<uint8_t>(i % 64 + i / 64);
  const std::string png = img::encode_png(ramp);
  EXPECT_LT(png.size(), 64u * 64u / 4u);
  EXPECT_EQ(img::decode_u8(png, "ramp.png").sizes(), (Shape{64, 64, 1}));
}

TEST(ImageIo, Png16RoundTripIsExact) {
  Generator g(3);
  Tensor v = randint(0, 65536, {9, 11}, DType::i32, &g);
  v.data<int32_t>()[0] = 0;
  v.data<int32_t>()[1] = 65535;
  v.data<int32_t>()[2] = 256;
  for (int level : {0, 6}) {
    const std::string path = temp_dir() + "/depth.png";
    img::write_png16(path, v, level);
    const Tensor back = img::read_png16(path);
    EXPECT_EQ(back.dtype(), DType::i32);
    EXPECT_EQ(back.sizes(), (Shape{9, 11}));
    EXPECT_EQ(back.to_vector<int>(), v.to_vector<int>());
  }
  EXPECT_THROW(img::encode_png16(full({2, 2}, 65536, DType::i32)), std::invalid_argument);
  EXPECT_THROW(img::encode_png16(full({2, 2}, -1, DType::i64)), std::invalid_argument);
  EXPECT_THROW(img::encode_png16(zeros({2, 2})), std::invalid_argument);  // floats: use depth_to_mm
}

TEST(ImageIo, DepthInMillimetres) {
  Tensor m = from_vector(std::vector<float>{0.0f, 0.5004f, 0.7996f, 1.2345f, -1.0f, NAN, 70.0f, 0.0004f}, {1, 2, 4});
  const Tensor mm = img::depth_to_mm(m);
  EXPECT_EQ(mm.to_vector<int>(), (std::vector<int>{0, 500, 800, 1235, 0, 0, 65535, 0}));
  const std::string path = temp_dir() + "/depth_mm.png";
  img::write_png16(path, mm);
  const Tensor back = img::read_depth_mm(path);
  EXPECT_EQ(back.sizes(), (Shape{1, 2, 4}));
  const std::vector<float> b = back.to_vector<float>();
  EXPECT_FLOAT_EQ(b[1], 0.5f);
  EXPECT_FLOAT_EQ(b[3], 1.235f);
  EXPECT_EQ(b[0], 0.0f);
}

TEST(ImageIo, JpegRoundTripWithinTolerance) {
  // A smooth colour image: JPEG at quality 95 stays within a few levels.
  Tensor t = Tensor::empty({48, 64, 3}, DType::u8);
  uint8_t* p = t.data<uint8_t>();
  for (int64_t i = 0; i < 48; ++i)
    for (int64_t j = 0; j < 64; ++j) {
      p[(i * 64 + j) * 3 + 0] = static_cast<uint8_t>(4 * j);
      p[(i * 64 + j) * 3 + 1] = static_cast<uint8_t>(5 * i);
      p[(i * 64 + j) * 3 + 2] = static_cast<uint8_t>(128 + 60 * std::sin(0.1 * (i + j)));
    }
  const std::string path = temp_dir() + "/smooth.jpg";
  img::write_jpeg(path, t, 95);
  const Tensor back = img::read_u8(path);
  ASSERT_EQ(back.sizes(), t.sizes());
  const auto a = t.to_vector<int>(), b = back.to_vector<int>();
  double mean = 0;
  int worst = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    mean += std::abs(a[i] - b[i]);
    worst = std::max(worst, std::abs(a[i] - b[i]));
  }
  mean /= static_cast<double>(a.size());
  EXPECT_LT(mean, 1.5);
  EXPECT_LE(worst, 12);
  // Grey input (stb stores it as a 3-component JPEG with R = G = B), and the float helpers.
  const Tensor grey = random_u8({8, 8, 1}, 5);
  const Tensor grey_back = img::decode_u8(img::encode_jpeg(grey, 100), "g.jpg");
  ASSERT_EQ(grey_back.sizes(), (Shape{8, 8, 3}));
  const auto gb = grey_back.to_vector<int>();
  for (size_t i = 0; i < gb.size(); i += 3) EXPECT_TRUE(gb[i] == gb[i + 1] && gb[i] == gb[i + 2]);
  EXPECT_EQ(img::decode_u8(img::encode_jpeg(grey, 100), "g.jpg", 1).sizes(), (Shape{8, 8, 1}));
  const Tensor rgb = img::read_rgb(path);
  EXPECT_EQ(rgb.sizes(), (Shape{3, 48, 64}));
  EXPECT_NEAR(rgb.to_vector<float>()[0 * 48 * 64 + 10], b[10 * 3] / 255.0, 1e-6);  // channel 0 of pixel (0, 10)
  EXPECT_EQ(img::read_grey(path).sizes(), (Shape{1, 48, 64}));
  EXPECT_THROW(img::encode_jpeg(t, 0), std::invalid_argument);
  EXPECT_THROW(img::encode_jpeg(random_u8({4, 4, 4}, 1)), std::invalid_argument);
}

TEST(ImageIo, FloatConversionsAreInverse) {
  const Tensor t = random_u8({5, 6, 3}, 8);
  const Tensor f = img::to_chw_float(t);
  EXPECT_EQ(f.sizes(), (Shape{3, 5, 6}));
  EXPECT_FLOAT_EQ(f.to_vector<float>()[2 * 30 + 7], t.to_vector<float>()[7 * 3 + 2] / 255.0f);
  EXPECT_EQ(img::to_hwc_u8(f).to_vector<int>(), t.to_vector<int>());
  const Tensor out = img::to_hwc_u8(from_vector(std::vector<float>{-0.5f, 0.5f, 2.0f, NAN}, {1, 1, 4}));
  EXPECT_EQ(out.to_vector<int>(), (std::vector<int>{0, 128, 255, 0}));
}

TEST(ImageIo, ReadsFilesWrittenByPil) {
  const Tensor g16 = img::read_png16(fixture("image_grey16.png"));
  ASSERT_EQ(g16.sizes(), (Shape{5, 7}));
  const auto v = g16.to_vector<int>();
  for (int i = 0; i < 5; ++i)
    for (int j = 0; j < 7; ++j) EXPECT_EQ(v[i * 7 + j], (i * 7 + j) * 1543 % 65536);

  const Tensor rgba = img::read_u8(fixture("image_rgba8.png"));
  ASSERT_EQ(rgba.sizes(), (Shape{4, 6, 4}));
  const auto r = rgba.to_vector<int>();
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 6; ++j)
      for (int c = 0; c < 4; ++c) EXPECT_EQ(r[(i * 6 + j) * 4 + c], ((i * 6 + j) * 10 + 60 * c) % 256);

  const Tensor pal = img::read_u8(fixture("image_palette.png"), 3);
  ASSERT_EQ(pal.sizes(), (Shape{3, 5, 3}));
  const auto q = pal.to_vector<int>();
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 5; ++j)
      for (int c = 0; c < 3; ++c) EXPECT_EQ(q[(i * 5 + j) * 3 + c], c == (i + j) % 3 ? 255 : 0);

  const Tensor jpg = img::read_u8(fixture("image_rgb.jpg"));
  ASSERT_EQ(jpg.sizes(), (Shape{24, 32, 3}));
  const auto J = jpg.to_vector<int>();
  for (int i = 0; i < 24; ++i)
    for (int j = 0; j < 32; ++j) {
      const int want[3] = {8 * j, 10 * i, 128};
      for (int c = 0; c < 3; ++c) EXPECT_NEAR(J[(i * 32 + j) * 3 + c], want[c], 12);
    }
  // An 8-bit file is not a depth map.
  expect_rejected([] { img::read_png16(fixture("image_rgba8.png")); }, fixture("image_rgba8.png"),
                  "expected a 16-bit greyscale PNG, got a 8-bit PNG with 4 channel(s)");
}

TEST(ImageIo, MissingAndUnsupportedFiles) {
  const std::string missing = temp_dir() + "/nope.png";
  expect_rejected([&] { img::read_u8(missing); }, missing, "cannot open");
  expect_rejected([&] { img::read_u8(temp_dir()); }, temp_dir(), "not a regular file");
  const std::string text = temp_dir() + "/text.jpg";
  img::write_file(text, "hello, I am not an image");
  expect_rejected([&] { img::read_u8(text); }, text, "unsupported image format (not JPEG or PNG)");
  const std::string empty = temp_dir() + "/empty.png";
  img::write_file(empty, "");
  expect_rejected([&] { img::read_rgb(empty); }, empty, "empty file");
  expect_rejected([&] { img::write_file(temp_dir() + "/no/such/dir/x.png", "x"); }, temp_dir() + "/no/such/dir/x.png",
                  "cannot create");
}

TEST(ImageIo, TruncatedFilesAreRejected) {
  const std::string png = img::encode_png(random_u8({16, 16, 3}, 2));
  const std::string jpg = img::encode_jpeg(random_u8({16, 16, 3}, 2), 80);
  const std::string path = temp_dir() + "/cut.img";
  // Every prefix of both files must be rejected (the last 0-3 bytes of a JPEG are the EOI marker).
  for (size_t n = 0; n < png.size(); ++n) {
    const std::string m = error_message<img::ImageError>([&] { img::decode_u8(std::string_view(png).substr(0, n), "cut.png"); });
    EXPECT_EQ(m.rfind("cut.png: ", 0), 0u) << "PNG cut at " << n << ": " << m;
  }
  for (size_t n = 0; n + 1 < jpg.size(); ++n) {
    const std::string m = error_message<img::ImageError>([&] { img::decode_u8(std::string_view(jpg).substr(0, n), "cut.jpg"); });
    EXPECT_EQ(m.rfind("cut.jpg: ", 0), 0u) << "JPEG cut at " << n << ": " << m;
  }
  img::write_file(path, std::string_view(png).substr(0, png.size() / 2));
  expect_rejected([&] { img::read_u8(path); }, path, "truncated PNG");
  img::write_file(path, std::string_view(jpg).substr(0, jpg.size() / 2));
  expect_rejected([&] { img::read_u8(path); }, path, "truncated JPEG (no end-of-image marker)");
}

TEST(ImageIo, CorruptPngIsRejected) {
  const std::string png = img::encode_png(random_u8({8, 8, 3}, 4));
  // A flipped bit in the pixel data breaks the IDAT chunk's CRC-32.
  std::string bad = png;
  bad[bad.size() - 20] ^= 0x10;
  expect_rejected([&] { img::decode_u8(bad, "flip.png"); }, "flip.png", "CRC mismatch in chunk 'IDAT'");
  // Chunks out of order, an absurd size (with a correct CRC), a bad bit depth.
  auto with_ihdr = [&](uint32_t w, uint32_t h, uint8_t depth) {
    std::string f = png;
    for (int i = 0; i < 4; ++i) {
      f[16 + i] = static_cast<char>(w >> (24 - 8 * i));
      f[20 + i] = static_cast<char>(h >> (24 - 8 * i));
    }
    f[24] = static_cast<char>(depth);
    const uint32_t c = crc32(f.data() + 12, 17);
    for (int i = 0; i < 4; ++i) f[29 + i] = static_cast<char>(c >> (24 - 8 * i));
    return f;
  };
  EXPECT_EQ(error_message<img::ImageError>([&] { img::decode_u8(with_ihdr(8, 8, 8), "ok.png"); }), kNoError);
  expect_rejected([&] { img::decode_u8(with_ihdr(100000, 100000, 8), "big.png"); }, "big.png", "exceeds the limit");
  expect_rejected([&] { img::decode_u8(with_ihdr(4000, 4000, 8), "lie.png"); }, "lie.png",
                  "bytes of image data cannot hold 4000x4000 pixels");
  expect_rejected([&] { img::decode_u8(with_ihdr(0, 8, 8), "zero.png"); }, "zero.png", "invalid image size 0x8");
  expect_rejected([&] { img::decode_u8(with_ihdr(8, 8, 7), "depth.png"); }, "depth.png", "invalid bit depth 7");
  // More rows claimed than the data holds: stb's own error, still one line naming the file.
  expect_rejected([&] { img::decode_u8(with_ihdr(8, 9, 8), "rows.png"); }, "rows.png", "cannot decode PNG");
  std::string no_header = png;
  no_header[12] = 'J';  // the first chunk is no longer IHDR (its CRC now fails first, either is fine)
  expect_rejected([&] { img::decode_u8(no_header, "hdr.png"); }, "hdr.png", "corrupt PNG");
}

TEST(ImageIo, CorruptJpegIsRejected) {
  const std::string jpg = img::encode_jpeg(random_u8({8, 8, 3}, 4), 90);
  std::string bad = jpg;
  bad[2] = 0x00;  // SOI then a non-marker
  expect_rejected([&] { img::decode_u8(bad, "a.jpg"); }, "a.jpg", "unsupported image format");
  bad = jpg;
  bad[3] = 0x00;  // marker 0x00 right after SOI
  expect_rejected([&] { img::decode_u8(bad, "b.jpg"); }, "b.jpg", "corrupt JPEG: unexpected marker 0x00");
  bad = jpg;
  bad[4] = 0;
  bad[5] = 1;  // segment length 1
  expect_rejected([&] { img::decode_u8(bad, "c.jpg"); }, "c.jpg", "segment length 1");
  bad = jpg;
  bad[4] = static_cast<char>(0xFF);  // the first segment runs past the end
  expect_rejected([&] { img::decode_u8(bad, "d.jpg"); }, "d.jpg", "truncated JPEG");
  // Without its tables a decoder would read uninitialised memory: a missing DQT or DHT is an error.
  auto without = [&](unsigned char marker) {
    std::string f = jpg;
    for (size_t at = 2; at + 4 <= f.size();) {
      const size_t len = (size_t{static_cast<uint8_t>(f[at + 2])} << 8) | static_cast<uint8_t>(f[at + 3]);
      if (static_cast<uint8_t>(f[at + 1]) == marker) return f.erase(at, 2 + len);
      at += 2 + len;
    }
    ADD_FAILURE() << "no segment " << int{marker};
    return f;
  };
  expect_rejected([&] { img::decode_u8(without(0xDB), "e.jpg"); }, "e.jpg", "quantisation table 0 is not defined");
  expect_rejected([&] { img::decode_u8(without(0xC4), "f.jpg"); }, "f.jpg", "a scan uses an undefined Huffman table");
  expect_rejected([&] { img::decode_u8(without(0xC0), "g.jpg"); }, "g.jpg", "scan before the frame header");
}
