// The rasteriser kernels (ops/rasterize.h): the soft forward against an independent brute-force
// reference (every face at every pixel, two-pass softmax), its limits (area, occlusion,
// background), culling, tiling and thread-count independence; the hard z-buffer's depth, fill
// rule and agreement with the soft rasteriser as σ, γ -> 0. Gradients: derivative-table rows
// rasterize_soft/* (autograd/derivative_table_rasterize.cpp).
#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

#include "autograd/gradcheck.h"
#include "ops/pointwise.h"
#include "ops/rasterize.h"
#include "ops/reduce.h"
#include "tensor/factory.h"
#include "tensor/view.h"
#include "tests/common/compare.h"
#include "tests/common/expect_throw.h"

namespace hg {
namespace {

using testing::AllClose;
using testing::expect_throw_naming;

// ---- an independent reference ------------------------------------------------------------------

struct Tri {
  double x[3], y[3], z[3];
};

// Distance² from p to segment ab and the parameter of the nearest point.
double segment_dist2(double px, double py, double ax, double ay, double bx, double by, double* t) {
  const double ex = bx - ax, ey = by - ay;
  *t = std::clamp(((px - ax) * ex + (py - ay) * ey) / (ex * ex + ey * ey), 0.0, 1.0);
  const double dx = px - ax - *t * ex, dy = py - ay - *t * ey;
  return dx * dx + dy * dy;
}

// Brute force: every pixel against every drawn face, no culling; softmax with an explicit max.
// screen [B, V, 3], attrs [B, V|F, C] as host vectors; returns [B, C + 2, H, W].
std::vector<double> reference_soft(const std::vector<double>& screen, const std::vector<int64_t>& faces,
                                   const std::vector<double>& attrs, int64_t B, int64_t V, int64_t C,
                                   const SoftRasterSettings& s) {
  const int64_t F = static_cast<int64_t>(faces.size() / 3), H = s.height, W = s.width;
  const int64_t rows = s.per_face_attributes ? F : V;
  std::vector<double> out(B * (C + 2) * H * W);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t i = 0; i < H; ++i)
      for (int64_t j = 0; j < W; ++j) {
        struct Frag {
          double D, zbar, z;
          std::vector<double> a;
        };
        std::vector<Frag> frags;
        for (int64_t f = 0; f < F; ++f) {
          Tri t;
          bool drawn = true;
          for (int k = 0; k < 3; ++k) {
            const double* p = &screen[(b * V + faces[3 * f + k]) * 3];
            t.x[k] = p[0], t.y[k] = p[1], t.z[k] = p[2];
            drawn = drawn && p[2] >= s.near && p[2] <= s.far;
          }
          const double area = (t.x[1] - t.x[0]) * (t.y[2] - t.y[0]) - (t.x[2] - t.x[0]) * (t.y[1] - t.y[0]);
          if (!drawn || area == 0) continue;
          const double px = static_cast<double>(j), py = static_cast<double>(i);
          double l[3];  // barycentrics by sub-areas
          for (int k = 0; k < 3; ++k) {
            const int a = (k + 1) % 3, c = (k + 2) % 3;
            l[k] = ((t.x[c] - t.x[a]) * (py - t.y[a]) - (t.y[c] - t.y[a]) * (px - t.x[a])) / area;
          }
          const bool inside = l[0] > 0 && l[1] > 0 && l[2] > 0;
          double best = INFINITY, best_t = 0;
          int best_e = 0;
          for (int e = 0; e < 3; ++e) {
            double tt;
            const double d2 = segment_dist2(px, py, t.x[e], t.y[e], t.x[(e + 1) % 3], t.y[(e + 1) % 3], &tt);
            if (d2 < best) best = d2, best_t = tt, best_e = e;
          }
          if (!inside) {
            l[0] = l[1] = l[2] = 0;
            l[best_e] = 1 - best_t, l[(best_e + 1) % 3] = best_t;
          }
          const double x = (inside ? 1 : -1) * best / s.sigma;
          double inv_z = 0;
          for (int k = 0; k < 3; ++k) inv_z += l[k] / t.z[k];
          Frag fr{1 / (1 + std::exp(-x)), 0, 1 / inv_z, std::vector<double>(C)};
          fr.zbar = (s.far - fr.z) / (s.far - s.near);
          for (int64_t c = 0; c < C; ++c) {
            if (s.per_face_attributes) {
              fr.a[c] = attrs[(b * rows + f) * C + c];
            } else {
              for (int k = 0; k < 3; ++k) fr.a[c] += l[k] / t.z[k] / inv_z * attrs[(b * rows + faces[3 * f + k]) * C + c];
            }
          }
          frags.push_back(fr);
        }
        double m = s.background_epsilon;
        for (const Frag& fr : frags) m = std::max(m, fr.zbar);
        double total = std::exp((s.background_epsilon - m) / s.gamma), keep = 1, depth = 0;
        std::vector<double> num(C, 0.0);
        for (int64_t c = 0; c < C; ++c) num[c] = total * (s.background.empty() ? 0.0 : s.background[c]);
        for (const Frag& fr : frags) {
          const double w = fr.D * std::exp((fr.zbar - m) / s.gamma);
          total += w;
          for (int64_t c = 0; c < C; ++c) num[c] += w * fr.a[c];
          depth += w * fr.z;
          keep *= 1 - fr.D;
        }
        auto at = [&](int64_t c) -> double& { return out[((b * (C + 2) + c) * H + i) * W + j]; };
        for (int64_t c = 0; c < C; ++c) at(c) = num[c] / total;
        at(C) = 1 - keep;
        at(C + 1) = depth / total;
      }
  return out;
}

// ---- scenes ---------------------------------------------------------------------------------------

// n well-shaped random triangles (their own 3 vertices each) over an h × w image, depths in [zlo, zhi].
Tensor random_triangles(Generator& g, int64_t batch, int64_t n, int64_t h, int64_t w, double zlo, double zhi,
                        double rmin, double rmax) {
  std::vector<double> u = uniform({batch, n, 9}, 0.0, 1.0, DType::f64, &g).to_vector<double>(), v;
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t f = 0; f < n; ++f) {
      const double* r = &u[(b * n + f) * 9];
      const double cx = 1 + r[0] * (w - 2), cy = 1 + r[1] * (h - 2), a0 = 6.283 * r[2];
      for (int k = 0; k < 3; ++k) {
        const double ang = a0 + 2.094 * k + 0.5 * (r[3 + k] - 0.5), rad = rmin + (rmax - rmin) * r[6 + k];
        v.insert(v.end(), {cx + rad * std::cos(ang), cy + rad * std::sin(ang), zlo + (zhi - zlo) * r[6 + k]});
      }
    }
  return from_vector(v, {batch, 3 * n, 3}, DType::f64);
}

