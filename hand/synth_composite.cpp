#include "hand/synth_composite.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "tensor/factory.h"
#include "tensor/view.h"

namespace hg::hand {
namespace {

// Checks an f32 contiguous CPU [c, H, W] tensor and returns its data.
float* pixels(const Tensor& t, int64_t channels, int64_t h, int64_t w, const char* what, const char* name) {
  const bool ok = t.defined() && t.dtype() == DType::f32 && t.is_contiguous() && t.device() == Device::cpu() &&
                  t.dim() == 3 && t.size(0) == channels && (h < 0 || (t.size(1) == h && t.size(2) == w));
  if (!ok)
    throw std::invalid_argument(std::string(what) + ": " + name + " must be a contiguous f32 [" +
                                std::to_string(channels) + ", H, W] CPU tensor" +
                                (h < 0 ? "" : " of " + std::to_string(h) + "x" + std::to_string(w)) + ", got " +
                                (t.defined() ? std::string(dtype_name(t.dtype())) + " " + t.shape_string() : "undefined"));
  return t.data<float>();
}

// out = x ⊛ (1, 2, 1)ᵀ(1, 2, 1) / 16 with zero padding, for each of `planes` planes of h × w.
void tent3(const float* x, float* out, int64_t planes, int64_t h, int64_t w) {
  std::vector<float> rows(static_cast<size_t>(h * w));
  for (int64_t p = 0; p < planes; ++p) {
    const float* src = x + p * h * w;
    float* dst = out + p * h * w;
    for (int64_t i = 0; i < h; ++i)
      for (int64_t j = 0; j < w; ++j) {
        const float l = j > 0 ? src[i * w + j - 1] : 0.0f, r = j + 1 < w ? src[i * w + j + 1] : 0.0f;
        rows[i * w + j] = 0.25f * l + 0.5f * src[i * w + j] + 0.25f * r;
      }
    for (int64_t i = 0; i < h; ++i)
      for (int64_t j = 0; j < w; ++j) {
        const float u = i > 0 ? rows[(i - 1) * w + j] : 0.0f, d = i + 1 < h ? rows[(i + 1) * w + j] : 0.0f;
        dst[i * w + j] = 0.25f * u + 0.5f * rows[i * w + j] + 0.25f * d;
      }
  }
}

// Separable 3-tap Gaussian blur with replicated borders, in place.
void blur3(float* x, int64_t planes, int64_t h, int64_t w, double sigma) {
  const double e = std::exp(-1.0 / (2 * sigma * sigma));
  const auto side = static_cast<float>(e / (1 + 2 * e)), mid = static_cast<float>(1 / (1 + 2 * e));
  std::vector<float> tmp(static_cast<size_t>(h * w));
  for (int64_t p = 0; p < planes; ++p) {
    float* a = x + p * h * w;
    for (int64_t i = 0; i < h; ++i)
      for (int64_t j = 0; j < w; ++j)
        tmp[i * w + j] = side * a[i * w + std::max<int64_t>(j - 1, 0)] + mid * a[i * w + j] +
                         side * a[i * w + std::min(j + 1, w - 1)];
    for (int64_t i = 0; i < h; ++i)
      for (int64_t j = 0; j < w; ++j)
        a[i * w + j] = side * tmp[std::max<int64_t>(i - 1, 0) * w + j] + mid * tmp[i * w + j] +
                       side * tmp[std::min(i + 1, h - 1) * w + j];
  }
}

}  // namespace

void composite_layer(const Tensor& image, const Tensor& rgb, const Tensor& mask) {
  const char* what = "composite_layer";
  float* img = pixels(image, 3, -1, -1, what, "image");
  const int64_t h = image.size(1), w = image.size(2), n = h * w;
  const Tensor c_rgb = ops::contiguous(ops::to_dtype(rgb, DType::f32));
  const Tensor c_mask = ops::contiguous(ops::to_dtype(mask, DType::f32));
  const float* col = pixels(c_rgb, 3, h, w, what, "rgb");
  const float* m = pixels(c_mask, 1, h, w, what, "mask");
  std::vector<float> premultiplied(static_cast<size_t>(3 * n)), alpha(static_cast<size_t>(n)),
      blurred(static_cast<size_t>(3 * n));
  for (int64_t c = 0; c < 3; ++c)
    for (int64_t k = 0; k < n; ++k) premultiplied[c * n + k] = col[c * n + k] * m[k];
  tent3(m, alpha.data(), 1, h, w);
  tent3(premultiplied.data(), blurred.data(), 3, h, w);
  for (int64_t k = 0; k < n; ++k) {
    const float a = alpha[k];
    if (a <= 0) continue;
    for (int64_t c = 0; c < 3; ++c) {
      // Inside the mask the layer's own colour; in the one-pixel fringe the neighbours' mean.
      const float layer = m[k] > 0 ? col[c * n + k] : blurred[c * n + k] / a;
      img[c * n + k] += a * (layer - img[c * n + k]);
    }
  }
}

void apply_sensor_effects(Generator& g, const Tensor& image) {
  float* img = pixels(image, 3, -1, -1, "apply_sensor_effects", "image");
  const int64_t h = image.size(1), w = image.size(2), n = h * w;
  const bool blur = g.uniform() < 0.35;
  const double sigma = g.uniform(0.35, 0.85);
  if (blur) blur3(img, 3, h, w, sigma);
  const double gain = g.uniform(0.92, 1.08);
  double balance[3];
  for (double& b : balance) b = gain * g.uniform(0.96, 1.04);
  const double noise_sigma = g.uniform(0.002, 0.016);
  // Triangular noise of unit variance, four values per Philox block: each 32-bit word gives two
  // 16-bit uniforms a, b and z = ((a + b + 1) / 2^16 − 1) · √6 (the sum of two U(0, 1) has
  // variance 1/6). Close enough to Gaussian for sensor noise and ~10x cheaper than Box-Muller.
  const int64_t total = 3 * n;
  const uint64_t first = g.reserve(static_cast<uint64_t>((total + 3) / 4));
  const double scale = noise_sigma * std::sqrt(6.0) / 65536.0;
  Philox4x32::Block bits{};
  for (int64_t k = 0; k < total; ++k) {
    if (k % 4 == 0) bits = g.block(first + static_cast<uint64_t>(k / 4));
    const uint32_t word = bits[static_cast<size_t>(k % 4)];
    const double z = static_cast<double>((word & 0xFFFFu) + (word >> 16) + 1) - 65536.0;
    const double v = img[k] * balance[k >= 2 * n ? 2 : k >= n ? 1 : 0] + scale * z;
    img[k] = static_cast<float>(std::clamp(v, 0.0, 1.0));
  }
}

}  // namespace hg::hand
