#include "hand/ho3d.h"

#include <sys/stat.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <initializer_list>
#include <memory>

#include "hand/skip_bad.h"
#include "hand/skeleton.h"
#include "tensor/factory.h"
#include "tensor/image_io.h"
#include "tensor/pickle.h"
#include "tensor/view.h"

namespace hg::hand {
namespace {

constexpr double kMaxFocal = 1e5;  // pixels; anything larger is not a camera
constexpr uint64_t kMaxMetaBytes = uint64_t{64} << 20;

bool file_exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}
bool dir_exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::string fmt(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

[[noreturn]] void fail(const std::string& file, const std::string& field, const std::string& problem) {
  throw Ho3dError(file + ": " + field + ": " + problem);
}

// A list entry's part: letters, digits, '_' and '-' only (no separators, no "..").
bool plain_name(const std::string& s) {
  if (s.empty() || s.size() > 128) return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
      return false;
  return true;
}

// ---- meta pickle ----

// The array under `key` as contiguous f64, with its shape one of `shapes`; every value finite.
Tensor read_array(const pickle::Value& v, const std::string& path, const std::string& key,
                  const std::vector<Shape>& shapes) {
  Tensor t;
  try {
    t = pickle::to_dense_array(v, key);
  } catch (const pickle::PickleError& e) {
    throw Ho3dError(path + ": " + e.what());
  }
  bool ok = false;
  for (const Shape& s : shapes) ok = ok || t.sizes() == s;
  if (!ok) {
    std::string want;
    for (size_t i = 0; i < shapes.size(); ++i) want += (i ? " or " : "") + shape_str(shapes[i]);
    fail(path, key, "expected " + want + ", got " + t.shape_string());
  }
  if (t.dtype() == DType::boolean) fail(path, key, "expected numbers, got a boolean array");
  t = ops::contiguous(ops::to_dtype(t, DType::f64));
  const double* p = t.data<double>();
  for (int64_t i = 0, n = t.numel(); i < n; ++i)
    if (!std::isfinite(p[i])) fail(path, key + "[" + std::to_string(i) + "]", "not finite (" + fmt(p[i]) + ")");
  return t;
}

// The optional entry `key`: undefined when absent or None.
Tensor optional_array(const pickle::Value& root, const std::string& path, const std::string& key, const Shape& shape) {
  const pickle::Value* v = root.find(key);
  if (v == nullptr || v->is_none()) return {};
  return read_array(*v, path, key, {shape});
}

// A plausible pinhole K: positive bounded focal lengths, zero K[1][0], last row (0, 0, 1).
void check_intrinsics(const double* k, const std::string& path) {
  const double fx = k[0], fy = k[4];
  if (!(fx > 0 && fy > 0)) fail(path, "camMat", "focal lengths must be positive, got fx = " + fmt(fx) + ", fy = " + fmt(fy));
  if (fx > kMaxFocal || fy > kMaxFocal) fail(path, "camMat", "implausible focal length (fx = " + fmt(fx) + ", fy = " + fmt(fy) + ")");
  if (std::fabs(k[2]) > kMaxFocal || std::fabs(k[5]) > kMaxFocal)
    fail(path, "camMat", "implausible principal point (" + fmt(k[2]) + ", " + fmt(k[5]) + ")");
  if (k[3] != 0.0) fail(path, "camMat", "camMat[1][0] must be 0, got " + fmt(k[3]));
  if (k[6] != 0.0 || k[7] != 0.0 || std::fabs(k[8] - 1.0) > 1e-6)
    fail(path, "camMat", "the last row must be (0, 0, 1), got (" + fmt(k[6]) + ", " + fmt(k[7]) + ", " + fmt(k[8]) + ")");
}

// ---- images ----

// seg [1, h, w] → [1, H, W] by nearest neighbour when H = f·h and W = f·w for one integer f ≥ 1.
Tensor fit_to_image(const Tensor& m, int64_t H, int64_t W, const std::string& path) {
  const int64_t h = m.size(1), w = m.size(2);
  if (h == H && w == W) return m;
  const int64_t f = h > 0 ? H / h : 0;
  if (f < 1 || h * f != H || w * f != W)
    throw Ho3dError(path + ": size " + std::to_string(w) + "x" + std::to_string(h) +
                    " is not the image's " + std::to_string(W) + "x" + std::to_string(H) +
                    " divided by an integer factor");
  Tensor out = Tensor::empty({1, H, W}, DType::f32);
  const float* src = m.data<float>();
  float* dst = out.data<float>();
  for (int64_t i = 0; i < H; ++i)
    for (int64_t j = 0; j < W; ++j) dst[i * W + j] = src[(i / f) * w + j / f];
  return out;
}

// The hand mask from a seg image: blue channel ≥ 0.5 → 1, else 0.
Tensor read_hand_mask(const std::string& path, int64_t H, int64_t W) {
  Tensor rgb = image::read_u8(path, 3);  // [h, w, 3]
  const int64_t h = rgb.size(0), w = rgb.size(1);
  Tensor m = Tensor::empty({1, h, w}, DType::f32);
  const uint8_t* p = rgb.data<uint8_t>();
  float* q = m.data<float>();
  for (int64_t k = 0; k < h * w; ++k) q[k] = p[3 * k + 2] >= 128 ? 1.0f : 0.0f;  // 128/255 ≥ 0.5
  return fit_to_image(m, H, W, path);
}

Tensor read_depth(const std::string& path, int64_t H, int64_t W) {
  const std::string bytes = image::read_file(path);
  const image::Info info = image::inspect(bytes, path);
  if (info.format != image::Format::png || info.bit_depth != 8 || info.channels < 3)
    throw Ho3dError(path + ": expected an 8-bit RGB PNG (depth in R + 256·G), got " +
                    std::string(info.format == image::Format::png ? "a PNG" : "a JPEG") + " with " +
                    std::to_string(info.channels) + " channel(s) of " + std::to_string(info.bit_depth) + " bits");
  Tensor d = decode_ho3d_depth(image::decode_u8(bytes, path, 3));
  if (d.size(1) != H || d.size(2) != W)
    throw Ho3dError(path + ": size " + std::to_string(d.size(2)) + "x" + std::to_string(d.size(1)) +
                    " differs from the image's " + std::to_string(W) + "x" + std::to_string(H));
  return d;
}

std::string first_existing(const std::string& stem, std::initializer_list<const char*> exts) {
  for (const char* e : exts)
    if (file_exists(stem + e)) return stem + e;
  return {};
}

}  // namespace

Ho3dMeta read_ho3d_meta(const std::string& path) {
  pickle::Limits limits;
  limits.max_input_bytes = kMaxMetaBytes;
  limits.max_array_bytes = kMaxMetaBytes;
  std::shared_ptr<pickle::Document> doc;
  try {
    doc = pickle::load(path, limits);
  } catch (const pickle::PickleError& e) {
    throw Ho3dError(e.what());  // already "<path>: <problem> (at byte offset N)"
  }
  const pickle::Value& root = doc->root();
  if (root.kind != pickle::Kind::dict)
    throw Ho3dError(path + ": expected a dict at the top level, got " + pickle::describe(root));

  auto required = [&](const std::string& key) -> const pickle::Value& {
    const pickle::Value* v = root.find(key);
    if (v == nullptr) fail(path, key, "missing");
    return *v;
  };
  Ho3dMeta m;
  const pickle::Value& cam = required("camMat");
  if (cam.is_none()) fail(path, "camMat", "is None");
  m.K = read_array(cam, path, "camMat", {{3, 3}});
  check_intrinsics(m.K.data<double>(), path);

  m.xyz = zeros({kNumKeypoints, 3}, DType::f64);
  m.valid = zeros({kNumKeypoints}, DType::f64);
  const pickle::Value& joints = required("handJoints3D");
  if (!joints.is_none()) {
    Tensor j = read_array(joints, path, "handJoints3D", {{kNumKeypoints, 3}, {3}, {1, 3}});
    m.root_only = j.numel() == 3;
    const double* src = j.data<double>();
    double* xyz = m.xyz.data<double>();
    double* valid = m.valid.data<double>();
    // FreiHAND keypoint k = file joint kManoToFreihand[k]; OpenGL → OpenCV is (x, −y, −z).
    for (int64_t k = 0; k < kNumKeypoints; ++k) {
      const int64_t s = kManoToFreihand[static_cast<size_t>(k)];
      if (m.root_only && s != 0) continue;
      const double* p = src + 3 * s;
      const double z = -p[2];
      if (!(z > 0))
        fail(path, "handJoints3D[" + std::to_string(s) + "]",
             "z = " + fmt(p[2]) + " m in OpenGL axes, not in front of the camera (expected z < 0)");
      xyz[3 * k] = p[0];
      xyz[3 * k + 1] = -p[1];
      xyz[3 * k + 2] = z;
      valid[k] = 1;
    }
  }
  m.hand_pose = optional_array(root, path, "handPose", {48});
  m.hand_beta = optional_array(root, path, "handBeta", {10});
  m.hand_trans = optional_array(root, path, "handTrans", {3});
  m.hand_bbox = optional_array(root, path, "handBoundingBox", {4});
  return m;
}

Tensor decode_ho3d_depth(const Tensor& rgb_u8) {
  if (rgb_u8.dtype() != DType::u8 || rgb_u8.dim() != 3 || rgb_u8.size(2) < 3)
    throw std::invalid_argument("decode_ho3d_depth: expected u8 [H, W, 3 or 4], got " +
                                std::string(dtype_name(rgb_u8.dtype())) + " " + rgb_u8.shape_string());
  const Tensor src = ops::contiguous(rgb_u8);
  const int64_t H = src.size(0), W = src.size(1), C = src.size(2);
  Tensor d = Tensor::empty({1, H, W}, DType::f32);
  const uint8_t* p = src.data<uint8_t>();
  float* q = d.data<float>();
  for (int64_t k = 0; k < H * W; ++k)
    q[k] = static_cast<float>((p[C * k] + 256.0 * p[C * k + 1]) * kHo3dDepthScale);  // (R + 256 G) · scale
  return d;
}

Ho3dDataset::Ho3dDataset(std::string root, Ho3dOptions options) : root_(std::move(root)), options_(std::move(options)) {
  const std::string& split = options_.split;
  if (split != "train" && split != "evaluation")
    throw std::invalid_argument("Ho3dDataset: split must be \"train\" or \"evaluation\", got \"" + split + "\"");
  if (!dir_exists(root_)) throw Ho3dError(root_ + ": not a directory");
  const std::string list = root_ + "/" + split + ".txt";
  std::ifstream in(list);
  if (!in) throw Ho3dError(list + ": cannot open");

  std::string line;
  for (int64_t number = 1; std::getline(in, line); ++number) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.pop_back();
    size_t start = line.find_first_not_of(" \t");
    if (start == std::string::npos) continue;  // blank line
    line = line.substr(start);
    const size_t slash = line.find('/');
    const std::string seq = line.substr(0, slash), name = slash == std::string::npos ? "" : line.substr(slash + 1);
    if (slash == std::string::npos || !plain_name(seq) || !plain_name(name))
      throw Ho3dError(list + ": line " + std::to_string(number) + ": expected \"SEQ/FRAME\" (letters, digits, _ -), got \"" +
                      line.substr(0, 80) + "\"");
    Frame f{line, root_ + "/" + split + "/" + seq, name, {}};
    f.image = first_existing(f.dir + "/rgb/" + name, {".png", ".jpg"});
    const std::string meta = f.dir + "/meta/" + name + ".pkl";
    std::string missing;
    if (f.image.empty()) missing = f.dir + "/rgb/" + name + ".png: missing (no .png or .jpg)";
    else if (!file_exists(meta)) missing = meta + ": missing";
    if (missing.empty()) {
      frames_.push_back(std::move(f));
    } else if (options_.skip_bad) {
      ++skipped_;
    } else {
      throw Ho3dError(missing + " (" + list + " line " + std::to_string(number) + ")");
    }
  }
  if (in.bad()) throw Ho3dError(list + ": read error");
  if (frames_.empty()) throw Ho3dError(list + ": no readable frames");
}