Tensor separate_faces(int64_t n) {
  std::vector<int64_t> f(3 * n);
  for (int64_t i = 0; i < 3 * n; ++i) f[i] = i;
  return from_vector(f, {n, 3}, DType::i64);
}

SoftRasterSettings settings(int64_t h, int64_t w, double sigma, double gamma, int64_t channels) {
  SoftRasterSettings s;
  s.height = h, s.width = w, s.sigma = sigma, s.gamma = gamma, s.near = 0.5, s.far = 5;
  for (int64_t c = 0; c < channels; ++c) s.background.push_back(0.1 + 0.2 * static_cast<double>(c));
  return s;
}

Tensor reference_image(const Tensor& screen, const Tensor& faces, const Tensor& attrs, const SoftRasterSettings& s) {
  const int64_t B = screen.size(0), V = screen.size(1), C = attrs.size(2);
  return from_vector(reference_soft(screen.to_vector<double>(), faces.to_vector<int64_t>(), attrs.to_vector<double>(),
                                    B, V, C, s),
                     {B, C + 2, s.height, s.width}, DType::f64);
}

double pixel(const Tensor& image, int64_t b, int64_t c, int64_t i, int64_t j) {
  return image.to_vector<double>()[((b * image.size(1) + c) * image.size(2) + i) * image.size(3) + j];
}

// ---- soft -------------------------------------------------------------------------------------

TEST(RasterizeSoft, MatchesBruteForceReferencePerVertex) {
  Generator g(3);
  Tensor screen = random_triangles(g, 2, 5, 20, 26, 1.0, 3.0, 3.0, 9.0);
  Tensor faces = separate_faces(5);
  Tensor attrs = uniform({2, 15, 3}, 0, 1, DType::f64, &g);
  SoftRasterSettings s = settings(20, 26, 1.5, 0.05, 3);
  s.cull_probability = 1e-30;
  ops::SoftRaster r = ops::rasterize_soft(screen, faces, attrs, s);
  EXPECT_TRUE(AllClose(r.image, reference_image(screen, faces, attrs, s), 1e-11));
  EXPECT_GT(r.stats.pairs_evaluated, 0);
  EXPECT_LE(r.stats.pairs_evaluated, r.stats.pairs_tested);
}

TEST(RasterizeSoft, MatchesBruteForceReferencePerFace) {
  Generator g(4);
  Tensor screen = random_triangles(g, 1, 4, 17, 15, 0.7, 4.0, 2.0, 7.0);
  Tensor faces = separate_faces(4);
  Tensor attrs = uniform({1, 4, 2}, -1, 1, DType::f64, &g);
  // γ must stay well above Δz̄ / ln(1e30 · 1e11) for the op's 1e-30 culling to be invisible at 1e-11.
  SoftRasterSettings s = settings(17, 15, 0.8, 0.05, 2);
  s.per_face_attributes = true;
  s.cull_probability = 1e-30;
  EXPECT_TRUE(AllClose(ops::rasterize_soft(screen, faces, attrs, s).image, reference_image(screen, faces, attrs, s),
                       1e-11));
}

// Shared vertices (a fan) and faces of both windings, against the same reference.
TEST(RasterizeSoft, MatchesBruteForceReferenceOnAMeshOfBothWindings) {
  const std::vector<double> v{10, 10, 1.2, 2, 3, 1.0, 18, 2, 1.5, 19, 15, 2.5, 4, 17, 1.1};
  Tensor screen = from_vector(v, {1, 5, 3}, DType::f64);
  Tensor faces = from_vector(std::vector<int64_t>{0, 1, 2, 0, 3, 2, 0, 3, 4, 0, 1, 4}, {4, 3}, DType::i64);
  Generator g(5);
  Tensor attrs = uniform({1, 5, 3}, 0, 1, DType::f64, &g);
  SoftRasterSettings s = settings(20, 21, 2.0, 0.1, 3);
  s.cull_probability = 1e-30;
  EXPECT_TRUE(AllClose(ops::rasterize_soft(screen, faces, attrs, s).image, reference_image(screen, faces, attrs, s),
                       1e-11));
}

