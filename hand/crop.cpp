#include "hand/crop.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

#include "hand/camera.h"

namespace hg::hand {

CropBox keypoint_box(const Tensor& uv, const Tensor& valid, double margin, double min_side, const std::string& source) {
  const std::string ctx = "keypoint_box (" + (source.empty() ? std::string("sample") : source) + ")";
  if (!uv.defined() || uv.dim() != 2 || uv.size(1) != 2)
    throw std::invalid_argument(ctx + ": uv must be [N, 2], got " +
                                (uv.defined() ? uv.shape_string() : std::string("undefined")));
  if (valid.defined() && (valid.dim() != 1 || valid.size(0) != uv.size(0)))
    throw std::invalid_argument(ctx + ": valid must be [" + std::to_string(uv.size(0)) + "], got " +
                                valid.shape_string());
  if (!(margin > 0) || !(min_side > 0))
    throw std::invalid_argument(ctx + ": margin and min_side must be positive");
  const std::vector<double> p = uv.to_vector<double>();
  const std::vector<double> ok = valid.defined() ? valid.to_vector<double>() : std::vector<double>(p.size() / 2, 1.0);
  double u0 = std::numeric_limits<double>::infinity(), v0 = u0, u1 = -u0, v1 = -u0;
  for (size_t k = 0; k < ok.size(); ++k) {
    if (!(ok[k] > 0)) continue;
    const double u = p[2 * k], v = p[2 * k + 1];
    if (!std::isfinite(u) || !std::isfinite(v))
      throw std::invalid_argument(ctx + ": keypoint " + std::to_string(k) + " is valid but not finite");
    u0 = std::min(u0, u);
    u1 = std::max(u1, u);
    v0 = std::min(v0, v);
    v1 = std::max(v1, v);
  }
  if (!(u0 <= u1)) throw std::invalid_argument(ctx + ": no valid keypoint to crop around");
  return {0.5 * (u0 + u1), 0.5 * (v0 + v1), std::max(margin * std::max(u1 - u0, v1 - v0), min_side)};
}

CropBox image_box(int64_t h, int64_t w) {
  // Pixel edges span [−1/2, W − 1/2], so the centre is ((W − 1)/2, (H − 1)/2).
  return {0.5 * static_cast<double>(w - 1), 0.5 * static_cast<double>(h - 1), static_cast<double>(std::max(h, w))};
}

CropBox crop_box_for(const HandSample& s, const CropConfig& c) {
  if (!c.enabled) {
    if (!s.image.defined() || s.image.dim() != 3)
      throw std::invalid_argument("crop (" + s.source + "): the sample has no [3, H, W] image");
    return image_box(s.image.size(1), s.image.size(2));
  }
  return keypoint_box(s.uv, s.valid, c.margin, c.min_side, s.source);
}

CropRecord jitter_box(const CropBox& box, const CropConfig& c, Generator& g) {
  CropRecord r{box.centre_u, box.centre_v, box.side, 1.0};
  if (c.probability <= 0 || (c.probability < 1 && g.uniform() >= c.probability)) return r;
  r.centre_u += g.uniform(-c.centre_jitter, c.centre_jitter) * box.side;
  r.centre_v += g.uniform(-c.centre_jitter, c.centre_jitter) * box.side;
  r.scale = c.scale.sample(g);
  r.side = box.side * r.scale;
  return r;
}

PixelWarp crop_warp(const CropBox& box, int64_t out_size) {
  if (out_size < 1 || !(box.side > 0) || !std::isfinite(box.side) || !std::isfinite(box.centre_u) ||
      !std::isfinite(box.centre_v))
    throw std::invalid_argument("crop_warp: need a finite box with a positive side and out_size >= 1, got side " +
                                std::to_string(box.side) + ", out_size " + std::to_string(out_size));
  const double k = static_cast<double>(out_size) / box.side;
  const double x0 = box.centre_u - 0.5 * box.side + 0.5, y0 = box.centre_v - 0.5 * box.side + 0.5;
  return PixelWarp::from_affine(crop_affine(x0, y0)).then(PixelWarp::from_affine(resize_affine(k, k)));
}

HandSample crop_hand(const HandSample& s, const CropBox& box, int64_t out_size, GridPadding padding) {
  return warp_sample(s, crop_warp(box, out_size), out_size, out_size, padding);
}

}  // namespace hg::hand