const Ho3dDataset::Frame& Ho3dDataset::at(int64_t index) const {
  if (index < 0 || index >= size())
    throw std::out_of_range("Ho3dDataset: index " + std::to_string(index) + " outside [0, " + std::to_string(size()) + ")");
  return frames_[static_cast<size_t>(index)];
}

const std::string& Ho3dDataset::frame(int64_t index) const { return at(index).id; }
std::string Ho3dDataset::image_path(int64_t index) const { return at(index).image; }
std::string Ho3dDataset::meta_path(int64_t index) const {
  const Frame& f = at(index);
  return f.dir + "/meta/" + f.name + ".pkl";
}

HandSample Ho3dDataset::get(int64_t index) const {
  at(index);  // range check
  return read_or_next_readable<Ho3dError>(index, size(), options_.skip_bad, skipped_, root_ + "/" + options_.split,
                                          [this](int64_t i) { return read(i); });
}

HandSample Ho3dDataset::read(int64_t index) const {
  const Frame& f = at(index);
  const Ho3dMeta meta = read_ho3d_meta(meta_path(index));
  HandSample s;
  s.image = image::read_rgb(f.image);
  const int64_t H = s.image.size(1), W = s.image.size(2);
  s.K = ops::to_dtype(meta.K, DType::f32);
  s.xyz = ops::to_dtype(meta.xyz, DType::f32);
  s.valid = ops::to_dtype(meta.valid, DType::f32);

  // uv = (K xyz)_{0,1} / (K xyz)_2 from the stored f32 values, so uv agrees with (K, xyz) as given.
  s.uv = zeros({kNumKeypoints, 2}, DType::f32);
  const float* k = s.K.data<float>();
  const float* p = s.xyz.data<float>();
  const float* valid = s.valid.data<float>();
  float* uv = s.uv.data<float>();
  for (int64_t j = 0; j < kNumKeypoints; ++j) {
    if (valid[j] == 0) continue;
    const double X = p[3 * j], Y = p[3 * j + 1], Z = p[3 * j + 2];
    const double p0 = k[0] * X + k[1] * Y + k[2] * Z, p1 = k[3] * X + k[4] * Y + k[5] * Z,
                 p2 = k[6] * X + k[7] * Y + k[8] * Z;
    uv[2 * j] = static_cast<float>(p0 / p2);
    uv[2 * j + 1] = static_cast<float>(p1 / p2);
  }
  if (!meta.root_only && valid[9] != 0 && valid[10] != 0) {  // FreiHAND scale: bone 9 → 10
    const double dx = p[27] - p[30], dy = p[28] - p[31], dz = p[29] - p[32];
    s.scale = std::sqrt(dx * dx + dy * dy + dz * dz);
  }
  if (options_.load_masks) {
    const std::string seg = first_existing(f.dir + "/seg/" + f.name, {".jpg", ".png"});
    if (!seg.empty()) s.mask = read_hand_mask(seg, H, W);
  }
  if (options_.load_depth) {
    const std::string depth = f.dir + "/depth/" + f.name + ".png";
    if (file_exists(depth)) s.depth = read_depth(depth, H, W);
  }
  s.source = "ho3d:" + options_.split + ":" + f.id;
  return s;
}

}  // namespace hg::hand
