// Benchmarks: the rasterisers on a hand — the procedural MANO-compatible model (778 vertices,
// 1538 faces) in its rest pose, turned to face the camera and placed so that it spans ~150 px of a
// 224 × 224 image (f = 500 px, S2HAND's near 0.1 / far 100, σ = 1e-4 relative = 1.25 px², γ = 1e-4,
// the default 1e-4 culling).
//
//   bench_rasterize --benchmark_min_time=0.5            (times are wall-clock: OpenMP threads)
//   OMP_NUM_THREADS=1 bench_rasterize ...               (the single-core cost)
// On a machine shared with other jobs, OMP_WAIT_POLICY=passive stops idle OpenMP threads from
// spinning against them (the composed render opens many small parallel regions).
//
// soft_forward / soft_backward: the fused op kernels alone (ops/rasterize.h) on screen vertices;
// soft_forward_backward/<tile size>: both (the figure the ≤ 20 ms target is about; 32 is the
// default tile size); render_soft_fwd_bwd: the whole differentiable render (projection, normals,
// light, rasteriser) with a backward through every input; render_hard: the z-buffer of one
// image. Counters: pixel × face pairs tested (pixel in a face's grown bounding box) and evaluated
// (coverage above the culling threshold); silhouette_px: pixels with alpha > 1/2.
#include <benchmark/benchmark.h>

#include <cmath>
#include <vector>

#include "autograd/pointwise.h"
#include "autograd/reduce.h"
#include "autograd/shape.h"
#include "hand/light.h"
#include "hand/procedural_hand.h"
#include "hand/render.h"
#include "ops/rasterize.h"
#include "tensor/factory.h"
#include "tensor/view.h"