// The default culling (pairs with D < 1e-4 skipped) changes the image by no more than the dropped
// coverage: silhouette within a few 1e-4, colours close when depth differences are mild.
TEST(RasterizeSoft, DefaultCullingStaysCloseToNoCulling) {
  Generator g(6);
  Tensor screen = random_triangles(g, 1, 6, 24, 24, 1.0, 1.2, 3.0, 8.0);
  Tensor faces = separate_faces(6);
  Tensor attrs = uniform({1, 18, 3}, 0, 1, DType::f64, &g);
  SoftRasterSettings s = settings(24, 24, 1.25, 0.5, 3);
  Tensor culled = ops::rasterize_soft(screen, faces, attrs, s).image;
  s.cull_probability = 1e-30;
  ops::SoftRaster full = ops::rasterize_soft(screen, faces, attrs, s);
  EXPECT_TRUE(AllClose(culled, full.image, 2e-3));
  EXPECT_TRUE(AllClose(full.image, reference_image(screen, faces, attrs, s), 1e-11));
}

// For a straight edge ∫ (sigmoid(δ d²/σ) − [inside]) across it is 0 (the integrand is odd in the
// signed distance), so Σ_pixels alpha = area + corner terms of order σ (outside a convex corner
// the coverage spreads over more than the wedge: here ≈ +6σ px²) + pixel sampling error.
TEST(RasterizeSoft, SilhouetteSumsToTheTriangleArea) {
  const std::vector<double> v{10.3, 12.1, 2, 91.7, 20.4, 2, 40.2, 77.9, 2};
  Tensor screen = from_vector(v, {1, 3, 3}, DType::f64);
  const double area = 0.5 * std::abs((v[3] - v[0]) * (v[7] - v[1]) - (v[6] - v[0]) * (v[4] - v[1]));
  Tensor attrs = ones({1, 3, 1}, DType::f64);
  for (double sigma : {0.05, 0.5, 2.0}) {
    SoftRasterSettings s = settings(96, 100, sigma, 1e-4, 1);
    std::vector<double> img = ops::rasterize_soft(screen, separate_faces(1), attrs, s).image.to_vector<double>();
    double alpha_sum = 0;
    for (int64_t p = 0; p < 96 * 100; ++p) alpha_sum += img[96 * 100 + p];
    EXPECT_NEAR(alpha_sum, area, 1.0 + 8 * sigma) << "sigma " << sigma;  // area ≈ 2554 px²
  }
}

// Two overlapping triangles, red at depth 1 and green at depth 2: as γ -> 0 the nearer one's
// colour wins in the overlap whatever the order of the faces; a large γ blends them.
TEST(RasterizeSoft, NearestFaceColourWinsAsGammaShrinks) {
  auto scene = [](double z_red, double z_green) {
    return from_vector(std::vector<double>{2, 2, z_red, 14, 3, z_red, 4, 14, z_red,  //
                                           3, 4, z_green, 15, 5, z_green, 6, 15, z_green},
                       {1, 6, 3}, DType::f64);
  };
  Tensor attrs = from_vector(std::vector<double>{1, 0, 0, 1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0}, {1, 6, 3},
                             DType::f64);
  SoftRasterSettings s = settings(16, 16, 0.1, 1e-4, 3);
  s.near = 0.1, s.far = 10;
  const int64_t i = 6, j = 6;  // inside both
  for (bool red_in_front : {true, false}) {
    Tensor img = ops::rasterize_soft(scene(red_in_front ? 1 : 2, red_in_front ? 2 : 1), separate_faces(2), attrs, s).image;
    EXPECT_NEAR(pixel(img, 0, 0, i, j), red_in_front ? 1 : 0, 1e-9);
    EXPECT_NEAR(pixel(img, 0, 1, i, j), red_in_front ? 0 : 1, 1e-9);
    EXPECT_NEAR(pixel(img, 0, 4, i, j), 1, 1e-9);  // depth of the nearer face
    EXPECT_NEAR(pixel(img, 0, 3, i, j), 1, 1e-9);  // alpha
  }
  // A large γ blends both faces and the background: weights exp(z̄/γ), exp(ε/γ) with D = 1.
  s.gamma = 10;
  Tensor img = ops::rasterize_soft(scene(1, 2), separate_faces(2), attrs, s).image;
  const double w_red = std::exp((10.0 - 1) / 9.9 / 10), w_green = std::exp((10.0 - 2) / 9.9 / 10),
               w_bg = std::exp(1e-10 / 10), total = w_red + w_green + w_bg;
  EXPECT_NEAR(pixel(img, 0, 0, i, j), (w_red + w_bg * s.background[0]) / total, 1e-9);
  EXPECT_NEAR(pixel(img, 0, 1, i, j), (w_green + w_bg * s.background[1]) / total, 1e-9);
  EXPECT_NEAR(pixel(img, 0, 4, i, j), (w_red * 1 + w_green * 2) / total, 1e-9);
}

