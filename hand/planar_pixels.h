// Pixel helpers shared by the painters of planar f32 [3, H, W] images (hand/draw.cpp,
// hand/synth_background.cpp); pixel (i, j) is row i, column j, centred at (x, y) = (j, i).
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <utility>

namespace hg::hand {

// Over-blends colour c onto pixel (i, j) with opacity alpha: p <- p + alpha (c - p) in each channel.
// Colour is any struct with float fields r, g, b.
template <class Colour>
inline void blend_pixel(float* image, int64_t h, int64_t w, int64_t i, int64_t j, const Colour& c, double alpha) {
  const auto a = static_cast<float>(alpha);
  float* p = image + i * w + j;
  p[0] += a * (c.r - p[0]);
  p[h * w] += a * (c.g - p[h * w]);
  p[2 * h * w] += a * (c.b - p[2 * h * w]);
}

// The first and last pixel index (of n) whose centre lies within [lo, hi]; first > last when none does.
inline std::pair<int64_t, int64_t> pixel_span(double lo, double hi, int64_t n) {
  const double first = std::max(std::ceil(lo), 0.0), last = std::min(std::floor(hi), static_cast<double>(n - 1));
  return {static_cast<int64_t>(first), static_cast<int64_t>(last)};
}

}  // namespace hg::hand