namespace {

using namespace hg;

struct Scene {
  Tensor vertices;  // [1, V, 3] camera frame, f32
  Tensor faces;     // [F, 3]
  Tensor colors;    // [1, V, 3]
  Tensor K;         // [3, 3]
  Tensor light;     // [11]
  Tensor screen;    // [1, V, 3] (u, v, z)
  hand::RenderSettings settings;
};

// The rest-pose hand, palm towards the camera: model (x, y, z) -> camera (x, −y, −z) (a rotation
// by π about x: fingers up in the image, the palm normal +z turned to −z), centred 0.6 m away.
const Scene& scene() {
  static const Scene s = [] {
    Scene sc;
    const hand::ManoModel m = hand::make_procedural_hand();
    std::vector<double> v = m.v_template.to_vector<double>();
    const int64_t n = m.num_vertices();
    double c[3] = {0, 0, 0};
    for (int64_t i = 0; i < n; ++i)
      for (int d = 0; d < 3; ++d) c[d] += v[3 * i + d] / static_cast<double>(n);
    for (int64_t i = 0; i < n; ++i) {
      const double x = v[3 * i] - c[0], y = v[3 * i + 1] - c[1], z = v[3 * i + 2] - c[2];
      v[3 * i] = x, v[3 * i + 1] = -y, v[3 * i + 2] = 0.6 - z;
    }
    sc.vertices = from_vector(v, {1, n, 3}, DType::f32);
    sc.faces = m.faces;
    Generator g(1);
    sc.colors = uniform({1, n, 3}, 0.4, 0.9, DType::f32, &g);
    sc.K = from_vector(std::vector<double>{500, 0, 111.5, 0, 500, 111.5, 0, 0, 1}, {3, 3}, DType::f32);
    sc.light = hand::light_parameters(0.6, 0.5, {1, 1, 1}, {1, 0.95, 0.9}, {0.2, -0.3, -1}, DType::f32);
    sc.screen = hand::screen_vertices(sc.vertices, sc.K);
    sc.settings.height = sc.settings.width = 224;
    return sc;
  }();
  return s;
}

SoftRasterSettings op_settings(const Scene& s) {
  SoftRasterSettings r;
  r.height = s.settings.height, r.width = s.settings.width;
  r.sigma = hand::sigma_pixels(s.settings);
  r.gamma = s.settings.gamma, r.near = s.settings.near, r.far = s.settings.far;
  r.background = {0, 0, 0};
  return r;
}

void report_pairs(benchmark::State& state, const ops::RasterStats& st) {
  state.counters["pairs_tested"] = static_cast<double>(st.pairs_tested);
  state.counters["pairs_evaluated"] = static_cast<double>(st.pairs_evaluated);
}

void BM_SoftForward(benchmark::State& state) {
  const Scene& s = scene();
  const SoftRasterSettings rs = op_settings(s);
  ops::SoftRaster r;
  for (auto _ : state) {
    r = ops::rasterize_soft(s.screen, s.faces, s.colors, rs);
    benchmark::DoNotOptimize(r.image.raw_data());
  }
  report_pairs(state, r.stats);
  double covered = 0;
  const std::vector<float> img = r.image.to_vector<float>();
  for (int64_t p = 0; p < 224 * 224; ++p) covered += img[3 * 224 * 224 + p] > 0.5f;
  state.counters["silhouette_px"] = covered;
}

void BM_SoftBackward(benchmark::State& state) {
  const Scene& s = scene();
  const SoftRasterSettings rs = op_settings(s);
  const ops::SoftRaster fwd = ops::rasterize_soft(s.screen, s.faces, s.colors, rs);
  Generator g(2);
  const Tensor grad = uniform(fwd.image.sizes(), -1, 1, DType::f32, &g);
  for (auto _ : state) {
    ops::SoftRasterGrads gr = ops::rasterize_soft_backward(grad, s.screen, s.faces, s.colors, fwd, rs);
    benchmark::DoNotOptimize(gr.screen.raw_data());
  }
  report_pairs(state, fwd.stats);
}

void BM_SoftForwardBackward(benchmark::State& state) {
  const Scene& s = scene();
  SoftRasterSettings rs = op_settings(s);
  rs.tile_size = state.range(0);
  Generator g(2);
  const Tensor grad = uniform({1, 5, 224, 224}, -1, 1, DType::f32, &g);
  ops::SoftRaster fwd;
  for (auto _ : state) {
    fwd = ops::rasterize_soft(s.screen, s.faces, s.colors, rs);
    ops::SoftRasterGrads gr = ops::rasterize_soft_backward(grad, s.screen, s.faces, s.colors, fwd, rs);
    benchmark::DoNotOptimize(gr.screen.raw_data());
  }
  report_pairs(state, fwd.stats);
}

void BM_RenderSoftForwardBackward(benchmark::State& state) {
  const Scene& s = scene();
  Generator g(3);
  const Tensor R = uniform({1, 3, 224, 224}, -1, 1, DType::f32, &g);
  for (auto _ : state) {
    Tensor v = ops::clone(s.vertices).set_requires_grad(true), c = ops::clone(s.colors).set_requires_grad(true);
    Tensor l = ops::clone(s.light).set_requires_grad(true);
    hand::SoftRender r = hand::render_soft(v, s.faces, c, s.K, l, s.settings);
    add(sum(mul(r.rgb, R)), add(sum(r.silhouette), sum(r.depth))).backward();
    benchmark::DoNotOptimize(v.grad().raw_data());
  }
}

void BM_RenderHard(benchmark::State& state) {
  const Scene& s = scene();
  const Tensor v = ops::select(s.vertices, 0, 0), c = ops::select(s.colors, 0, 0);
  for (auto _ : state) {
    hand::HardRender r = hand::render_hard(v, s.faces, c, s.K, s.light, s.settings);
    benchmark::DoNotOptimize(r.rgb.raw_data());
  }
}

BENCHMARK(BM_SoftForward)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_SoftBackward)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_SoftForwardBackward)->Arg(32)->Arg(16)->Arg(8)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_RenderSoftForwardBackward)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_RenderHard)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
