// Image files <-> tensors: JPEG and PNG (8- and 16-bit) decoding through stb_image, PNG writing
// (8-bit grey / grey+alpha / RGB / RGBA and 16-bit grey) with handgrad's own PNG container over
// tensor/deflate.h + tensor/crc32.h, and JPEG writing through stb_image_write.
//
// Layouts: raw images are u8 [H, W, C] (HWC, as stored); the model-facing form is f32 [C, H, W] in
// [0, 1] (DESIGN.md "Images"). 16-bit images (depth maps, millimetres in FreiHAND-style data sets) are
// i32 [H, W] holding 0..65535.
//
// Bad input: only JPEG (FF D8 FF) and PNG (the 8-byte signature) are accepted. Before stb sees the
// bytes, the file's structure is checked: a PNG's chunks must lie inside the file with correct
// CRC-32s, start with a valid IHDR and end with IEND; a JPEG's marker segments must lie inside the
// file and reach the end-of-image marker. Images wider or taller than kMaxSide or with more than
// kMaxPixels pixels are refused before any allocation. Every failure throws one ImageError line
// "<source>: <problem>" (source = the path, or the name given to decode_*), e.g.
//     "rgb/00000012.jpg: truncated JPEG (no end-of-image marker)".
// All functions are thread-safe (stb's error state is thread-local).
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "tensor/tensor.h"

namespace hg::image {

struct ImageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

inline constexpr int64_t kMaxSide = 1 << 15;     // 32768
inline constexpr int64_t kMaxPixels = 1 << 26;   // 67 M pixels (8192 × 8192)

enum class Format { jpeg, png };

struct Info {
  Format format;
  int64_t width = 0, height = 0;
  int channels = 0;   // as stored: 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA (a palette PNG counts as 3 or 4)
  int bit_depth = 8;  // 16 only for 16-bit PNGs
};

// Validates the container (see above) and returns what it holds, without decoding pixels.
Info inspect(std::string_view bytes, const std::string& source);

// ---- decoding ----
// u8 [H, W, C]; channels = 0 keeps the stored count, 1/2/3/4 converts (grey <-> RGB, alpha added or
// dropped). 16-bit PNGs are reduced to their high byte.
Tensor decode_u8(std::string_view bytes, const std::string& source, int channels = 0);
Tensor read_u8(const std::string& path, int channels = 0);
// A 16-bit greyscale PNG -> i32 [H, W] in 0..65535; any other image is rejected.
Tensor decode_png16(std::string_view bytes, const std::string& source);
Tensor read_png16(const std::string& path);

// Model-facing helpers.
Tensor read_rgb(const std::string& path);       // f32 [3, H, W] in [0, 1]
Tensor read_grey(const std::string& path);      // f32 [1, H, W] in [0, 1]
// A 16-bit PNG of millimetres -> f32 [1, H, W] metres (value / 1000; 0 stays 0 = no measurement).
Tensor read_depth_mm(const std::string& path);

// u8 [H, W, C] (or [H, W] = one channel) -> f32 [C, H, W] = value / 255.
Tensor to_chw_float(const Tensor& hwc_u8);
// Floating [C, H, W] (or [H, W]) -> u8 [H, W, C] = round(clamp(x, 0, 1) · 255).
Tensor to_hwc_u8(const Tensor& chw);
// Metres [1, H, W] or [H, W] (floating) -> i32 [H, W] millimetres, round(1000 x) clamped to 0..65535
// (negative and non-finite values become 0 = no measurement).
Tensor depth_to_mm(const Tensor& metres);

// ---- encoding (bytes) ----
// u8 [H, W, C] with C in 1..4 (or [H, W]); zlib `level` 0..9 (0 = stored).
std::string encode_png(const Tensor& hwc_u8, int level = 6);
// Integer [H, W] (or [1, H, W]) with every value in 0..65535 -> 16-bit greyscale PNG.
std::string encode_png16(const Tensor& values, int level = 6);
// u8 [H, W, 1 or 3] (or [H, W]); quality 1..100. stb stores grey input as a 3-component JPEG (R = G = B).
std::string encode_jpeg(const Tensor& hwc_u8, int quality = 90);

// ---- files ----
// The whole file; throws ImageError "<path>: cannot open: ..." etc.
std::string read_file(const std::string& path);
// Plain (not atomic) write of `bytes`; throws ImageError naming the path on any failure.
void write_file(const std::string& path, std::string_view bytes);
void write_png(const std::string& path, const Tensor& hwc_u8, int level = 6);
void write_png16(const std::string& path, const Tensor& values, int level = 6);
void write_jpeg(const std::string& path, const Tensor& hwc_u8, int quality = 90);

}  // namespace hg::image
