#include "hand/draw.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "hand/light.h"
#include "hand/planar_pixels.h"
#include "hand/render.h"
#include "hand/skeleton.h"
#include "tensor/factory.h"
#include "tensor/view.h"

namespace hg::hand {
namespace {

// The image's pixels after checking it is a writable f32 [3, H, W] CPU tensor.
struct Canvas {
  float* data;
  int64_t h, w;
  void blend(int64_t i, int64_t j, Rgb c, double alpha) const { blend_pixel(data, h, w, i, j, c, alpha); }
};

Canvas canvas(const Tensor& image, const char* what) {
  if (!image.defined() || image.dtype() != DType::f32 || image.dim() != 3 || image.size(0) != 3 ||
      !image.is_contiguous() || image.device() != Device::cpu())
    throw std::invalid_argument(std::string(what) + ": expected a contiguous f32 [3, H, W] CPU image, got " +
                                (image.defined() ? std::string(dtype_name(image.dtype())) + " " + image.shape_string()
                                                 : "undefined"));
  return {image.data<float>(), image.size(1), image.size(2)};
}

// Coverage of a pixel at distance d from a shape of half-width r (1 inside, 0 beyond r + 1/2).
double coverage(double d, double r) { return std::clamp(r + 0.5 - d, 0.0, 1.0); }

std::vector<double> host_f64(const Tensor& t) { return t.to_vector<double>(); }

void line_on(const Canvas& cv, double u0, double v0, double u1, double v1, double width, Rgb color, double opacity) {
  if (!(std::isfinite(u0) && std::isfinite(v0) && std::isfinite(u1) && std::isfinite(v1))) return;
  const double r = width / 2, pad = r + 1;
  const auto [i0, i1] = pixel_span(std::min(v0, v1) - pad, std::max(v0, v1) + pad, cv.h);
  const auto [j0, j1] = pixel_span(std::min(u0, u1) - pad, std::max(u0, u1) + pad, cv.w);
  const double du = u1 - u0, dv = v1 - v0, len2 = du * du + dv * dv;
  for (int64_t i = i0; i <= i1; ++i)
    for (int64_t j = j0; j <= j1; ++j) {
      // Distance from the pixel centre (j, i) to the segment: project onto it, clamp to the ends.
      const double t = len2 > 0 ? std::clamp(((j - u0) * du + (i - v0) * dv) / len2, 0.0, 1.0) : 0.0;
      const double d = std::hypot(j - (u0 + t * du), i - (v0 + t * dv));
      const double a = coverage(d, r) * opacity;
      if (a > 0) cv.blend(i, j, color, a);
    }
}

}  // namespace

const std::array<Rgb, 5>& finger_colors() {
  static const std::array<Rgb, 5> colors{{{1.0f, 0.15f, 0.15f},
                                          {1.0f, 0.85f, 0.1f},
                                          {0.2f, 0.9f, 0.2f},
                                          {0.1f, 0.8f, 1.0f},
                                          {0.95f, 0.3f, 0.95f}}};
  return colors;
}

void draw_dot(const Tensor& image, double u, double v, double radius, Rgb color, double opacity) {
  const Canvas cv = canvas(image, "draw_dot");
  if (!(std::isfinite(u) && std::isfinite(v))) return;
  const auto [i0, i1] = pixel_span(v - radius - 1, v + radius + 1, cv.h);
  const auto [j0, j1] = pixel_span(u - radius - 1, u + radius + 1, cv.w);
  for (int64_t i = i0; i <= i1; ++i)
    for (int64_t j = j0; j <= j1; ++j) {
      const double a = coverage(std::hypot(j - u, i - v), radius) * opacity;
      if (a > 0) cv.blend(i, j, color, a);
    }
}

void draw_line(const Tensor& image, double u0, double v0, double u1, double v1, double width, Rgb color,
               double opacity) {
  line_on(canvas(image, "draw_line"), u0, v0, u1, v1, width, color, opacity);
}

void draw_skeleton(const Tensor& image, const Tensor& uv, const Tensor& valid, double dot_radius, double line_width) {
  const Canvas cv = canvas(image, "draw_skeleton");
  if (!uv.defined() || uv.sizes() != Shape{kNumKeypoints, 2})
    throw std::invalid_argument("draw_skeleton: uv must be [21, 2], got " + (uv.defined() ? uv.shape_string() : "undefined"));
  if (valid.defined() && valid.sizes() != Shape{kNumKeypoints})
    throw std::invalid_argument("draw_skeleton: valid must be [21], got " + valid.shape_string());
  const std::vector<double> p = host_f64(uv);
  const std::vector<double> ok = valid.defined() ? host_f64(valid) : std::vector<double>(kNumKeypoints, 1.0);
  auto usable = [&](int64_t k) { return ok[k] > 0 && std::isfinite(p[2 * k]) && std::isfinite(p[2 * k + 1]); };
  auto color_of = [](int64_t k) { return k == kWrist ? kWristColor : finger_colors()[finger_of(k)]; };
  for (const Bone& b : kBones)
    if (usable(b.parent) && usable(b.child))
      line_on(cv, p[2 * b.parent], p[2 * b.parent + 1], p[2 * b.child], p[2 * b.child + 1], line_width,
              finger_colors()[finger_of(b.child)], 1.0);
  for (int64_t k = 0; k < kNumKeypoints; ++k)
    if (usable(k)) {
      draw_dot(image, p[2 * k], p[2 * k + 1], dot_radius + 0.75, Rgb{0, 0, 0}, 0.8);  // dark rim
      draw_dot(image, p[2 * k], p[2 * k + 1], dot_radius, color_of(k));
    }
}

void draw_wireframe(const Tensor& image, const Tensor& uv, const Tensor& faces, Rgb color, double opacity,
                    double line_width) {
  const Canvas cv = canvas(image, "draw_wireframe");
  if (!uv.defined() || uv.dim() != 2 || uv.size(1) != 2)
    throw std::invalid_argument("draw_wireframe: uv must be [V, 2], got " + (uv.defined() ? uv.shape_string() : "undefined"));
  if (!faces.defined() || faces.dim() != 2 || faces.size(1) != 3 || is_floating(faces.dtype()))
    throw std::invalid_argument("draw_wireframe: faces must be integer [F, 3], got " +
                                (faces.defined() ? faces.shape_string() : "undefined"));
  const std::vector<double> p = host_f64(uv);
  const std::vector<int64_t> f = faces.to_vector<int64_t>();
  const int64_t V = uv.size(0);
  std::vector<std::pair<int64_t, int64_t>> edges;
  edges.reserve(f.size());
  for (size_t t = 0; t < f.size(); t += 3)
    for (int e = 0; e < 3; ++e) {
      const int64_t a = f[t + e], b = f[t + (e + 1) % 3];
      if (a < 0 || b < 0 || a >= V || b >= V)
        throw std::invalid_argument("draw_wireframe: face " + std::to_string(t / 3) + " has a vertex id outside [0, " +
                                    std::to_string(V) + ")");
      edges.emplace_back(std::min(a, b), std::max(a, b));
    }
  std::sort(edges.begin(), edges.end());
  edges.erase(std::unique(edges.begin(), edges.end()), edges.end());
  for (const auto& [a, b] : edges) line_on(cv, p[2 * a], p[2 * a + 1], p[2 * b], p[2 * b + 1], line_width, color, opacity);
}

void draw_mesh(const Tensor& image, const Tensor& vertices, const Tensor& faces, const Tensor& K, Rgb color,
               double opacity) {
  const Canvas cv = canvas(image, "draw_mesh");
  if (!vertices.defined() || vertices.dim() != 2 || vertices.size(1) != 3)
    throw std::invalid_argument("draw_mesh: vertices must be [V, 3], got " +
                                (vertices.defined() ? vertices.shape_string() : "undefined"));
  RenderSettings settings;
  settings.height = cv.h;
  settings.width = cv.w;
  settings.near = 1e-3;  // the overlay shows whatever lies in front of the camera
  const Tensor v = ops::contiguous(ops::to_dtype(vertices, DType::f32));
  const Tensor colors = Tensor::empty({v.size(0), 3}, DType::f32);
  float* c = colors.data<float>();
  for (int64_t i = 0; i < v.size(0); ++i) {
    c[3 * i] = color.r;
    c[3 * i + 1] = color.g;
    c[3 * i + 2] = color.b;
  }
  // Lit from the camera: ambient 0.45 plus 0.6 · max(0, n · (0, 0, −1)).
  const Tensor light = light_parameters(0.45, 0.6, {1, 1, 1}, {1, 1, 1}, {0, 0, -1}, DType::f32);
  const HardRender r = render_hard(v, ops::to_dtype(faces, DType::i64), colors, ops::to_dtype(K, DType::f32), light, settings);
  const Tensor rgb = ops::contiguous(ops::to_dtype(r.rgb, DType::f32));
  const Tensor mask = ops::contiguous(ops::to_dtype(r.mask, DType::f32));
  const float* src = rgb.data<float>();
  const float* m = mask.data<float>();
  const int64_t n = cv.h * cv.w;
  for (int64_t p = 0; p < n; ++p)
    if (m[p] > 0)
      cv.blend(p / cv.w, p % cv.w, Rgb{src[p], src[n + p], src[2 * n + p]}, opacity * m[p]);
}

}  // namespace hg::hand