TEST(RasterizeSoft, BackgroundAwayFromFacesAndFaceColourInside) {
  Tensor screen = from_vector(std::vector<double>{3, 3, 0.8, 30, 4, 0.8, 5, 28, 0.8}, {1, 3, 3}, DType::f64);
  Tensor attrs = from_vector(std::vector<double>{0.2, 0.4, 0.6, 0.2, 0.4, 0.6, 0.2, 0.4, 0.6}, {1, 3, 3}, DType::f64);
  SoftRasterSettings s = settings(40, 40, 0.5, 1e-4, 3);
  s.background = {0.9, 0.8, 0.7};
  Tensor img = ops::rasterize_soft(screen, separate_faces(1), attrs, s).image;
  for (int64_t c = 0; c < 3; ++c) EXPECT_DOUBLE_EQ(pixel(img, 0, c, 38, 38), s.background[c]);
  EXPECT_EQ(pixel(img, 0, 3, 38, 38), 0.0);  // culled: exactly no coverage
  EXPECT_EQ(pixel(img, 0, 4, 38, 38), 0.0);  // background depth
  const double rgb[3] = {0.2, 0.4, 0.6};
  for (int64_t c = 0; c < 3; ++c) EXPECT_NEAR(pixel(img, 0, c, 8, 8), rgb[c], 1e-12);
  EXPECT_NEAR(pixel(img, 0, 3, 8, 8), 1.0, 1e-12);
  EXPECT_NEAR(pixel(img, 0, 4, 8, 8), 0.8, 1e-12);
  // On the edge (y = 3 + t, between (3,3) and (30,4)): D = 1/2 exactly at a boundary point.
  Tensor edge = from_vector(std::vector<double>{3, 3, 0.8, 30, 3, 0.8, 5, 28, 0.8}, {1, 3, 3}, DType::f64);
  EXPECT_NEAR(pixel(ops::rasterize_soft(edge, separate_faces(1), attrs, s).image, 0, 3, 3, 10), 0.5, 1e-12);
}

TEST(RasterizeSoft, FacesOutsideTheDepthRangeAreNotDrawn) {
  Tensor screen = from_vector(std::vector<double>{3, 3, 0.05, 30, 4, 0.8, 5, 28, 0.8,  //
                                                  3, 3, 0.8, 30, 4, 120, 5, 28, 0.8},
                              {1, 6, 3}, DType::f64);
  SoftRasterSettings s = settings(32, 32, 1.0, 1e-4, 1);
  s.near = 0.1, s.far = 100;
  ops::SoftRaster r = ops::rasterize_soft(screen, separate_faces(2), ones({1, 6, 1}, DType::f64), s);
  EXPECT_EQ(r.stats.pairs_tested, 0);
  const auto img = r.image.to_vector<double>();
  for (int64_t p = 0; p < 32 * 32; ++p) {
    EXPECT_EQ(img[p], s.background[0]);
    EXPECT_EQ(img[32 * 32 + p], 0.0);
    EXPECT_EQ(img[2 * 32 * 32 + p], 0.0);
  }
}

TEST(RasterizeSoft, EmptyMeshGivesTheBackground) {
  SoftRasterSettings s = settings(6, 7, 1.0, 0.1, 2);
  ops::SoftRaster r = ops::rasterize_soft(zeros({2, 0, 3}, DType::f64), zeros({0, 3}, DType::i64), zeros({2, 0, 2}, DType::f64), s);
  const auto img = r.image.to_vector<double>();
  for (int64_t b = 0; b < 2; ++b)
    for (int64_t p = 0; p < 42; ++p) {
      EXPECT_EQ(img[(b * 4 + 0) * 42 + p], s.background[0]);
      EXPECT_EQ(img[(b * 4 + 1) * 42 + p], s.background[1]);
      EXPECT_EQ(img[(b * 4 + 2) * 42 + p], 0.0);
      EXPECT_EQ(img[(b * 4 + 3) * 42 + p], 0.0);
    }
  ops::SoftRasterGrads g = ops::rasterize_soft_backward(ones({2, 4, 6, 7}, DType::f64), zeros({2, 0, 3}, DType::f64),
                                                        zeros({0, 3}, DType::i64), zeros({2, 0, 2}, DType::f64), r, s);
  EXPECT_EQ(g.screen.sizes(), (Shape{2, 0, 3}));
  ops::HardRaster h = ops::rasterize_hard(zeros({0, 3}, DType::f64), zeros({0, 3}, DType::i64), zeros({0, 1}, DType::f64),
                                          HardRasterSettings{6, 7, 0.1, 10, {0.5}, false, 16});
  for (int64_t id : h.face_id.to_vector<int64_t>()) EXPECT_EQ(id, -1);
}

TEST(RasterizeSoft, HalfPrecisionRuns) {
  Generator g(14);
  Tensor screen = random_triangles(g, 1, 4, 16, 16, 1, 3, 2, 6);
  Tensor attrs = uniform({1, 12, 3}, 0, 1, DType::f64, &g);
  SoftRasterSettings s = settings(16, 16, 1.0, 0.1, 3);
  Tensor d = ops::rasterize_soft(screen, separate_faces(4), attrs, s).image;
  // f16 keeps 11 bits of the positions (≤ 0.004 px here); bf16 only 8 (0.03 px), which moves
  // pixels across the culling radius: compare on average there.
  Tensor h = ops::rasterize_soft(ops::to_dtype(screen, DType::f16), separate_faces(4), ops::to_dtype(attrs, DType::f16), s).image;
  EXPECT_EQ(h.dtype(), DType::f16);
  EXPECT_TRUE(AllClose(h, d, 0.02));
  Tensor bf = ops::rasterize_soft(ops::to_dtype(screen, DType::bf16), separate_faces(4), ops::to_dtype(attrs, DType::bf16), s).image;
  EXPECT_EQ(bf.dtype(), DType::bf16);
  const auto a = bf.to_vector<double>(), b = d.to_vector<double>();
  double mean_abs = 0;
  for (size_t i = 0; i < a.size(); ++i) mean_abs += std::abs(a[i] - b[i]) / static_cast<double>(a.size());
  EXPECT_LT(mean_abs, 0.02);
}

