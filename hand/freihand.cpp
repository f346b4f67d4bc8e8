#include "hand/freihand.h"

#include <sys/stat.h>

#include <cmath>
#include <cstdio>

#include "hand/skip_bad.h"
#include "hand/skeleton.h"
#include "tensor/factory.h"
#include "tensor/image_io.h"
#include "tensor/json_array.h"
#include "tensor/view.h"

namespace hg::hand {
namespace {

using json_array::kAny;

constexpr int64_t kMaxVersions = 64;
constexpr double kMaxFocal = 1e5;  // pixels; anything larger is not a camera

bool file_exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}
bool dir_exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::string numbered(const std::string& dir, int64_t id, const char* ext) {
  char name[32];
  std::snprintf(name, sizeof name, "/%08lld.%s", static_cast<long long>(id), ext);
  return dir + name;
}

std::string fmt(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

[[noreturn]] void fail(const std::string& file, const std::string& field, const std::string& problem) {
  throw FreiHandError(file + ": " + field + ": " + problem);
}

// Parses one annotation file, turning json_array's error type into FreiHandError (same text).
Tensor load_json(const std::string& path, const Shape& expected, const std::string& field) {
  try {
    return json_array::load(path, expected, field, DType::f32);
  } catch (const json_array::JsonArrayError& e) {
    throw FreiHandError(e.what());
  }
}

void check_count(const Tensor& t, int64_t n, const std::string& file, const std::string& field,
                 const std::string& k_file) {
  if (t.size(0) != n)
    fail(file, field, std::to_string(t.size(0)) + " entries, but " + k_file + " has " + std::to_string(n));
}

// A pinhole K: positive bounded focal lengths of similar size, no row-2 skew, last row (0, 0, 1),
// a principal point within kMaxFocal pixels.
void check_intrinsics(const Tensor& K, const std::string& file) {
  const float* k = K.data<float>();
  for (int64_t i = 0; i < K.size(0); ++i, k += 9) {
    const std::string at = "K[" + std::to_string(i) + "]";
    const double fx = k[0], fy = k[4];
    if (!(fx > 0 && fy > 0)) fail(file, at, "focal lengths must be positive, got fx = " + fmt(fx) + ", fy = " + fmt(fy));
    if (fx > kMaxFocal || fy > kMaxFocal) fail(file, at, "implausible focal length (fx = " + fmt(fx) + ", fy = " + fmt(fy) + ")");
    if (fx > 10 * fy || fy > 10 * fx) fail(file, at, "implausible aspect (fx = " + fmt(fx) + ", fy = " + fmt(fy) + ")");
    if (std::fabs(k[2]) > kMaxFocal || std::fabs(k[5]) > kMaxFocal)
      fail(file, at, "implausible principal point (" + fmt(k[2]) + ", " + fmt(k[5]) + ")");
    if (std::fabs(k[1]) > fx) fail(file, at, "implausible skew " + fmt(k[1]));
    if (k[3] != 0.0f) fail(file, at, "K[1][0] must be 0, got " + fmt(k[3]));
    if (k[6] != 0.0f || k[7] != 0.0f || std::fabs(k[8] - 1.0) > 1e-6)
      fail(file, at, "the last row must be (0, 0, 1), got (" + fmt(k[6]) + ", " + fmt(k[7]) + ", " + fmt(k[8]) + ")");
  }
}

void check_in_front(const Tensor& xyz, const std::string& file) {
  const float* p = xyz.data<float>();
  for (int64_t i = 0; i < xyz.size(0); ++i)
    for (int64_t k = 0; k < kNumKeypoints; ++k) {
      const float z = p[(i * kNumKeypoints + k) * 3 + 2];
      if (!(z > 0))
        fail(file, "xyz[" + std::to_string(i) + "][" + std::to_string(k) + "]", "z = " + fmt(z) + " m, behind the camera");
    }
}

void check_positive(const Tensor& scale, const std::string& file) {
  const float* s = scale.data<float>();
  for (int64_t i = 0, n = scale.numel(); i < n; ++i)
    if (!(s[i] > 0)) fail(file, "scale[" + std::to_string(i) + "]", "must be positive, got " + fmt(s[i]));
}

// uv = (K xyz)_{0,1} / (K xyz)_2 for one sample, f32 [21, 2].
Tensor project_keypoints(const float* k, const float* xyz) {
  Tensor uv = Tensor::empty({kNumKeypoints, 2}, DType::f32);
  float* out = uv.data<float>();
  for (int64_t j = 0; j < kNumKeypoints; ++j) {
    const double X = xyz[3 * j], Y = xyz[3 * j + 1], Z = xyz[3 * j + 2];
    const double p0 = k[0] * X + k[1] * Y + k[2] * Z, p1 = k[3] * X + k[4] * Y + k[5] * Z,
                 p2 = k[6] * X + k[7] * Y + k[8] * Z;
    out[2 * j] = static_cast<float>(p0 / p2);
    out[2 * j + 1] = static_cast<float>(p1 / p2);
  }
  return uv;
}

Tensor row(const Tensor& t, int64_t i) { return ops::clone(ops::select(t, 0, i)); }

void check_same_size(const Tensor& t, const Tensor& image, const std::string& path) {
  if (t.size(1) != image.size(1) || t.size(2) != image.size(2))
    throw FreiHandError(path + ": size " + std::to_string(t.size(2)) + "x" + std::to_string(t.size(1)) +
                        " differs from the image's " + std::to_string(image.size(2)) + "x" + std::to_string(image.size(1)));
}

}  // namespace

std::string freihand_image_path(const std::string& root, const std::string& split, int64_t id) {
  return numbered(root + "/" + split + "/rgb", id, "jpg");
}
std::string freihand_mask_path(const std::string& root, const std::string& split, int64_t annotation) {
  return numbered(root + "/" + split + "/mask", annotation, "jpg");
}
std::string freihand_depth_path(const std::string& root, const std::string& split, int64_t annotation) {
  return numbered(root + "/" + split + "/depth", annotation, "png");
}
std::string freihand_json_path(const std::string& root, const std::string& split, const std::string& what) {
  return root + "/" + split + "_" + what + ".json";
}

FreiHandDataset::FreiHandDataset(std::string root, FreiHandOptions options)
    : root_(std::move(root)), options_(std::move(options)) {
  const std::string& split = options_.split;
  if (split != "training" && split != "evaluation")
    throw std::invalid_argument("FreiHandDataset: split must be \"training\" or \"evaluation\", got \"" + split + "\"");
  if (!dir_exists(root_)) throw FreiHandError(root_ + ": not a directory");

  // Annotations: K defines N, every other file must agree.
  const std::string k_file = freihand_json_path(root_, split, "K");
  K_ = load_json(k_file, {kAny, 3, 3}, "K");
  n_ = K_.size(0);
  if (n_ == 0) fail(k_file, "K", "no entries");
  check_intrinsics(K_, k_file);

  const std::string xyz_file = freihand_json_path(root_, split, "xyz");
  xyz_ = load_json(xyz_file, {kAny, kNumKeypoints, 3}, "xyz");
  check_count(xyz_, n_, xyz_file, "xyz", k_file);
  check_in_front(xyz_, xyz_file);

  const std::string mano_file = freihand_json_path(root_, split, "mano");
  if (file_exists(mano_file)) {
    mano_ = load_json(mano_file, {kAny, 1, 61}, "mano");
    check_count(mano_, n_, mano_file, "mano", k_file);
    mano_ = ops::view(mano_, {n_, 61});
  }
  const std::string scale_file = freihand_json_path(root_, split, "scale");
  if (file_exists(scale_file)) {
    scale_ = load_json(scale_file, {kAny}, "scale");
    check_count(scale_, n_, scale_file, "scale", k_file);
    check_positive(scale_, scale_file);
  }
  if (options_.load_verts) {
    const std::string verts_file = freihand_json_path(root_, split, "verts");
    verts_ = load_json(verts_file, {kAny, kAny, 3}, "verts");
    check_count(verts_, n_, verts_file, "verts", k_file);
  }

  // Background versions: version k exists when its first or last image does.
  while (versions_on_disk_ < kMaxVersions &&
         (file_exists(freihand_image_path(root_, split, versions_on_disk_ * n_)) ||
          file_exists(freihand_image_path(root_, split, versions_on_disk_ * n_ + n_ - 1))))
    ++versions_on_disk_;
  const std::string rgb_dir = root_ + "/" + split + "/rgb";
  if (versions_on_disk_ == 0)
    throw FreiHandError(rgb_dir + ": no images for the " + std::to_string(n_) + " annotations of " + k_file);
  if (options_.versions.empty()) {
    for (int64_t k = 0; k < versions_on_disk_; ++k) versions_.push_back(k);
  } else {
    for (int64_t k : options_.versions)
      if (k < 0 || k >= versions_on_disk_)
        throw FreiHandError(rgb_dir + ": background version " + std::to_string(k) + " requested, but " +
                            std::to_string(versions_on_disk_) + " version(s) are on disk");
    versions_ = options_.versions;
  }

  ids_.reserve(static_cast<size_t>(versions_.size() * n_));
  for (int64_t k : versions_)
    for (int64_t i = 0; i < n_; ++i) {
      const int64_t id = k * n_ + i;
      if (file_exists(freihand_image_path(root_, split, id))) {
        ids_.push_back(id);
      } else if (options_.skip_bad) {
        ++skipped_;
      } else {
        throw FreiHandError(freihand_image_path(root_, split, id) + ": missing (annotation " + std::to_string(i) +
                            ", background version " + std::to_string(k) + ")");
      }
    }
  if (ids_.empty()) throw FreiHandError(rgb_dir + ": none of the selected images exists");
  has_masks_ = options_.load_masks && dir_exists(root_ + "/" + split + "/mask");
  has_depth_ = options_.load_depth && dir_exists(root_ + "/" + split + "/depth");
}

int64_t FreiHandDataset::image_id(int64_t index) const {
  if (index < 0 || index >= size())
    throw std::out_of_range("FreiHandDataset: index " + std::to_string(index) + " outside [0, " +
                            std::to_string(size()) + ")");
  return ids_[static_cast<size_t>(index)];
}

HandSample FreiHandDataset::get(int64_t index) const {
  image_id(index);  // range check
  return read_or_next_readable<FreiHandError>(index, size(), options_.skip_bad, skipped_, root_ + "/" + options_.split,
                                              [this](int64_t i) { return read(i); });
}

HandSample FreiHandDataset::read(int64_t index) const {
  const std::string& split = options_.split;
  const int64_t id = image_id(index), a = id % n_;
  HandSample s;
  s.image = image::read_rgb(freihand_image_path(root_, split, id));
  s.K = row(K_, a);
  s.xyz = row(xyz_, a);
  s.uv = project_keypoints(s.K.data<float>(), s.xyz.data<float>());
  s.valid = ones({kNumKeypoints}, DType::f32);
  if (has_masks_) {
    const std::string path = freihand_mask_path(root_, split, a);
    Tensor m = image::read_grey(path);
    check_same_size(m, s.image, path);
    float* p = m.data<float>();
    for (int64_t i = 0, n = m.numel(); i < n; ++i) p[i] = p[i] >= 0.5f ? 1.0f : 0.0f;
    s.mask = m;
  }
  if (has_depth_) {
    const std::string path = freihand_depth_path(root_, split, a);
    s.depth = image::read_depth_mm(path);
    check_same_size(s.depth, s.image, path);
  }
  if (mano_.defined()) s.mano = row(mano_, a);
  if (scale_.defined()) s.scale = scale_.data<float>()[a];
  if (verts_.defined()) s.verts = row(verts_, a);
  char source[64];
  std::snprintf(source, sizeof source, ":%08lld", static_cast<long long>(id));
  s.source = name() + source;
  return s;
}

}  // namespace hg::hand
