// Derivative table: the light, normals and the full soft render (hand/light.h, hand/render.h).
// These compose registered differentiable functions (and the rasteriser, checked on its own in
// autograd/derivative_table_rasterize.cpp); the rows check the compositions end to end, with
// inputs kept away from the kinks: n·d̂ = 0 (the Lambert max), pixel centres on edges.
#include <cmath>
#include <functional>
#include <vector>

#include "autograd/gradcheck.h"
#include "autograd/node.h"
#include "autograd/pointwise.h"
#include "autograd/shape.h"
#include "hand/light.h"
#include "hand/render.h"
#include "tensor/factory.h"

namespace hg::hand {
namespace {

using In = std::vector<Tensor>;
constexpr double kRenderAtol = 1e-5, kRenderRtol = 1e-5, kRenderEps = 1e-7;

Tensor leaf(const std::vector<double>& v, const Shape& shape) {
  return from_vector(v, shape, DType::f64).set_requires_grad(true);
}

// Lights [batch, 11]: intensities 0.3–1, colours 0.4–1, direction near (0.2, −0.3, −1) (towards
// the camera side).
Tensor lights(Generator& g, int64_t batch) {
  const std::vector<double> u = uniform({batch, 11}, 0.0, 1.0, DType::f64, &g).to_vector<double>();
  std::vector<double> v(u.size());
  for (int64_t b = 0; b < batch; ++b) {
    const double* r = &u[11 * b];
    double* l = &v[11 * b];
    for (int k = 0; k < 2; ++k) l[k] = 0.3 + 0.7 * r[k];
    for (int k = 2; k < 8; ++k) l[k] = 0.4 + 0.6 * r[k];
    l[8] = 0.2 + 0.2 * (r[8] - 0.5), l[9] = -0.3 + 0.2 * (r[9] - 0.5), l[10] = -1.0 + 0.4 * (r[10] - 0.5);
  }
  return leaf(v, {batch, 11});
}

// Normals whose dot product with those light directions is at least ~0.2 in magnitude: |n_z| in
// [0.5, 1] with either sign, |n_x|, |n_y| <= 0.3 (both sides of the Lambert kink are exercised).
Tensor normals(Generator& g, int64_t batch, int64_t n) {
  const std::vector<double> u = uniform({batch, n, 4}, 0.0, 1.0, DType::f64, &g).to_vector<double>();
  std::vector<double> v(3 * batch * n);
  for (int64_t i = 0; i < batch * n; ++i) {
    const double* r = &u[4 * i];
    v[3 * i] = 0.6 * (r[0] - 0.5), v[3 * i + 1] = 0.6 * (r[1] - 0.5);
    v[3 * i + 2] = (r[3] < 0.5 ? -1 : 1) * (0.5 + 0.5 * r[2]);
  }
  return leaf(v, {batch, n, 3});
}

// A regular octahedron of radius `radius`, randomly rotated, centred at `centre`; faces
// counter-clockwise seen from outside.
Tensor octahedron(Generator& g, const std::vector<double>& centre, double radius) {
  const std::vector<double> q = uniform({4}, -1.0, 1.0, DType::f64, &g).to_vector<double>();
  const double n = std::sqrt(q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3]);
  const double w = q[0] / n, x = q[1] / n, y = q[2] / n, z = q[3] / n;
  const double R[9] = {1 - 2 * (y * y + z * z), 2 * (x * y - w * z),     2 * (x * z + w * y),
                       2 * (x * y + w * z),     1 - 2 * (x * x + z * z), 2 * (y * z - w * x),
                       2 * (x * z - w * y),     2 * (y * z + w * x),     1 - 2 * (x * x + y * y)};
  std::vector<double> v;
  for (int axis = 0; axis < 3; ++axis)
    for (double s : {1.0, -1.0})
      for (int r = 0; r < 3; ++r) v.push_back(centre[r] + radius * s * R[3 * r + axis]);
  return leaf(v, {1, 6, 3});
}

// Vertex 2a is +axis a, 2a+1 is −axis a; the face of octant (sx, sy, sz) is outward-CCW as
// (x, y, z) when sx·sy·sz > 0, else (x, z, y).
// Made inside the functions, on the device of the input `like`.
Tensor octahedron_faces(const Tensor& like) {
  std::vector<int64_t> f;
  for (int sx = 0; sx < 2; ++sx)
    for (int sy = 0; sy < 2; ++sy)
      for (int sz = 0; sz < 2; ++sz) {
        const int64_t a = sx, b = 2 + sy, c = 4 + sz;
        if ((sx + sy + sz) % 2 == 0) f.insert(f.end(), {a, b, c});
        else f.insert(f.end(), {a, c, b});
      }
  return gc_on_device_of(from_vector(f, {8, 3}, DType::i64), like);
}

// A 12 × 12 camera: f = 100 px, principal point off the pixel grid.
Tensor camera(int64_t batch) {
  std::vector<double> k(9 * batch, 0.0);
  for (int64_t b = 0; b < batch; ++b) {
    double* m = &k[9 * b];
    m[0] = 100 + 3.0 * static_cast<double>(b), m[2] = 5.7, m[4] = 98, m[5] = 6.2, m[8] = 1;
  }
  return leaf(k, {batch, 3, 3});
}

RenderSettings small_settings() {
  RenderSettings s;
  s.height = 12, s.width = 12;
  s.sigma = 0.5 / 36.0;  // 0.5 px² at this size
  s.gamma = 0.02;
  s.near = 0.1, s.far = 2.0;  // the octahedron's depth span (6 cm) is z̄ 0.03: weights e^1.5 apart
  s.background = {0.2, 0.5, 0.8};
  s.cull_probability = 1e-30;
  return s;
}

Tensor render_all(const SoftRender& r) { return cat({r.rgb, r.silhouette, r.depth}, 1); }

// Each row draws its inputs from its own stream of the caller's seed, not from the stream the
// table assigns (the row's position, which moves whenever rows are added elsewhere): the soft
// rasteriser has kinks, and about one draw in a few hundred puts a pixel centre within ±eps of
// one, so a row must not silently change its draw. The tests run the rows under many seeds.

const GradcheckTable rows({
    {"hand_shade/batch",
     gc_own_stream(1, [](Generator& g) { return In{gc_uniform(g, {2, 5, 3}, 0.2, 1.0), normals(g, 2, 5), lights(g, 2)}; }),
     [](const In& x) { return shade(x[0], x[1], x[2]); }},
    {"hand_face_normals/fan", gc_own_stream(2, [](Generator& g) { return In{gc_uniform(g, {2, 5, 3})}; }),
     [](const In& x) {
       const std::vector<int64_t> fan{0, 1, 2, 0, 2, 3, 0, 4, 3, 1, 4, 2};
       return face_normals(x[0], gc_on_device_of(from_vector(fan, {4, 3}, DType::i64), x[0]));
     }},
    {"hand_vertex_normals/octahedron", gc_own_stream(3, [](Generator& g) { return In{octahedron(g, {0.1, -0.2, 0.9}, 0.5)}; }),
     [](const In& x) { return vertex_normals(x[0], octahedron_faces(x[0])); }},
    {"hand_screen_vertices/batch",
     gc_own_stream(4, [](Generator& g) {
       return In{leaf(cat({uniform({2, 4, 2}, -0.1, 0.1, DType::f64, &g), uniform({2, 4, 1}, 0.4, 0.8, DType::f64, &g)}, -1)
                          .to_vector<double>(),
                      {2, 4, 3}),
                 camera(2)};
     }),
     [](const In& x) { return screen_vertices(x[0], x[1]); }, 1e-7, 1e-5, 1e-5},
    // The whole chain: projection, vertex normals, Gouraud shading, soft rasterisation. The
    // vertices are given in centimetres (scaled to metres inside) so that one finite-difference
    // step suits every input. The step is tiny, 1e-7 (1e-9 m moves a vertex by 2e-7 px; K22 moves
    // pixels by up to 6e-7 px), because the soft rasteriser has kinks
    // (autograd/derivative_table_rasterize.cpp) — most often across the edges shared by a
    // near-edge-on face, whose depth changes fast across it; atol 1e-5 then covers the rounding
    // of s = Σ out·R ~ 1000 (~1e-12) over a 2e-7 difference, gradients being O(1–100).
    {"hand_render_soft/per_vertex_lit",
     gc_own_stream(5, [](Generator& g) {
       return In{octahedron(g, {0.2, -0.3, 50}, 3), gc_uniform(g, {1, 6, 3}, 0.3, 1.0), camera(1), lights(g, 1)};
     }),
     [](const In& x) {
       return render_all(render_soft(mul(x[0], 0.01), octahedron_faces(x[0]), x[1], x[2], x[3], small_settings()));
     },
     kRenderAtol, kRenderRtol, kRenderEps},
    // Per-face colours shaded with face normals, a batch of two with a shared K (held constant:
    // its gradient is checked above, and it moves pixels the most) and one light per image. Steps
    // of 3e-7 (3e-9 m, 6e-7 px): adjacent faces differ in colour here, which magnifies the kinks.
    {"hand_render_soft/per_face_batch",
     gc_own_stream(6, [](Generator& g) {
       Tensor a = octahedron(g, {0.3, 0.1, 55}, 3), b = octahedron(g, {-0.2, 0.2, 60}, 3.5);
       return In{leaf(cat({a, b}, 0).to_vector<double>(), {2, 6, 3}), gc_uniform(g, {2, 8, 3}, 0.3, 1.0), lights(g, 2)};
     }),
     [](const In& x) {
       RenderSettings s = small_settings();
       s.per_face_colors = true;
       const Tensor K = gc_on_device_of(select(detach(camera(1)), 0, 0), x[0]);
       return render_all(render_soft(mul(x[0], 0.01), octahedron_faces(x[0]), x[1], K, x[2], s));
     },
     kRenderAtol, kRenderRtol, 3e-7},
});

}  // namespace
}  // namespace hg::hand