TEST(RasterizeSoft, BatchEqualsSeparateImages) {
  Generator g(8);
  Tensor screen = random_triangles(g, 2, 3, 12, 12, 1, 2, 2, 5);
  Tensor attrs = uniform({2, 9, 3}, 0, 1, DType::f64, &g);
  SoftRasterSettings s = settings(12, 12, 1.0, 0.1, 3);
  Tensor both = ops::rasterize_soft(screen, separate_faces(3), attrs, s).image;
  for (int64_t b = 0; b < 2; ++b) {
    Tensor one = ops::rasterize_soft(ops::contiguous(ops::narrow(screen, 0, b, 1)), separate_faces(3),
                                     ops::contiguous(ops::narrow(attrs, 0, b, 1)), s).image;
    EXPECT_TRUE(AllClose(ops::narrow(both, 0, b, 1), one, 0));
  }
}

// Forward bit for bit, and backward, independent of the thread count; tile size changes only
// the backward's summation grouping.
TEST(RasterizeSoft, SameResultForAnyThreadCountAndTileSize) {
  Generator g(9);
  Tensor screen = random_triangles(g, 1, 30, 40, 44, 1, 3, 2, 9);
  Tensor attrs = uniform({1, 90, 3}, 0, 1, DType::f64, &g);
  Tensor gimg = uniform({1, 5, 40, 44}, -1, 1, DType::f64, &g);
  SoftRasterSettings s = settings(40, 44, 1.0, 0.05, 3);
  auto run = [&](int threads, int64_t tile) {
    const int before = omp_get_max_threads();
    omp_set_num_threads(threads);
    s.tile_size = tile;
    ops::SoftRaster f = ops::rasterize_soft(screen, separate_faces(30), attrs, s);
    ops::SoftRasterGrads gr = ops::rasterize_soft_backward(gimg, screen, separate_faces(30), attrs, f, s);
    omp_set_num_threads(before);
    return std::vector<Tensor>{f.image, gr.screen, gr.attrs};
  };
  const auto one = run(1, 8), two = run(2, 8), three = run(3, 8), small = run(2, 4), big = run(2, 32);
  for (size_t k = 0; k < one.size(); ++k) {
    EXPECT_EQ(one[k].to_vector<double>(), two[k].to_vector<double>()) << k;
    EXPECT_EQ(one[k].to_vector<double>(), three[k].to_vector<double>()) << k;
    EXPECT_TRUE(AllClose(small[k], one[k], 1e-12)) << k;
    EXPECT_TRUE(AllClose(big[k], one[k], 1e-12)) << k;
  }
  EXPECT_EQ(one[0].to_vector<double>(), small[0].to_vector<double>());  // forward: same face order per pixel
}

// Pixels whose upstream gradient is zero are skipped: gradients of two upstream gradients with
// disjoint supports add up to the gradient of their sum.
TEST(RasterizeSoft, BackwardIsLinearInTheUpstreamGradient) {
  Generator g(15);
  Tensor screen = random_triangles(g, 1, 8, 20, 20, 1, 3, 2, 7);
  Tensor attrs = uniform({1, 24, 3}, 0, 1, DType::f64, &g);
  SoftRasterSettings s = settings(20, 20, 1.0, 0.05, 3);
  s.tile_size = 8;
  ops::SoftRaster f = ops::rasterize_soft(screen, separate_faces(8), attrs, s);
  std::vector<double> a = uniform({1, 5, 20, 20}, -1, 1, DType::f64, &g).to_vector<double>(), b(a.size(), 0.0);
  for (size_t i = 0; i < a.size(); ++i)
    if ((i / 20) % 20 >= 10) std::swap(a[i], b[i]);  // a: upper half of the image, b: lower half
  std::vector<double> sum(a.size());
  for (size_t i = 0; i < a.size(); ++i) sum[i] = a[i] + b[i];
  auto grads = [&](const std::vector<double>& v) {
    return ops::rasterize_soft_backward(from_vector(v, {1, 5, 20, 20}, DType::f64), screen, separate_faces(8), attrs, f, s);
  };
  ops::SoftRasterGrads ga = grads(a), gb = grads(b), gs = grads(sum);
  EXPECT_TRUE(AllClose(ops::add(ga.screen, gb.screen), gs.screen, 1e-12));
  EXPECT_TRUE(AllClose(ops::add(ga.attrs, gb.attrs), gs.attrs, 1e-12));
  EXPECT_GT(ops::sum(ops::abs(ga.screen)).item<double>(), 0);
  EXPECT_GT(ops::sum(ops::abs(gb.screen)).item<double>(), 0);
}

TEST(RasterizeSoft, SinglePrecisionMatchesDouble) {
  Generator g(10);
  Tensor screen = random_triangles(g, 1, 6, 24, 24, 1, 3, 2, 8);
  Tensor attrs = uniform({1, 18, 3}, 0, 1, DType::f64, &g);
  SoftRasterSettings s = settings(24, 24, 1.0, 0.05, 3);
  Tensor d = ops::rasterize_soft(screen, separate_faces(6), attrs, s).image;
  Tensor f = ops::rasterize_soft(ops::to_dtype(screen, DType::f32), separate_faces(6), ops::to_dtype(attrs, DType::f32), s).image;
  EXPECT_EQ(f.dtype(), DType::f32);
  EXPECT_TRUE(AllClose(f, d, 1e-4));
}

