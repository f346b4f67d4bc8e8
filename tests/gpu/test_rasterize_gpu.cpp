// The rasterisers on CUDA vs the CPU on a hand-sized mesh (782 vertices, 1560 faces, near MANO's
// 778 / 1538: a bumpy closed surface seen in perspective) in a small image: soft forward (image, state, pair counts), soft
// backward (screen and attribute gradients, per vertex and per face, batch of 2) and the hard
// z-buffer; the backward twice, bit for bit (no atomics). Tolerances relative to max |expected|:
// f64 1e-9, f32 1e-4 (GPU fused multiply-adds move edge-distance roundings; the per-pixel code is
// the CPU's); hard z-buffer face ids must agree on >= 99.5% of the pixels (ties in depth at a
// shared edge may fall either way under a different rounding) and depth/attributes where they agree.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "ops/rasterize.h"
#include "tensor/factory.h"
#include "tensor/view.h"
#include "tests/common/compare.h"
#include "tests/common/gpu_test.h"

namespace hg {
namespace {

using testing::kGpu;
using testing::gpu;
using testing::cpu;

constexpr int kRings = 28, kSegments = 30;  // 26 inner rings of 30 vertices and two poles
constexpr int64_t kSide = 48;               // image side in pixels

// A closed lat-long surface (poles merged) with a bumpy radius, ~0.1 m across at ~0.5 m depth,
// projected with a pinhole (focal 200 px, ~20 px radius): screen [B, V, 3] and faces [F, 3].
struct Mesh {
  Tensor screen, faces;
  int64_t V = 0, F = 0;
};

Mesh make_mesh(int64_t batch, DType dt) {
  std::vector<double> pts;
  auto add = [&](double th, double ph, double r, int b) {
    const double X = 0.01 * b + r * std::sin(th) * std::cos(ph), Y = r * 0.8 * std::cos(th);
    const double Z = 0.5 + r * std::sin(th) * std::sin(ph);
    pts.insert(pts.end(), {kSide / 2.0 + 200 * X / Z, kSide / 2.0 + 200 * Y / Z, Z});
  };
  Mesh m;
  std::vector<int64_t> f;
  const int64_t top = 0, inner_rings = kRings - 2;
  m.V = 2 + inner_rings * kSegments;
  auto id = [&](int ring, int seg) { return 1 + (ring - 1) * kSegments + (seg % kSegments); };  // ring 1..R-2
  const int64_t bottom = m.V - 1;
  for (int s = 0; s < kSegments; ++s) f.insert(f.end(), {top, id(1, s + 1), id(1, s)});
  for (int r = 1; r < kRings - 2; ++r)
    for (int s = 0; s < kSegments; ++s) {
      f.insert(f.end(), {id(r, s), id(r, s + 1), id(r + 1, s + 1)});
      f.insert(f.end(), {id(r, s), id(r + 1, s + 1), id(r + 1, s)});
    }
  for (int s = 0; s < kSegments; ++s) f.insert(f.end(), {bottom, id(kRings - 2, s), id(kRings - 2, s + 1)});
  m.F = static_cast<int64_t>(f.size()) / 3;
  for (int b = 0; b < batch; ++b) {
    add(0, 0, 0.05, b);
    for (int r = 1; r <= inner_rings; ++r)
      for (int s = 0; s < kSegments; ++s) {
        const double th = M_PI * r / (kRings - 1), ph = 2 * M_PI * s / kSegments;
        add(th, ph, 0.05 * (1 + 0.15 * std::sin(3 * th + b) * std::cos(5 * ph)), b);
      }
    add(M_PI, 0, 0.05, b);
  }
  m.screen = from_vector(pts, {batch, m.V, 3}, dt);
  m.faces = from_vector(f, {m.F, 3});
  return m;
}

double tolerance(DType dt) { return dt == DType::f64 ? 1e-9 : 1e-4; }

TEST(GpuRasterize, SoftForwardAndBackwardMatchTheCpuOnAHandSizedMesh) {
  REQUIRE_GPU();
  for (DType dt : {DType::f64, DType::f32})
    for (bool per_face : {false, true}) {
      SCOPED_TRACE(std::string(dtype_name(dt)) + (per_face ? " per-face" : " per-vertex"));
      const Mesh m = make_mesh(2, dt);
      Generator g(41);
      const Tensor attrs = ops::to_dtype(uniform({2, per_face ? m.F : m.V, 3}, 0, 1, DType::f64, &g), dt);
      SoftRasterSettings s;
      s.height = s.width = kSide;
      s.sigma = 0.5;
      s.gamma = 1e-2;
      s.background = {0.1, 0.2, 0.3};
      s.per_face_attributes = per_face;
      s.tile_size = 16;
      const ops::SoftRaster ref = ops::rasterize_soft(m.screen, m.faces, attrs, s);
      const ops::SoftRaster dev = ops::rasterize_soft(gpu(m.screen), gpu(m.faces), gpu(attrs), s);
      EXPECT_TRUE(testing::AllClose(cpu(dev.image), ref.image, tolerance(dt)));
      EXPECT_EQ(dev.stats.pairs_tested, ref.stats.pairs_tested);
      EXPECT_NEAR(static_cast<double>(dev.stats.pairs_evaluated), static_cast<double>(ref.stats.pairs_evaluated),
                  1e-3 * static_cast<double>(ref.stats.pairs_evaluated));
      const Tensor go = ops::to_dtype(uniform(ref.image.sizes(), -1, 1, DType::f64, &g), dt);
      const auto gr = ops::rasterize_soft_backward(go, m.screen, m.faces, attrs, ref, s);
      const auto gd = ops::rasterize_soft_backward(gpu(go), gpu(m.screen), gpu(m.faces), gpu(attrs), dev, s);
      EXPECT_TRUE(testing::AllClose(cpu(gd.screen), gr.screen, tolerance(dt)));
      EXPECT_TRUE(testing::AllClose(cpu(gd.attrs), gr.attrs, tolerance(dt)));
      const auto again = ops::rasterize_soft_backward(gpu(go), gpu(m.screen), gpu(m.faces), gpu(attrs), dev, s);
      EXPECT_TRUE(testing::BitEqual(cpu(again.screen), cpu(gd.screen)));
      EXPECT_TRUE(testing::BitEqual(cpu(again.attrs), cpu(gd.attrs)));
      // only one of the two gradients
      const auto only_attrs =
          ops::rasterize_soft_backward(gpu(go), gpu(m.screen), gpu(m.faces), gpu(attrs), dev, s, false, true);
      EXPECT_FALSE(only_attrs.screen.defined());
      EXPECT_TRUE(testing::BitEqual(cpu(only_attrs.attrs), cpu(gd.attrs)));
    }
}

TEST(GpuRasterize, HardZBufferMatchesTheCpu) {
  REQUIRE_GPU();
  for (DType dt : {DType::f64, DType::f32}) {
    SCOPED_TRACE(dtype_name(dt));
    const Mesh m = make_mesh(1, dt);
    const Tensor screen = ops::reshape(m.screen, {m.V, 3});
    Generator g(42);
    const Tensor attrs = ops::to_dtype(uniform({m.V, 2}, 0, 1, DType::f64, &g), dt);
    HardRasterSettings s;
    s.height = s.width = kSide;
    s.background = {-1, -2};
    const ops::HardRaster ref = ops::rasterize_hard(screen, m.faces, attrs, s);
    const ops::HardRaster dev = ops::rasterize_hard(gpu(screen), gpu(m.faces), gpu(attrs), s);
    const auto id_r = ref.face_id.to_vector<int64_t>(), id_d = cpu(dev.face_id).to_vector<int64_t>();
    const auto z_r = ref.depth.to_vector<double>(), z_d = cpu(dev.depth).to_vector<double>();
    const auto a_r = ref.attrs.to_vector<double>(), a_d = cpu(dev.attrs).to_vector<double>();
    int64_t same = 0, covered = 0;
    for (size_t p = 0; p < id_r.size(); ++p) {
      covered += id_r[p] >= 0;
      if (id_r[p] != id_d[p]) continue;
      ++same;
      EXPECT_NEAR(z_d[p], z_r[p], tolerance(dt));
      for (int c = 0; c < 2; ++c) EXPECT_NEAR(a_d[c * id_r.size() + p], a_r[c * id_r.size() + p], tolerance(dt));
    }
    EXPECT_GT(covered, 600);  // the mesh fills a good part of the image
    EXPECT_GE(static_cast<double>(same), 0.995 * static_cast<double>(id_r.size()));
  }
}

// The fixture itself (CPU only, so it runs everywhere): a closed mesh of the stated size that
// covers a good part of the image.
TEST(GpuRasterize, TestMeshIsHandSizedAndVisible) {
  const Mesh m = make_mesh(1, DType::f64);
  EXPECT_EQ(m.V, 782);
  EXPECT_EQ(m.F, 1560);
  EXPECT_EQ(2 * m.V - 4, m.F);  // closed genus-0 surface: F = 2V − 4
  HardRasterSettings s;
  s.height = s.width = kSide;
  const auto r = ops::rasterize_hard(ops::reshape(m.screen, {m.V, 3}), m.faces, zeros({m.V, 1}, DType::f64), s);
  int64_t covered = 0;
  for (int64_t id : r.face_id.to_vector<int64_t>()) covered += id >= 0;
  EXPECT_GT(covered, 600);
  EXPECT_LT(covered, kSide * kSide);
}

TEST(GpuRasterize, BadFaceIdGivesTheCpuError) {
  REQUIRE_GPU();
  const Mesh m = make_mesh(1, DType::f32);
  const Tensor bad = from_vector<int64_t>({0, 1, 9999}, {1, 3});
  SoftRasterSettings s;
  s.height = s.width = 8;
  EXPECT_THROW(ops::rasterize_soft(gpu(m.screen), gpu(bad), gpu(zeros({1, m.V, 1})), s), std::invalid_argument);
}

}  // namespace
}  // namespace hg
