#include "hand/synth_background.h"

#include <stb_perlin.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

#include "hand/planar_pixels.h"

namespace hg::hand {
namespace {

constexpr double kPi = 3.14159265358979323846;

// √(x² + y²) without std::hypot's overflow care (all values here are pixel-sized).
inline double hypot2(double x, double y) { return std::sqrt(x * x + y * y); }

struct Color {
  float r = 0, g = 0, b = 0;
};

// HSV (all in [0, 1]) -> RGB.
Color hsv(double h, double s, double v) {
  const double hh = 6.0 * (h - std::floor(h));
  const int sector = std::min(5, static_cast<int>(hh));
  const double f = hh - sector, p = v * (1 - s), q = v * (1 - s * f), t = v * (1 - s * (1 - f));
  double r = v, g = t, b = p;
  switch (sector) {
    case 1: r = q, g = v, b = p; break;
    case 2: r = p, g = v, b = t; break;
    case 3: r = p, g = q, b = v; break;
    case 4: r = t, g = p, b = v; break;
    case 5: r = v, g = p, b = q; break;
    default: break;
  }
  return {static_cast<float>(r), static_cast<float>(g), static_cast<float>(b)};
}

Color random_color(Generator& g) {
  const double h = g.uniform(), s = g.uniform(0.05, 0.8), v = g.uniform(0.1, 0.95);
  return hsv(h, s, v);
}

class Canvas {
 public:
  Canvas(float* p, int64_t h, int64_t w) : p_(p), h_(h), w_(w) {}
  int64_t h() const { return h_; }
  int64_t w() const { return w_; }
  float* channel(int c) const { return p_ + c * h_ * w_; }
  void blend(int64_t i, int64_t j, Color c, double alpha) const { blend_pixel(p_, h_, w_, i, j, c, alpha); }

  // Fills the pixels whose centres lie in [x0, x1] × [y0, y1] with coverage from the signed
  // distance sd(x, y) (pixels, negative inside) and colour color(x, y).
  template <class SignedDistance, class Shading>
  void fill(double x0, double y0, double x1, double y1, double opacity, SignedDistance sd, Shading color) const {
    const auto [i0, i1] = pixel_span(y0, y1, h_);
    const auto [j0, j1] = pixel_span(x0, x1, w_);
    for (int64_t i = i0; i <= i1; ++i)
      for (int64_t j = j0; j <= j1; ++j) {
        const double x = static_cast<double>(j), y = static_cast<double>(i);
        const double a = std::clamp(0.5 - sd(x, y), 0.0, 1.0) * opacity;
        if (a > 0) blend(i, j, color(x, y), a);
      }
  }