TEST(RasterizeSoft, RejectsBadInput) {
  Tensor screen = zeros({1, 3, 3}, DType::f64), faces = separate_faces(1), attrs = zeros({1, 3, 3}, DType::f64);
  SoftRasterSettings s = settings(8, 8, 1, 0.1, 3);
  expect_throw_naming([&] { ops::rasterize_soft(zeros({3, 3}, DType::f64), faces, attrs, s); }, "[B, V, 3]");
  expect_throw_naming([&] { ops::rasterize_soft(screen, from_vector(std::vector<int64_t>{0, 1, 3}, {1, 3}, DType::i64), attrs, s); },
                      "faces[0, 2] = 3");
  expect_throw_naming([&] { ops::rasterize_soft(screen, zeros({1, 3}, DType::f32), attrs, s); }, "i64");
  expect_throw_naming([&] { ops::rasterize_soft(screen, faces, zeros({1, 4, 3}, DType::f64), s); }, "[1, 4, 3]");
  expect_throw_naming([&] { ops::rasterize_soft(screen, faces, zeros({1, 3, 3}, DType::f32), s); }, "dtypes");
  SoftRasterSettings bad = s;
  bad.sigma = 0;
  expect_throw_naming([&] { ops::rasterize_soft(screen, faces, attrs, bad); }, "sigma");
  bad = s, bad.background = {1, 2};
  expect_throw_naming([&] { ops::rasterize_soft(screen, faces, attrs, bad); }, "background");
  bad = s, bad.cull_probability = 0;
  expect_throw_naming([&] { ops::rasterize_soft(screen, faces, attrs, bad); }, "cull_probability");
  bad = s, bad.far = 0.01;
  expect_throw_naming([&] { ops::rasterize_soft(screen, faces, attrs, bad); }, "near");
  bad = s, bad.width = 0;
  expect_throw_naming([&] { ops::rasterize_soft(screen, faces, attrs, bad); }, "image size");
  Tensor nan_depth = from_vector(std::vector<double>{0, 0, NAN, 1, 0, 1, 0, 1, 1}, {1, 3, 3}, DType::f64);
  expect_throw_naming([&] { ops::rasterize_soft(nan_depth, faces, attrs, s); }, "NaN depth");
  Tensor inf_x = from_vector(std::vector<double>{INFINITY, 0, 1, 1, 0, 1, 0, 1, 1}, {1, 3, 3}, DType::f64);
  expect_throw_naming([&] { ops::rasterize_soft(inf_x, faces, attrs, s); }, "non-finite screen position");
  ops::SoftRaster fwd = ops::rasterize_soft(screen, faces, attrs, s);
  expect_throw_naming([&] { ops::rasterize_soft_backward(zeros({1, 4, 8, 8}, DType::f64), screen, faces, attrs, fwd, s); },
                      "gradient [1, 4, 8, 8]");
}

// ---- hard -------------------------------------------------------------------------------------

HardRasterSettings hard_settings(int64_t h, int64_t w) {
  HardRasterSettings s;
  s.height = h, s.width = w, s.near = 0.1, s.far = 10;
  return s;
}

// A fronto-parallel quad (two faces, split along a diagonal) at depth 0.5.
TEST(RasterizeHard, QuadAtKnownDepthWithFaceIds) {
  Tensor screen = from_vector(std::vector<double>{1.5, 1.5, 0.5, 9.5, 1.5, 0.5, 9.5, 7.5, 0.5, 1.5, 7.5, 0.5}, {4, 3},
                              DType::f64);
  Tensor faces = from_vector(std::vector<int64_t>{0, 1, 2, 0, 2, 3}, {2, 3}, DType::i64);
  HardRasterSettings s = hard_settings(10, 12);
  s.background = {7};
  ops::HardRaster r = ops::rasterize_hard(screen, faces, ones({4, 1}, DType::f64), s);
  const auto depth = r.depth.to_vector<double>(), attr = r.attrs.to_vector<double>();
  const auto id = r.face_id.to_vector<int64_t>();
  for (int64_t i = 0; i < 10; ++i)
    for (int64_t j = 0; j < 12; ++j) {
      const int64_t p = i * 12 + j;
      const bool in = i >= 2 && i <= 7 && j >= 2 && j <= 9;
      EXPECT_EQ(id[p] >= 0, in) << i << ", " << j;
      EXPECT_DOUBLE_EQ(depth[p], in ? 0.5 : 0.0);
      EXPECT_DOUBLE_EQ(attr[p], in ? 1.0 : 7.0);
      // the diagonal from (1.5, 1.5) to (9.5, 7.5): face 0 above-right of it, face 1 below-left
      if (in) {
        EXPECT_EQ(id[p], (j - 1.5) * 6 > (i - 1.5) * 8 ? 0 : 1) << i << ", " << j;
      }
    }
}

