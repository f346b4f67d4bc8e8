#include "hand/sample_grid.h"

#include <algorithm>
#include <stdexcept>
#include <vector>

#include "hand/skeleton.h"
#include "tensor/atomic_file.h"
#include "tensor/factory.h"
#include "tensor/image_io.h"

namespace hg::hand {
namespace {

void check_images(const Tensor& images, const char* what) {
  if (!images.defined() || images.dim() != 4 || images.size(0) < 1 || images.size(1) != 3 ||
      !is_floating(images.dtype()))
    throw std::invalid_argument(std::string(what) + ": expected floating images [N >= 1, 3, H, W], got " +
                                (images.defined() ? images.shape_string() : std::string("undefined")));
}

void check_keypoints(const Tensor& t, int64_t batch, int64_t last, const char* name) {
  const Shape want = last ? Shape{batch, kNumKeypoints, last} : Shape{batch, kNumKeypoints};
  if (!t.defined() || t.sizes() != want)
    throw std::invalid_argument(std::string("keypoint_grid: ") + name + " must be " +
                                (last ? "[B, 21, 2]" : "[B, 21]") + " for B = " + std::to_string(batch) + ", got " +
                                (t.defined() ? t.shape_string() : std::string("undefined")));
}

// Image k of images [N, 3, H, W] as its own f32 [3, H, W] tensor (a copy that may be drawn on).
Tensor image_copy(const std::vector<float>& all, int64_t k, int64_t h, int64_t w) {
  const auto begin = all.begin() + k * 3 * h * w;
  return from_vector(std::vector<float>(begin, begin + 3 * h * w), {3, h, w});
}

// The true keypoints as one thin single-colour skeleton (white), so the per-finger colours stay the
// prediction's.
void draw_true_skeleton(const Tensor& image, const std::vector<double>& uv, const std::vector<double>& valid,
                        double line_width, double dot_radius) {
  const Rgb white{1, 1, 1};
  auto usable = [&](int64_t k) { return valid[k] > 0; };  // draw_* skip non-finite coordinates themselves
  for (const Bone& b : kBones)
    if (usable(b.parent) && usable(b.child))
      draw_line(image, uv[2 * b.parent], uv[2 * b.parent + 1], uv[2 * b.child], uv[2 * b.child + 1], line_width, white,
                0.9);
  for (int64_t k = 0; k < kNumKeypoints; ++k)
    if (usable(k)) draw_dot(image, uv[2 * k], uv[2 * k + 1], dot_radius, white, 0.9);
}

}  // namespace

Tensor tile_images(const Tensor& images, int64_t columns, const GridOptions& options) {
  check_images(images, "tile_images");
  if (columns < 1) throw std::invalid_argument("tile_images: columns must be >= 1, got " + std::to_string(columns));
  if (options.padding < 0) throw std::invalid_argument("tile_images: padding must be >= 0");
  const int64_t n = images.size(0), h = images.size(2), w = images.size(3), p = options.padding;
  const int64_t cols = std::min(columns, n), rows = (n + cols - 1) / cols;
  const int64_t out_h = rows * h + (rows + 1) * p, out_w = cols * w + (cols + 1) * p;
  const std::vector<float> src = images.to_vector<float>();  // [N, 3, H, W] row-major
  std::vector<float> out(static_cast<size_t>(3 * out_h * out_w));
  const float background[3] = {options.background.r, options.background.g, options.background.b};
  for (int64_t c = 0; c < 3; ++c) std::fill_n(out.begin() + c * out_h * out_w, out_h * out_w, background[c]);
  for (int64_t k = 0; k < n; ++k) {
    const int64_t top = p + (k / cols) * (h + p), left = p + (k % cols) * (w + p);
    for (int64_t c = 0; c < 3; ++c)
      for (int64_t i = 0; i < h; ++i)
        for (int64_t j = 0; j < w; ++j)
          out[(c * out_h + top + i) * out_w + left + j] = std::clamp(src[((k * 3 + c) * h + i) * w + j], 0.0f, 1.0f);
  }
  return from_vector(out, {3, out_h, out_w});
}

Tensor view_pair_grid(const Tensor& view0, const Tensor& view1, int64_t max_pairs) {
  check_images(view0, "view_pair_grid");
  if (!view1.defined() || view1.sizes() != view0.sizes())
    throw std::invalid_argument("view_pair_grid: the two views differ in shape: " + view0.shape_string() + " and " +
                                (view1.defined() ? view1.shape_string() : std::string("undefined")));
  if (max_pairs < 1) throw std::invalid_argument("view_pair_grid: max_pairs must be >= 1");
  const int64_t n = std::min(view0.size(0), max_pairs), h = view0.size(2), w = view0.size(3);
  const int64_t per_view = n * 3 * h * w;
  const std::vector<float> a = view0.to_vector<float>(), b = view1.to_vector<float>();
  std::vector<float> rows(a.begin(), a.begin() + per_view);  // row 0: view 0, row 1: view 1
  rows.insert(rows.end(), b.begin(), b.begin() + per_view);
  return tile_images(from_vector(rows, {2 * n, 3, h, w}), n);
}

Tensor keypoint_grid(const Tensor& images, const Tensor& uv_pred, const Tensor& uv_true, const Tensor& valid,
                     int64_t max_images, int64_t columns) {
  check_images(images, "keypoint_grid");
  const int64_t batch = images.size(0), h = images.size(2), w = images.size(3);
  check_keypoints(uv_pred, batch, 2, "uv_pred");
  check_keypoints(uv_true, batch, 2, "uv_true");
  check_keypoints(valid, batch, 0, "valid");
  if (max_images < 1) throw std::invalid_argument("keypoint_grid: max_images must be >= 1");
  const int64_t n = std::min(batch, max_images);
  // Marks scaled with the crop: draw_skeleton's 2.5 px dots and 1.5 px lines suit a 224-px crop.
  const double side = static_cast<double>(std::min(h, w));
  const double dot = std::clamp(side / 90, 1.0, 3.0), line = std::clamp(side / 150, 0.75, 2.0);
  const std::vector<float> pixels = images.to_vector<float>();
  const std::vector<double> pred = uv_pred.to_vector<double>(), truth = uv_true.to_vector<double>(),
                            ok = valid.to_vector<double>();
  std::vector<float> drawn;
  drawn.reserve(static_cast<size_t>(n * 3 * h * w));
  for (int64_t k = 0; k < n; ++k) {
    const Tensor image = image_copy(pixels, k, h, w);
    const auto at = [k](const std::vector<double>& v, int64_t per) {
      return std::vector<double>(v.begin() + k * per, v.begin() + (k + 1) * per);
    };
    draw_true_skeleton(image, at(truth, 2 * kNumKeypoints), at(ok, kNumKeypoints), line * 0.75, dot * 0.6);
    draw_skeleton(image, from_vector(at(pred, 2 * kNumKeypoints), {kNumKeypoints, 2}), {}, dot, line);
    const std::vector<float> v = image.to_vector<float>();
    drawn.insert(drawn.end(), v.begin(), v.end());
  }
  return tile_images(from_vector(drawn, {n, 3, h, w}), columns);
}

void write_sample_png(const std::string& path, const Tensor& image) {
  if (!image.defined() || image.dim() != 3 || image.size(0) != 3)
    throw std::invalid_argument("write_sample_png: " + path + ": expected an image [3, H, W], got " +
                                (image.defined() ? image.shape_string() : std::string("undefined")));
  const std::string png = image::encode_png(image::to_hwc_u8(image));
  write_file_atomically(path, {png});
}

}  // namespace hg::hand