 private:
  float* p_;
  int64_t h_, w_;
};

// 1. Linear or radial gradient between two colours.
void paint_gradient(const Canvas& cv, Generator& g) {
  const Color c0 = random_color(g), c1 = random_color(g);
  const bool radial = g.uniform() < 0.3;
  const double angle = g.uniform(0, 2 * kPi), px = g.uniform(0, cv.w()), py = g.uniform(0, cv.h());
  const double diag = hypot2(cv.w(), cv.h()), ca = std::cos(angle), sa = std::sin(angle);
  for (int64_t i = 0; i < cv.h(); ++i)
    for (int64_t j = 0; j < cv.w(); ++j) {
      const double t = radial ? hypot2(j - px, i - py) / diag
                              : 0.5 + ((j - cv.w() / 2.0) * ca + (i - cv.h() / 2.0) * sa) / diag;
      const auto u = static_cast<float>(std::clamp(t, 0.0, 1.0));
      const int64_t k = i * cv.w() + j;
      cv.channel(0)[k] = c0.r + u * (c1.r - c0.r);
      cv.channel(1)[k] = c0.g + u * (c1.g - c0.g);
      cv.channel(2)[k] = c0.b + u * (c1.b - c0.b);
    }
}

// 2. Fractal noise: brightness ×(1 + a·n1) and a colour shift b·n2·tint, n on a 4-pixel grid.
void paint_noise(const Canvas& cv, Generator& g) {
  constexpr int64_t kStep = 4;
  const double feature = g.uniform(0.1, 0.5) * std::max(cv.w(), cv.h());  // pixels per noise period
  const int octaves = static_cast<int>(g.randint(3, 6));
  const double ox = g.uniform(0, 200), oy = g.uniform(0, 200), oz = g.uniform(0, 200);
  const double brightness = g.uniform(0.05, 0.45), shift = g.uniform(0.0, 0.15);
  const Color tint = hsv(g.uniform(), 1.0, 1.0);
  const int64_t gh = cv.h() / kStep + 2, gw = cv.w() / kStep + 2;
  std::vector<float> n1(static_cast<size_t>(gh * gw)), n2(n1.size());
  for (int64_t y = 0; y < gh; ++y)
    for (int64_t x = 0; x < gw; ++x) {
      const auto fx = static_cast<float>(ox + x * kStep / feature), fy = static_cast<float>(oy + y * kStep / feature);
      n1[y * gw + x] = stb_perlin_fbm_noise3(fx, fy, static_cast<float>(oz), 2.0f, 0.5f, octaves);
      n2[y * gw + x] = stb_perlin_fbm_noise3(fx, fy, static_cast<float>(oz + 37.5), 2.0f, 0.5f, octaves);
    }
  for (int64_t i = 0; i < cv.h(); ++i) {
    const int64_t y = i / kStep;
    const float ty = static_cast<float>(i % kStep) / kStep;
    for (int64_t j = 0; j < cv.w(); ++j) {
      const int64_t x = j / kStep;
      const float tx = static_cast<float>(j % kStep) / kStep;
      auto lerp2 = [&](const std::vector<float>& n) {
        const float a = n[y * gw + x] + tx * (n[y * gw + x + 1] - n[y * gw + x]);
        const float b = n[(y + 1) * gw + x] + tx * (n[(y + 1) * gw + x + 1] - n[(y + 1) * gw + x]);
        return a + ty * (b - a);
      };
      const float m = 1.0f + static_cast<float>(brightness) * lerp2(n1);
      const float s = static_cast<float>(shift) * lerp2(n2);
      const int64_t k = i * cv.w() + j;
      cv.channel(0)[k] = cv.channel(0)[k] * m + s * (tint.r - 0.5f);
      cv.channel(1)[k] = cv.channel(1)[k] * m + s * (tint.g - 0.5f);
      cv.channel(2)[k] = cv.channel(2)[k] * m + s * (tint.b - 0.5f);
    }
  }
}

// 3./4. One random shape of about `radius` pixels: rotated box, ellipse, triangle or bar, with a
// linear shading ramp c · (1 + ramp · t), t in [-1/2, 1/2] across the shape.
void paint_shape(const Canvas& cv, Generator& g, double radius) {
  const int kind = static_cast<int>(g.randint(0, 4));
  const double cx = g.uniform(-0.1, 1.1) * cv.w(), cy = g.uniform(-0.1, 1.1) * cv.h();
  const double angle = g.uniform(0, kPi), ca = std::cos(angle), sa = std::sin(angle);
  const double a = radius * g.uniform(0.3, 1.0), b = radius * g.uniform(0.3, 1.0);
  const Color c = random_color(g);
  const double opacity = g.uniform(0.5, 1.0), ramp = g.uniform(-0.5, 0.5), ramp_angle = g.uniform(0, 2 * kPi);
  const double rx = std::cos(ramp_angle) / (2 * radius), ry = std::sin(ramp_angle) / (2 * radius);
  auto shade = [&](double x, double y) {
    const auto f = static_cast<float>(1.0 + ramp * std::clamp((x - cx) * rx + (y - cy) * ry, -0.5, 0.5));
    return Color{std::min(1.0f, c.r * f), std::min(1.0f, c.g * f), std::min(1.0f, c.b * f)};
  };
  const double reach = std::max(a, b) + 2;
  auto local = [&](double x, double y) {  // coordinates in the shape's rotated frame
    return std::array<double, 2>{(x - cx) * ca + (y - cy) * sa, -(x - cx) * sa + (y - cy) * ca};
  };
  if (kind == 0) {  // rotated rectangle: sd = max(|x'| - a, |y'| - b)
    cv.fill(cx - reach * 1.5, cy - reach * 1.5, cx + reach * 1.5, cy + reach * 1.5, opacity,
            [&](double x, double y) {
              const auto p = local(x, y);
              return std::max(std::fabs(p[0]) - a, std::fabs(p[1]) - b);
            },
            shade);
  } else if (kind == 1) {  // ellipse: sd ≈ (k - 1) / |∇k|, k = |(x'/a, y'/b)|
    cv.fill(cx - reach, cy - reach, cx + reach, cy + reach, opacity,
            [&](double x, double y) {
              const auto p = local(x, y);
              const double k = hypot2(p[0] / a, p[1] / b);
              const double grad = hypot2(p[0] / (a * a), p[1] / (b * b)) / std::max(k, 1e-9);
              return grad > 1e-12 ? (k - 1) / grad : -std::min(a, b);
            },
            shade);
  } else if (kind == 2) {  // triangle: the largest signed distance to its three edge lines
    std::array<std::array<double, 2>, 3> v{};
    for (int k = 0; k < 3; ++k) {
      const double t = angle + k * 2 * kPi / 3 + g.uniform(-0.5, 0.5), r = radius * g.uniform(0.5, 1.0);
      v[k] = {cx + r * std::cos(t), cy + r * std::sin(t)};
    }
    const double orient = (v[1][0] - v[0][0]) * (v[2][1] - v[0][1]) - (v[1][1] - v[0][1]) * (v[2][0] - v[0][0]);
    const double s = orient > 0 ? 1.0 : -1.0;
    // Edge k as a line n·(x, y) = d with unit outward normal n.
    std::array<std::array<double, 3>, 3> edge{};
    for (int k = 0; k < 3; ++k) {
      const auto& p = v[k];
      const auto& q = v[(k + 1) % 3];
      const double ex = q[0] - p[0], ey = q[1] - p[1], len = std::max(hypot2(ex, ey), 1e-9);
      const double nx = s * ey / len, ny = -s * ex / len;
      edge[k] = {nx, ny, nx * p[0] + ny * p[1]};
    }
    cv.fill(cx - radius - 2, cy - radius - 2, cx + radius + 2, cy + radius + 2, opacity,
            [&](double x, double y) {
              double sd = -1e30;
              for (const auto& e : edge) sd = std::max(sd, e[0] * x + e[1] * y - e[2]);
              return sd;
            },
            shade);
  } else {  // bar: a capsule of half-width b/3 along a segment of half-length a·1.5
    const double half = 1.5 * a, width = std::max(1.0, b / 3);
    cv.fill(cx - half - width - 2, cy - half - width - 2, cx + half + width + 2, cy + half + width + 2, opacity,
            [&](double x, double y) {
              const auto p = local(x, y);
              const double t = std::clamp(p[0], -half, half);
              return hypot2(p[0] - t, p[1]) - width;
            },
            shade);
  }
}

// 5. Stripes of period P over a rotated rectangle: two colours, smooth-edged.
void paint_stripes(const Canvas& cv, Generator& g) {
  const double cx = g.uniform(0, cv.w()), cy = g.uniform(0, cv.h());
  const double a = g.uniform(0.2, 0.7) * cv.w(), b = g.uniform(0.2, 0.7) * cv.h();
  const double angle = g.uniform(0, kPi), ca = std::cos(angle), sa = std::sin(angle);
  const double period = g.uniform(3, 16), duty = g.uniform(0.3, 0.7), opacity = g.uniform(0.4, 0.9);
  const Color c0 = random_color(g), c1 = random_color(g);
  const double reach = hypot2(a, b) + 2;
  cv.fill(cx - reach, cy - reach, cx + reach, cy + reach, opacity,
          [&](double x, double y) {
            const double px = (x - cx) * ca + (y - cy) * sa, py = -(x - cx) * sa + (y - cy) * ca;
            return std::max(std::fabs(px) - a, std::fabs(py) - b);
          },
          [&](double x, double y) {
            const double t = ((x - cx) * ca + (y - cy) * sa) / period;
            const double f = t - std::floor(t);  // position within the period
            const double on = std::clamp((duty / 2 - std::fabs(f - duty / 2)) * period + 0.5, 0.0, 1.0);
            const auto u = static_cast<float>(on);
            return Color{c1.r + u * (c0.r - c1.r), c1.g + u * (c0.g - c1.g), c1.b + u * (c0.b - c1.b)};
          });
}

}  // namespace

Tensor synth_background(Generator& g, int64_t height, int64_t width) {
  if (height <= 0 || width <= 0)
    throw std::invalid_argument("synth_background: invalid size " + std::to_string(height) + "x" + std::to_string(width));
  Tensor out = Tensor::empty({3, height, width}, DType::f32);
  const Canvas cv(out.data<float>(), height, width);
  const double side = static_cast<double>(std::max(height, width));
  paint_gradient(cv, g);
  paint_noise(cv, g);
  for (int64_t k = 0, n = g.randint(2, 9); k < n; ++k) paint_shape(cv, g, side * g.uniform(0.15, 0.45));
  for (int64_t k = 0, n = g.randint(10, 41); k < n; ++k) paint_shape(cv, g, side * g.uniform(0.02, 0.12));
  if (g.uniform() < 0.25) paint_stripes(cv, g);
  float* p = out.data<float>();
  for (int64_t i = 0, n = out.numel(); i < n; ++i) p[i] = std::clamp(p[i], 0.0f, 1.0f);
  return out;
}

}  // namespace hg::hand
