// PeCLR's latent inverse transform: exact inversion of transformed points, and the whole PeCLR loss
// against PyTorch (tests/reference/make_contrastive_fixtures.py).
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "autograd/shape.h"
#include "tests/common/compare.h"
#include "tests/common/expect_throw.h"
#include "hand/peclr_latent.h"
#include "nn/contrastive.h"
#include "tensor/factory.h"
#include "tensor/view.h"

namespace hg::hand {
namespace {

using testing::AllClose;

// Applies t = translate(v) ∘ scale(s) ∘ rotate(a) to the points of z (the forward the inverse undoes).
Tensor apply_forward(const Tensor& z, double a, double s, double vu, double vv, double side) {
  const int64_t p = z.size(1) / 2;
  std::vector<double> q = z.to_vector<double>();
  double cx = 0, cy = 0;
  for (int64_t k = 0; k < p; ++k) cx += q[2 * k] / p, cy += q[2 * k + 1] / p;
  for (int64_t k = 0; k < p; ++k) {  // R(a) about the centroid, then scale about it
    const double dx = q[2 * k] - cx, dy = q[2 * k + 1] - cy;
    q[2 * k] = cx + s * (std::cos(a) * dx - std::sin(a) * dy);
    q[2 * k + 1] = cy + s * (std::sin(a) * dx + std::cos(a) * dy);
  }
  double lo[2] = {INFINITY, INFINITY}, hi[2] = {-INFINITY, -INFINITY};
  for (int64_t k = 0; k < p; ++k)
    for (int c = 0; c < 2; ++c) lo[c] = std::min(lo[c], q[2 * k + c]), hi[c] = std::max(hi[c], q[2 * k + c]);
  for (int64_t k = 0; k < p; ++k) {  // the extent is translation-invariant, so the inverse sees the same L_z
    q[2 * k] += vu / side * (hi[0] - lo[0]);
    q[2 * k + 1] += vv / side * (hi[1] - lo[1]);
  }
  return from_vector(q, z.sizes(), DType::f64);
}

TEST(PeclrLatent, InvertsRotationScaleAndTranslationExactly) {
  Generator g(11);
  const Tensor z = randn({1, 128}, DType::f64, &g);
  const double a = 0.7, s = 1.6, vu = -12, vv = 9, side = 128;
  LatentTransform t;
  t.angle = tensor({a}, DType::f64);
  t.scale = tensor({s}, DType::f64);
  t.translation = ops::reshape(tensor({vu, vv}, DType::f64), {1, 2});
  t.image_size = side;
  EXPECT_TRUE(AllClose(invert_latent_transform(apply_forward(z, a, s, vu, vv, side), t), z, 1e-13));
}

TEST(PeclrLatent, RotationAloneIsAnIsometryAboutTheCentroid) {
  Generator g(3);
  const Tensor z = randn({2, 8}, DType::f64, &g);
  LatentTransform t;
  t.angle = tensor({M_PI / 2, -0.3}, DType::f64);
  const Tensor y = invert_latent_transform(z, t);
  // Rotating back by +a recovers z; pairwise distances are preserved.
  EXPECT_TRUE(AllClose(apply_forward(ops::narrow(y, 0, 0, 1), M_PI / 2, 1, 0, 0, 128), ops::narrow(z, 0, 0, 1), 1e-14));
  const auto q = z.to_vector<double>(), r = y.to_vector<double>();
  EXPECT_NEAR(std::hypot(q[0] - q[2], q[1] - q[3]), std::hypot(r[0] - r[2], r[1] - r[3]), 1e-14);
}

TEST(PeclrLatent, TranslationIsScaledByTheLatentExtent) {
  const Tensor z = ops::reshape(tensor({0, 0, 2, 1, 1, 4}, DType::f64), {1, 6});  // extent (2, 4)
  LatentTransform t;
  t.translation = ops::reshape(tensor({32, -64}, DType::f64), {1, 2});
  t.image_size = 128;  // fractions (0.25, −0.5) -> shifts (0.5, −2) are subtracted
  EXPECT_TRUE(AllClose(invert_latent_transform(z, t), ops::reshape(tensor({-0.5, 2, 1.5, 3, 0.5, 6}, DType::f64), {1, 6}), 1e-15));
  EXPECT_TRUE(AllClose(latent_extent(z), ops::reshape(tensor({2, 4}, DType::f64), {1, 2}), 0));
}

TEST(PeclrLatent, PeclrLossMatchesTorch) {
  const auto fx = testing::load_fixture("contrastive.safetensors");
  for (const std::string key : {"peclr", "peclr_scale"}) {
    SCOPED_TRACE(key);
    Tensor z1 = ops::clone(fx.at(key + "_z1")), z2 = ops::clone(fx.at(key + "_z2"));
    z1.set_requires_grad(true);
    z2.set_requires_grad(true);
    LatentTransform t1, t2;
    t1.angle = fx.at(key + "_a1"), t2.angle = fx.at(key + "_a2");
    t1.translation = fx.at(key + "_t1"), t2.translation = fx.at(key + "_t2");
    if (key == "peclr_scale") t1.scale = fx.at(key + "_s1"), t2.scale = fx.at(key + "_s2");
    const Tensor p1 = peclr_equivariant_projection(z1, t1), p2 = peclr_equivariant_projection(z2, t2);
    EXPECT_TRUE(AllClose(p1, fx.at(key + "_p1"), 1e-13));
    const Tensor loss = nn::nt_xent(cat({p1, p2}, 0), 0.5);
    EXPECT_TRUE(AllClose(ops::reshape(loss, {1}), fx.at(key + "_loss"), 1e-13));
    loss.backward();
    EXPECT_TRUE(AllClose(z1.grad(), fx.at(key + "_g1"), 1e-11));
    EXPECT_TRUE(AllClose(z2.grad(), fx.at(key + "_g2"), 1e-11));
  }
}

TEST(PeclrLatent, RejectsBadShapes) {
  LatentTransform t;
  t.angle = zeros({3}, DType::f64);
  testing::expect_throw_naming([&] { invert_latent_transform(zeros({2, 8}, DType::f64), t); }, "angle");
  testing::expect_throw_naming([&] { invert_latent_transform(zeros({2, 7}, DType::f64), {}); }, "[2, 7]");
  LatentTransform bad;
  bad.image_size = 0;
  testing::expect_throw_naming([&] { invert_latent_transform(zeros({2, 8}, DType::f64), bad); }, "image_size");
}

}  // namespace
}  // namespace hg::hand
