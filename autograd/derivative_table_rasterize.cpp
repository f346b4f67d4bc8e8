// Derivative table: the soft rasteriser (autograd/rasterize.h). Small meshes (1–4 triangles) on
// 8×8 … 16×20 images. Triangles are built around random centres with well-spread corners, so no
// face is a sliver and pixel centres fall on no edge, and depths differ enough that the culling
// (tightened to 1e-30 unless a row says otherwise) cannot be seen at the tolerances.
//
// Tolerances: the checked scalar s = Σ out·R (R in [0.5, 1.5]) sums a few hundred pixels of O(1)
// values, s ~ 500, so its rounding (~1e-12) over a 2e-6 central difference is ~5e-7: atol 1e-6,
// rtol 1e-5. The step stays small (1e-6 px) because the soft rasteriser has kinks, as SoftRas and
// PyTorch3D do: depth and attributes follow the true barycentrics inside a face but the nearest
// boundary point outside it, so their derivative across the normal of an edge jumps at the edge
// (and again where the nearest point reaches a vertex); the distance to the boundary is not
// differentiable on a face's medial axis. A pixel centre within ±eps·(its motion) of one spoils
// the difference. tests/ops/test_rasterize.cpp runs every row under many input draws.
#include <cmath>
#include <functional>
#include <vector>

#include "autograd/gradcheck.h"
#include "autograd/rasterize.h"
#include "tensor/factory.h"