// Squares split into triangles with every vertex on a pixel centre (edges through pixel centres),
// some faces with the opposite winding: the top-left rule covers each pixel of [0, n)² exactly once.
TEST(RasterizeHard, TopLeftRuleCoversEveryPixelOnce) {
  const int64_t n = 6, H = n + 2, W = n + 2;
  std::vector<double> v;
  for (int64_t i = 0; i <= n; ++i)
    for (int64_t j = 0; j <= n; ++j) v.insert(v.end(), {static_cast<double>(j), static_cast<double>(i), 1.0});
  std::vector<int64_t> f;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j) {
      const int64_t a = i * (n + 1) + j, b = a + 1, c = a + n + 1, d = c + 1;
      if ((i + j) % 2) f.insert(f.end(), {a, b, d, a, d, c});
      else f.insert(f.end(), {a, c, b, b, c, d});  // other diagonal, opposite winding
    }
  Tensor screen = from_vector(v, {(n + 1) * (n + 1), 3}, DType::f64);
  std::vector<int> count(H * W, 0);
  const int64_t F = static_cast<int64_t>(f.size() / 3);
  for (int64_t k = 0; k < F; ++k) {
    Tensor face = from_vector(std::vector<int64_t>(f.begin() + 3 * k, f.begin() + 3 * k + 3), {1, 3}, DType::i64);
    const auto id = ops::rasterize_hard(screen, face, zeros({(n + 1) * (n + 1), 1}, DType::f64), hard_settings(H, W))
                        .face_id.to_vector<int64_t>();
    for (int64_t p = 0; p < H * W; ++p) count[p] += id[p] == 0;
  }
  for (int64_t i = 0; i < H; ++i)
    for (int64_t j = 0; j < W; ++j) EXPECT_EQ(count[i * W + j], i < n && j < n ? 1 : 0) << i << ", " << j;
}

// Perspective-correct interpolation: a plane in 3D seen through a pinhole; the attribute X (the
// 3D x coordinate) and the depth at each covered pixel equal the ray-plane intersection.
TEST(RasterizeHard, PerspectiveCorrectDepthAndAttributes) {
  const double f = 30, c = 10;
  const std::vector<std::array<double, 3>> P{{-0.3, -0.2, 1.0}, {0.4, -0.25, 2.5}, {-0.1, 0.35, 1.6}};
  std::vector<double> screen, attr;
  for (const auto& p : P) {
    screen.insert(screen.end(), {f * p[0] / p[2] + c, f * p[1] / p[2] + c, p[2]});
    attr.push_back(p[0]);
  }
  ops::HardRaster r = ops::rasterize_hard(from_vector(screen, {3, 3}, DType::f64), separate_faces(1),
                                          from_vector(attr, {3, 1}, DType::f64), hard_settings(20, 20));
  // plane normal n = (P1 − P0) × (P2 − P0), n·X = n·P0; the ray X = t (x, y, 1), x = (u − c)/f
  const double e1[3] = {P[1][0] - P[0][0], P[1][1] - P[0][1], P[1][2] - P[0][2]};
  const double e2[3] = {P[2][0] - P[0][0], P[2][1] - P[0][1], P[2][2] - P[0][2]};
  const double nrm[3] = {e1[1] * e2[2] - e1[2] * e2[1], e1[2] * e2[0] - e1[0] * e2[2], e1[0] * e2[1] - e1[1] * e2[0]};
  const double d0 = nrm[0] * P[0][0] + nrm[1] * P[0][1] + nrm[2] * P[0][2];
  const auto depth = r.depth.to_vector<double>(), x = r.attrs.to_vector<double>();
  const auto id = r.face_id.to_vector<int64_t>();
  int covered = 0;
  for (int64_t i = 0; i < 20; ++i)
    for (int64_t j = 0; j < 20; ++j) {
      if (id[i * 20 + j] < 0) continue;
      ++covered;
      const double rx = (j - c) / f, ry = (i - c) / f, t = d0 / (nrm[0] * rx + nrm[1] * ry + nrm[2]);
      EXPECT_NEAR(depth[i * 20 + j], t, 1e-12);
      EXPECT_NEAR(x[i * 20 + j], t * rx, 1e-12);
    }
  EXPECT_GT(covered, 20);
}

TEST(RasterizeHard, NearestFaceWinsAndTiesGoToTheSmallerId) {
  Tensor screen = from_vector(std::vector<double>{1, 1, 2, 9, 1, 2, 1, 9, 2, 1, 1, 1, 9, 1, 1, 1, 9, 1,  //
                                                  1, 1, 1, 9, 1, 1, 1, 9, 1},
                              {9, 3}, DType::f64);
  Tensor attrs = from_vector(std::vector<double>{0, 0, 0, 1, 1, 1, 2, 2, 2}, {9, 1}, DType::f64);
  ops::HardRaster r = ops::rasterize_hard(screen, separate_faces(3), attrs, hard_settings(10, 10));
  EXPECT_EQ(r.face_id.to_vector<int64_t>()[3 * 10 + 3], 1);  // faces 1 and 2 tie at depth 1
  EXPECT_EQ(r.attrs.to_vector<double>()[3 * 10 + 3], 1.0);
  EXPECT_EQ(r.depth.to_vector<double>()[3 * 10 + 3], 1.0);
}

TEST(RasterizeHard, SameResultForAnyThreadCount) {
  Generator g(12);
  Tensor screen = ops::select(random_triangles(g, 1, 40, 50, 60, 1, 3, 2, 12), 0, 0);
  Tensor attrs = uniform({120, 3}, 0, 1, DType::f64, &g);
  auto run = [&](int threads) {
    const int before = omp_get_max_threads();
    omp_set_num_threads(threads);
    ops::HardRaster r = ops::rasterize_hard(screen, separate_faces(40), attrs, hard_settings(50, 60));
    omp_set_num_threads(before);
    return r;
  };
  ops::HardRaster a = run(1), b = run(2);
  EXPECT_EQ(a.face_id.to_vector<int64_t>(), b.face_id.to_vector<int64_t>());
  EXPECT_EQ(a.depth.to_vector<double>(), b.depth.to_vector<double>());
  EXPECT_EQ(a.attrs.to_vector<double>(), b.attrs.to_vector<double>());
}

