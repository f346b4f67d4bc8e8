#include "hand/synth_scene.h"

#include <stb_perlin.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "tensor/factory.h"
#include "tensor/view.h"

namespace hg::hand {
namespace {

double as_f32(double v) { return static_cast<double>(static_cast<float>(v)); }

struct Box {
  double min[3] = {1e30, 1e30, 1e30}, max[3] = {-1e30, -1e30, -1e30};
  double centre(int a) const { return 0.5 * (min[a] + max[a]); }
  double extent(int a) const { return max[a] - min[a]; }
};

std::vector<double> points_of(const Tensor& vertices, const char* what) {
  if (!vertices.defined() || vertices.dim() != 2 || vertices.size(1) != 3 || vertices.size(0) == 0)
    throw std::invalid_argument(std::string(what) + ": vertices must be [V, 3] with V > 0, got " +
                                (vertices.defined() ? vertices.shape_string() : "undefined"));
  return vertices.to_vector<double>();
}

Box box_of(const std::vector<double>& p) {
  Box b;
  for (size_t i = 0; i < p.size(); i += 3)
    for (int a = 0; a < 3; ++a) {
      b.min[a] = std::min(b.min[a], p[i + a]);
      b.max[a] = std::max(b.max[a], p[i + a]);
    }
  return b;
}

// The projected bounding box of p + t, and the smallest depth.
struct Projected {
  double umin = 1e30, umax = -1e30, vmin = 1e30, vmax = -1e30, zmin = 1e30;
};
Projected project_box(const std::vector<double>& p, const std::array<double, 3>& t, const SynthCamera& c) {
  Projected r;
  for (size_t i = 0; i < p.size(); i += 3) {
    const double x = p[i] + t[0], y = p[i + 1] + t[1], z = p[i + 2] + t[2];
    r.zmin = std::min(r.zmin, z);
    if (z <= 0) continue;
    const double u = c.fx * x / z + c.cx, v = c.fy * y / z + c.cy;
    r.umin = std::min(r.umin, u);
    r.umax = std::max(r.umax, u);
    r.vmin = std::min(r.vmin, v);
    r.vmax = std::max(r.vmax, v);
  }
  return r;
}

}  // namespace

Tensor SynthCamera::K(DType dtype) const {
  return from_vector(std::vector<double>{fx, 0, cx, 0, fy, cy, 0, 0, 1}, {3, 3}, dtype);
}

SynthCamera sample_camera(Generator& g, int64_t size) {
  const double s = static_cast<double>(size);
  SynthCamera c;
  c.fx = as_f32(s * g.uniform(1.7, 2.7));
  c.fy = as_f32(c.fx * g.uniform(0.98, 1.02));
  c.cx = as_f32((s - 1) / 2 + s * g.uniform(-0.04, 0.04));
  c.cy = as_f32((s - 1) / 2 + s * g.uniform(-0.04, 0.04));
  return c;
}

std::array<double, 3> random_rotation(Generator& g) {
  // A normalised 4-D Gaussian is a uniform unit quaternion, i.e. a uniform rotation.
  double q[4];
  double n = 0;
  do {
    for (double& c : q) c = g.normal();
    n = std::sqrt(q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3]);
  } while (n < 1e-6);
  for (double& c : q) c /= n;
  if (q[0] < 0)
    for (double& c : q) c = -c;  // w >= 0: angle in [0, π]
  const double angle = 2 * std::acos(std::min(1.0, q[0]));
  const double s = std::sqrt(std::max(0.0, 1 - q[0] * q[0]));  // sin(angle / 2)
  if (s < 1e-9) return {0, 0, 0};
  return {q[1] / s * angle, q[2] / s * angle, q[3] / s * angle};
}

std::array<double, 3> random_hand_rotation(Generator& g, double max_away) {
  for (;;) {
    const std::array<double, 3> w = random_rotation(g);
    // z of R·ŷ by Rodrigues: R ŷ = cos θ ŷ + sin θ (k × ŷ) + (1 − cos θ)(k·ŷ) k, k = w/θ; (k × ŷ)_z = k_x.
    const double theta = std::sqrt(w[0] * w[0] + w[1] * w[1] + w[2] * w[2]);
    double z = 0;
    if (theta > 1e-12) {
      const double kx = w[0] / theta, ky = w[1] / theta, kz = w[2] / theta;
      z = std::sin(theta) * kx + (1 - std::cos(theta)) * ky * kz;
    }
    if (z <= max_away) return w;
  }
}