namespace hg {
namespace {

using In = std::vector<Tensor>;
constexpr double kAtol = 1e-6, kRtol = 1e-5, kEps = 1e-6;

// [batch, 3n, 3] screen vertices of n separate triangles: centre in the image, corners at radius
// rmin..rmax about 120° apart, per-corner depth in [zlo, zhi]. A leaf requiring grad.
Tensor triangles(Generator& g, int64_t batch, int64_t n, int64_t h, int64_t w, double rmin, double rmax, double zlo,
                 double zhi) {
  const std::vector<double> u = uniform({batch, n, 12}, 0.0, 1.0, DType::f64, &g).to_vector<double>();
  std::vector<double> v;
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t f = 0; f < n; ++f) {
      const double* r = &u[(b * n + f) * 12];
      const double cx = 0.25 * w + 0.5 * w * r[0], cy = 0.25 * h + 0.5 * h * r[1], a0 = 6.2832 * r[2];
      for (int k = 0; k < 3; ++k) {
        const double ang = a0 + 2.0944 * k + 0.6 * (r[3 + k] - 0.5);
        const double rad = rmin + (rmax - rmin) * r[6 + k];
        v.insert(v.end(), {cx + rad * std::cos(ang), cy + rad * std::sin(ang), zlo + (zhi - zlo) * r[9 + k]});
      }
    }
  return from_vector(v, {batch, 3 * n, 3}, DType::f64).set_requires_grad(true);
}

// Face index tensors, made inside the functions on the device of their vertices `like`.
Tensor faces_of(const std::vector<int64_t>& ids, const Tensor& like) {
  return gc_on_device_of(from_vector(ids, {static_cast<int64_t>(ids.size() / 3), 3}, DType::i64), like);
}

Tensor separate(int64_t n, const Tensor& like) {
  std::vector<int64_t> ids(3 * n);
  for (int64_t i = 0; i < 3 * n; ++i) ids[i] = i;
  return faces_of(ids, like);
}

SoftRasterSettings settings(int64_t h, int64_t w, double sigma, double gamma, int64_t channels) {
  SoftRasterSettings s;
  s.height = h, s.width = w, s.sigma = sigma, s.gamma = gamma, s.near = 0.5, s.far = 4.0;
  s.cull_probability = 1e-30;
  for (int64_t c = 0; c < channels; ++c) s.background.push_back(0.25 + 0.25 * static_cast<double>(c));
  return s;
}

// A fan of 4 faces around a centre vertex, two of them wound the other way (shared vertices and edges).
Tensor fan_vertices(Generator& g) {
  const std::vector<double> base{7.3, 6.8, 1.1, 1.6, 1.9, 1.6, 12.7, 2.2, 1.3, 13.1, 11.6, 2.0, 2.4, 12.3, 1.5};
  const std::vector<double> jitter = uniform({15}, -0.4, 0.4, DType::f64, &g).to_vector<double>();
  std::vector<double> v(15);
  for (int i = 0; i < 15; ++i) v[i] = base[i] + (i % 3 == 2 ? 0.25 : 1.0) * jitter[i];
  return from_vector(v, {1, 5, 3}, DType::f64).set_requires_grad(true);
}

// Each row draws its inputs from its own stream of the caller's seed, not from the stream the
// table assigns (the row's position, which moves whenever rows are added elsewhere): the soft
// rasteriser has kinks, and about one draw in a few hundred puts a pixel centre within ±eps of
// one, so a row must not silently change its draw. The tests run the rows under many seeds.

const GradcheckTable rows({
    // one triangle, pixels inside, outside and near its edges; wide σ so most pixels see it
    {"rasterize_soft/one_triangle",
     gc_own_stream(1, [](Generator& g) { return In{triangles(g, 1, 1, 10, 12, 3, 5, 1.0, 2.0), gc_uniform(g, {1, 3, 3}, 0, 1)}; }),
     [](const In& x) { return rasterize_soft(x[0], separate(1, x[0]), x[1], settings(10, 12, 2.0, 0.2, 3)); },
     kAtol, kRtol, kEps},
    // overlapping / occluding faces at different depths: the depth softmax matters (γ 0.05)
    {"rasterize_soft/occluding_faces",
     gc_own_stream(2, [](Generator& g) { return In{triangles(g, 1, 3, 12, 12, 3, 6, 0.8, 3.0), gc_uniform(g, {1, 9, 3}, 0, 1)}; }),
     [](const In& x) { return rasterize_soft(x[0], separate(3, x[0]), x[1], settings(12, 12, 1.0, 0.05, 3)); },
     kAtol, kRtol, kEps},
    // sharp edges (σ 0.3 px²) and a sharp depth softmax (γ 0.02)
    {"rasterize_soft/sharp",
     gc_own_stream(3, [](Generator& g) { return In{triangles(g, 1, 2, 12, 12, 3, 6, 0.8, 3.0), gc_uniform(g, {1, 6, 2}, 0, 1)}; }),
     [](const In& x) { return rasterize_soft(x[0], separate(2, x[0]), x[1], settings(12, 12, 0.3, 0.02, 2)); },
     kAtol, kRtol, kEps},
    // per-face colours, a batch of two
    {"rasterize_soft/per_face_batch",
     gc_own_stream(4, [](Generator& g) { return In{triangles(g, 2, 2, 9, 11, 2.5, 5, 1.0, 2.5), gc_uniform(g, {2, 2, 3}, 0, 1)}; }),
     [](const In& x) {
       SoftRasterSettings s = settings(9, 11, 1.5, 0.1, 3);
       s.per_face_attributes = true;
       return rasterize_soft(x[0], separate(2, x[0]), x[1], s);
     },
     kAtol, kRtol, kEps},
    // shared vertices and both windings; small tiles so faces span several tiles (the backward's
    // per-tile records and their reduction)
    {"rasterize_soft/fan_tiles",
     gc_own_stream(5, [](Generator& g) { return In{fan_vertices(g), gc_uniform(g, {1, 5, 3}, 0, 1)}; }),
     [](const In& x) {
       SoftRasterSettings s = settings(14, 15, 1.0, 0.1, 3);
       s.tile_size = 4;
       return rasterize_soft(x[0], faces_of({0, 1, 2, 0, 3, 2, 0, 3, 4, 0, 1, 4}, x[0]), x[1], s);
     },
     kAtol, kRtol, kEps},
    // the default culling threshold (1e-4): the truncated function's own derivative
    {"rasterize_soft/default_culling",
     gc_own_stream(6, [](Generator& g) { return In{triangles(g, 1, 4, 16, 20, 3, 6, 1.0, 1.4), gc_uniform(g, {1, 12, 3}, 0, 1)}; }),
     [](const In& x) {
       SoftRasterSettings s = settings(16, 20, 1.25, 0.3, 3);
       s.cull_probability = 1e-4;
       return rasterize_soft(x[0], separate(4, x[0]), x[1], s);
     },
     kAtol, kRtol, kEps},
});

}  // namespace
}  // namespace hg