TEST(RasterizeHard, RejectsBadInput) {
  Tensor screen = zeros({3, 3}, DType::f64), attrs = zeros({3, 3}, DType::f64);
  expect_throw_naming([&] { ops::rasterize_hard(zeros({1, 3, 3}, DType::f64), separate_faces(1), attrs, hard_settings(4, 4)); },
                      "[V, 3]");
  expect_throw_naming([&] { ops::rasterize_hard(screen, from_vector(std::vector<int64_t>{0, -1, 2}, {1, 3}, DType::i64), attrs, hard_settings(4, 4)); },
                      "faces[0, 1] = -1");
  expect_throw_naming([&] { ops::rasterize_hard(screen, separate_faces(1), zeros({2, 3}, DType::f64), hard_settings(4, 4)); },
                      "per-vertex attributes");
  HardRasterSettings bad = hard_settings(4, 4);
  bad.tile_size = 0;
  expect_throw_naming([&] { ops::rasterize_hard(screen, separate_faces(1), attrs, bad); }, "tile size");
}

// As σ, γ -> 0 the soft silhouette (alpha > 1/2) matches the hard mask except at pixels within
// 1 px of an edge, and interior colours and depths agree.
TEST(RasterizeSoftVsHard, AgreeAsSigmaAndGammaShrink) {
  Generator g(13);
  Tensor screen3 = random_triangles(g, 1, 25, 48, 48, 1, 3, 3, 10);
  {  // one depth per face, 7 cm apart: no two faces meet in depth
    std::vector<double> v = screen3.to_vector<double>();
    for (int64_t k = 0; k < 75; ++k) v[3 * k + 2] = 1.0 + 0.07 * static_cast<double>(k / 3);
    screen3 = from_vector(v, {1, 75, 3}, DType::f64);
  }
  Tensor attrs3 = uniform({1, 75, 3}, 0, 1, DType::f64, &g);
  SoftRasterSettings s = settings(48, 48, 1e-3, 1e-5, 3);
  s.near = 0.1, s.far = 10;
  const auto soft = ops::rasterize_soft(screen3, separate_faces(25), attrs3, s).image.to_vector<double>();
  HardRasterSettings hs = hard_settings(48, 48);
  hs.background = s.background;
  ops::HardRaster hard = ops::rasterize_hard(ops::select(screen3, 0, 0), separate_faces(25), ops::select(attrs3, 0, 0), hs);
  const auto id = hard.face_id.to_vector<int64_t>();
  const auto rgb = hard.attrs.to_vector<double>(), depth = hard.depth.to_vector<double>();
  // distance from a pixel centre to the nearest edge of any face
  const auto v = screen3.to_vector<double>();
  auto edge_dist = [&](double px, double py) {
    double best = INFINITY, t;
    for (int64_t f = 0; f < 25; ++f)
      for (int e = 0; e < 3; ++e) {
        const double* a = &v[(3 * f + e) * 3];
        const double* b = &v[(3 * f + (e + 1) % 3) * 3];
        best = std::min(best, std::sqrt(segment_dist2(px, py, a[0], a[1], b[0], b[1], &t)));
      }
    return best;
  };
  const int64_t plane = 48 * 48;
  int compared = 0, covered = 0;
  for (int64_t p = 0; p < plane; ++p) {
    if (edge_dist(static_cast<double>(p % 48), static_cast<double>(p / 48)) < 1.0) continue;
    ++compared;
    covered += id[p] >= 0;
    EXPECT_EQ(soft[3 * plane + p] > 0.5, id[p] >= 0) << p;
    for (int64_t c = 0; c < 3; ++c) EXPECT_NEAR(soft[c * plane + p], rgb[c * plane + p], 1e-6) << p;
    EXPECT_NEAR(soft[4 * plane + p], depth[p], 1e-6) << p;
  }
  EXPECT_GT(compared, plane / 3);
  EXPECT_GT(covered, 100);
}


// ---- the derivative-table rows under many inputs ---------------------------------------------------
// The table runs each row rasterize_soft/* on one fixed draw (its own stream of the table's seed);
// here they run on 25 other seeds, so a row's design is sound for any draw, not one lucky one.
// (About one draw in several hundred puts a pixel centre within ±eps of a kink; these seeds do not.)
TEST(RasterizeSoftGradcheck, RowsPassForManyInputDraws) {
  int rows = 0;
  for (const GradcheckCase& c : gradcheck_cases()) {
    if (c.name.rfind("rasterize_soft/", 0) != 0) continue;
    ++rows;
    for (uint64_t seed = 0; seed < 25; ++seed) {
      Generator g(1000 + seed);
      GradcheckOptions o;
      o.atol = c.atol, o.rtol = c.rtol, o.eps = c.eps;
      const GradcheckResult r = gradcheck(c.fn, c.make_inputs(g), o);
      EXPECT_TRUE(r.passed) << c.name << " draw " << seed << ": " << r.message;
    }
  }
  EXPECT_GE(rows, 6);
}

}  // namespace
}  // namespace hg