std::array<double, 3> place_in_view(Generator& g, const Tensor& vertices, const SynthCamera& camera, int64_t size,
                                    double margin, double fill, double min_depth) {
  const std::vector<double> p = points_of(vertices, "place_in_view");
  const Box box = box_of(p);
  const double lo = margin + 0.25, hi = static_cast<double>(size - 1) - margin - 0.25, usable = hi - lo;
  if (!(usable > 4) || !(fill > 0 && fill <= 0.95))
    throw std::invalid_argument("place_in_view: no room (size " + std::to_string(size) + ", margin " +
                                std::to_string(margin) + ", fill " + std::to_string(fill) + ")");
  // First guess: depth from the metric extent, centre at a random point where the box fits.
  const double target = fill * usable;
  const double extent = std::max({box.extent(0), box.extent(1), 1e-3});
  const double depth = std::max(camera.fx, camera.fy) * extent / target;
  const double cu = g.uniform(lo + target / 2, hi - target / 2), cv = g.uniform(lo + target / 2, hi - target / 2);
  const double centre[3] = {box.centre(0), box.centre(1), 0.5 * (box.min[2] + box.max[2])};
  std::array<double, 3> t{depth * (cu - camera.cx) / camera.fx - centre[0], depth * (cv - camera.cy) / camera.fy - centre[1],
                          depth - centre[2]};
  // Refine: push the hand away until it is small enough, then slide it (at constant depth) inside.
  for (int iteration = 0; iteration < 100; ++iteration) {
    const Projected r = project_box(p, t, camera);
    if (r.zmin < min_depth) {
      t[2] += min_depth - r.zmin + 0.01;
      continue;
    }
    const double w = r.umax - r.umin, h = r.vmax - r.vmin;
    if (w > usable || h > usable) {
      // Scale the hand centre's position along its viewing ray: the projection shrinks by ≈ 1/s.
      const double s = 1.02 * std::max(w, h) / usable;
      for (int a = 0; a < 3; ++a) t[a] = s * (t[a] + centre[a]) - centre[a];
      continue;
    }
    const double du = r.umin < lo ? lo - r.umin : (r.umax > hi ? hi - r.umax : 0.0);
    const double dv = r.vmin < lo ? lo - r.vmin : (r.vmax > hi ? hi - r.vmax : 0.0);
    if (du == 0 && dv == 0) return t;
    const double z = t[2] + centre[2];
    t[0] += 1.02 * du * z / camera.fx;
    t[1] += 1.02 * dv * z / camera.fy;
  }
  throw std::runtime_error("place_in_view: could not fit the hand into the image");
}

std::array<double, 3> place_at_edge(Generator& g, const Tensor& vertices, const SynthCamera& camera, int64_t size,
                                    double nearest_depth, double outside) {
  const std::vector<double> p = points_of(vertices, "place_at_edge");
  const Box box = box_of(p);
  const double s = static_cast<double>(size);
  const int edge = static_cast<int>(g.randint(0, 4));
  const double along = g.uniform(0.0, s), beyond = g.uniform(-0.1, outside) * s;
  const double u = edge == 0 ? -beyond : edge == 1 ? s - 1 + beyond : along;
  const double v = edge == 2 ? -beyond : edge == 3 ? s - 1 + beyond : along;
  const double depth = nearest_depth + 0.5 * box.extent(2);  // depth of the box centre
  const double centre[3] = {box.centre(0), box.centre(1), box.centre(2)};
  return {depth * (u - camera.cx) / camera.fx - centre[0], depth * (v - camera.cy) / camera.fy - centre[1],
          depth - centre[2]};
}

const std::vector<std::array<double, 3>>& skin_palette() {
  // From very light to very dark (typical sRGB values of photographed skin).
  static const std::vector<std::array<double, 3>> palette{
      {0.98, 0.85, 0.76}, {0.95, 0.78, 0.66}, {0.90, 0.70, 0.57}, {0.84, 0.63, 0.49}, {0.76, 0.56, 0.42},
      {0.67, 0.47, 0.34}, {0.57, 0.39, 0.27}, {0.47, 0.31, 0.21}, {0.37, 0.24, 0.16}, {0.29, 0.19, 0.13}};
  return palette;
}

Tensor skin_colors(Generator& g, const Tensor& rest) {
  const std::vector<double> p = points_of(rest, "skin_colors");
  const auto& palette = skin_palette();
  const int64_t k = g.randint(0, static_cast<int64_t>(palette.size()) - 1);
  const double mix = g.uniform(), brightness = g.uniform(0.9, 1.1);
  const double ox = g.uniform(0, 100), oy = g.uniform(0, 100), oz = g.uniform(0, 100);
  const double darkness = (static_cast<double>(k) + mix) / static_cast<double>(palette.size() - 1);  // 0 light .. 1 dark
  const double palm = 0.06 + 0.14 * darkness;
  double tone[3];
  for (int c = 0; c < 3; ++c) tone[c] = brightness * ((1 - mix) * palette[k][c] + mix * palette[k + 1][c]);
  const int64_t V = rest.size(0);
  Tensor out = Tensor::empty({V, 3}, DType::f32);
  float* o = out.data<float>();
  constexpr double kRed[3] = {1.04, 0.97, 0.97};
  for (int64_t v = 0; v < V; ++v) {
    const double x = p[3 * v], y = p[3 * v + 1], z = p[3 * v + 2];
    const double n = stb_perlin_fbm_noise3(static_cast<float>(ox + 33 * x), static_cast<float>(oy + 33 * y),
                                           static_cast<float>(oz + 33 * z), 2.0f, 0.5f, 3);
    const double palm_side = std::clamp(z / 0.012, 0.0, 1.0);  // 0 on the back, 1 on the palm surface
    for (int c = 0; c < 3; ++c) {
      const double red = 1 + palm_side * (kRed[c] - 1);
      o[3 * v + c] = static_cast<float>(std::clamp(tone[c] * (1 + 0.08 * n) * (1 + palm * palm_side) * red, 0.0, 1.0));
    }
  }
  return out;
}

Tensor random_light(Generator& g) {
  std::vector<double> l(11);
  l[0] = g.uniform(0.35, 0.65);
  l[1] = g.uniform(0.35, 0.8);
  for (int which = 0; which < 2; ++which) {  // ambient then directional colour
    double c[3], top = 0;
    for (double& v : c) {
      v = g.uniform(0.8, 1.0);
      top = std::max(top, v);
    }
    for (int i = 0; i < 3; ++i) l[2 + 3 * which + i] = c[i] / top;
  }
  const double dx = g.uniform(-1, 1), dy = g.uniform(-1, 1), dz = -g.uniform(0.2, 1.2);
  const double n = std::sqrt(dx * dx + dy * dy + dz * dz);
  l[8] = dx / n;
  l[9] = dy / n;
  l[10] = dz / n;
  return from_vector(l, {11}, DType::f32);
}

}  // namespace hg::hand
