// interpolate / affine_grid / grid_sample: identities, hand-worked values, errors.
#include <gtest/gtest.h>

#include "ops/sample.h"
#include "tensor/factory.h"
#include "tensor/view.h"
#include "tests/common/compare.h"

namespace hg {
namespace {

using testing::AllClose;

Tensor identity_theta(int64_t n, DType dt = DType::f64) {
  std::vector<double> v(n * 6, 0.0);
  for (int64_t b = 0; b < n; ++b) v[b * 6] = v[b * 6 + 4] = 1.0;  // [[1, 0, 0], [0, 1, 0]]
  return from_vector(v, {n, 2, 3}, dt);
}

TEST(Interpolate, SameSizeIsIdentityInEveryMode) {
  const Tensor x = randn({2, 3, 4, 5}, DType::f64);
  EXPECT_TRUE(AllClose(ops::interpolate(x, 4, 5, InterpolateMode::nearest, false), x, 0.0));
  EXPECT_TRUE(AllClose(ops::interpolate(x, 4, 5, InterpolateMode::bilinear, false), x, 0.0));
  EXPECT_TRUE(AllClose(ops::interpolate(x, 4, 5, InterpolateMode::bilinear, true), x, 0.0));
}

TEST(Interpolate, NearestDoublingRepeatsPixels) {
  const Tensor x = from_vector(std::vector<float>{1, 2, 3, 4}, {1, 1, 2, 2});
  EXPECT_EQ(ops::interpolate(x, 4, 4, InterpolateMode::nearest, false).to_vector<float>(),
            (std::vector<float>{1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4}));
}

TEST(Interpolate, BilinearOnARamp) {
  // x = [0, 1, 2] along W; 3 -> 5 with align_corners puts samples at 0, .5, 1, 1.5, 2
  const Tensor x = from_vector(std::vector<double>{0, 1, 2}, {1, 1, 1, 3});
  EXPECT_TRUE(AllClose(ops::interpolate(x, 1, 5, InterpolateMode::bilinear, true),
                       from_vector(std::vector<double>{0, 0.5, 1, 1.5, 2}, {1, 1, 1, 5}), 1e-15));
  // without align_corners: s = (d + 0.5) * 0.6 - 0.5 = -0.2 (clamped to 0), 0.4, 1.0, 1.6, 2.2 (edge repeats)
  EXPECT_TRUE(AllClose(ops::interpolate(x, 1, 5, InterpolateMode::bilinear, false),
                       from_vector(std::vector<double>{0, 0.4, 1.0, 1.6, 2.0}, {1, 1, 1, 5}), 1e-15));
}

TEST(Interpolate, BackwardIsTheAdjointOfForward) {
  // <interpolate(x), g> == <x, interpolate_backward(g)> for every mode
  const Tensor x = randn({1, 2, 4, 5}, DType::f64), g = randn({1, 2, 7, 3}, DType::f64);
  for (auto [mode, ac] : {std::pair{InterpolateMode::nearest, false}, {InterpolateMode::bilinear, false},
                          {InterpolateMode::bilinear, true}}) {
    const auto y = ops::interpolate(x, 7, 3, mode, ac).to_vector<double>();
    const auto gx = ops::interpolate_backward(g, x.sizes(), mode, ac).to_vector<double>();
    const auto xv = x.to_vector<double>(), gv = g.to_vector<double>();
    double lhs = 0, rhs = 0;
    for (size_t i = 0; i < y.size(); ++i) lhs += y[i] * gv[i];
    for (size_t i = 0; i < xv.size(); ++i) rhs += xv[i] * gx[i];
    EXPECT_NEAR(lhs, rhs, 1e-12);
  }
}

TEST(Interpolate, RejectsBadArguments) {
  EXPECT_THROW(ops::interpolate(zeros({2, 3, 4}), 2, 2, InterpolateMode::nearest, false), std::invalid_argument);
  EXPECT_THROW(ops::interpolate(zeros({1, 1, 2, 2}), 0, 2, InterpolateMode::bilinear, false), std::invalid_argument);
  EXPECT_THROW(ops::interpolate(zeros({1, 1, 2, 2}), 3, 3, InterpolateMode::nearest, true), std::invalid_argument);
  try {
    parse_interpolate_mode("bicubic");
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("nearest, bilinear"), std::string::npos) << e.what();
  }
}

TEST(GridSample, IdentityAffineGridReproducesTheInputWhenAlignCornersAgree) {
  // affine_grid and grid_sample use the same convention for -1/1 (pixel edges without
  // align_corners, pixel centres with it), so the identity transform lands on pixel centres.
  const Tensor x = randn({2, 3, 4, 5}, DType::f64);
  for (bool ac : {false, true}) {
    const Tensor grid = ops::affine_grid(identity_theta(2), x.sizes(), ac);
    for (auto padding : {GridPadding::zeros, GridPadding::border}) {
      EXPECT_TRUE(AllClose(ops::grid_sample(x, grid, InterpolateMode::bilinear, padding, ac), x, 1e-12));
      EXPECT_TRUE(AllClose(ops::grid_sample(x, grid, InterpolateMode::nearest, padding, ac), x, 0.0));
    }
  }
  // Mixing the conventions shifts the samples, so the result is not the input.
  const Tensor grid = ops::affine_grid(identity_theta(2), x.sizes(), true);
  EXPECT_FALSE(AllClose(ops::grid_sample(x, grid, InterpolateMode::bilinear, GridPadding::zeros, false), x, 1e-3));
}

TEST(GridSample, NearestRoundsHalfToEven) {
  // W = 4, align_corners = false: g = -0.5 -> pixel 0.5 -> 0; g = 0 -> 1.5 -> 2
  const Tensor x = from_vector(std::vector<double>{10, 11, 12, 13}, {1, 1, 1, 4});
  const Tensor grid = from_vector(std::vector<double>{-0.5, 0, 0, 0}, {1, 1, 2, 2});
  EXPECT_EQ(ops::grid_sample(x, grid, InterpolateMode::nearest, GridPadding::zeros, false).to_vector<double>(),
            (std::vector<double>{10, 12}));
}

TEST(GridSample, ZerosFadeOutBeyondTheEdgeAndBorderClamps) {
  // 1 x 2 image [4, 8]; align_corners = true: g = -1 -> pixel 0, g = 1 -> pixel 1, g = 3 -> pixel 2
  const Tensor x = from_vector(std::vector<double>{4, 8}, {1, 1, 1, 2});
  const Tensor grid = from_vector(std::vector<double>{-1, 0, 1, 0, 2, 0, 3, 0, -2, 0}, {1, 1, 5, 2});
  EXPECT_EQ(ops::grid_sample(x, grid, InterpolateMode::bilinear, GridPadding::zeros, true).to_vector<double>(),
            (std::vector<double>{4, 8, 4, 0, 2}));  // pixel 1.5 = 0.5 * 8; pixel -0.5 = 0.5 * 4
  EXPECT_EQ(ops::grid_sample(x, grid, InterpolateMode::bilinear, GridPadding::border, true).to_vector<double>(),
            (std::vector<double>{4, 8, 8, 8, 4}));
}

TEST(GridSample, GridGradientIsZeroWhereBorderClampsAndForNearest) {
  const Tensor x = randn({1, 2, 3, 3}, DType::f64);
  const Tensor grid = from_vector(std::vector<double>{1.7, -2.5, 0.3, 0.1}, {1, 1, 2, 2});
  const Tensor g = ones({1, 2, 1, 2}, DType::f64);
  auto r = ops::grid_sample_backward(g, x, grid, InterpolateMode::bilinear, GridPadding::border, false);
  const auto gg = r.grid.to_vector<double>();
  EXPECT_EQ(gg[0], 0.0);
  EXPECT_EQ(gg[1], 0.0);
  EXPECT_NE(gg[2], 0.0);
  auto n = ops::grid_sample_backward(g, x, grid, InterpolateMode::nearest, GridPadding::zeros, false);
  EXPECT_EQ(ops::to_dtype(n.grid, DType::f64).to_vector<double>(), (std::vector<double>(4, 0.0)));
}

TEST(GridSample, NaNAndHugeGridValuesReadZeros) {
  const Tensor x = ones({1, 1, 2, 2}, DType::f64);
  const Tensor grid = from_vector(std::vector<double>{NAN, 0, 1e300, 0}, {1, 1, 2, 2});
  EXPECT_EQ(ops::grid_sample(x, grid, InterpolateMode::bilinear, GridPadding::zeros, false).to_vector<double>(),
            (std::vector<double>{0, 0}));
}

TEST(GridSample, RejectsBadShapesNamingBoth) {
  try {
    ops::grid_sample(zeros({2, 3, 4, 5}), zeros({1, 4, 4, 2}), InterpolateMode::bilinear, GridPadding::zeros, false);
    FAIL();
  } catch (const std::invalid_argument& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("[2, 3, 4, 5]"), std::string::npos) << m;
    EXPECT_NE(m.find("[1, 4, 4, 2]"), std::string::npos) << m;
  }
  EXPECT_THROW(ops::grid_sample(zeros({1, 3, 4, 5}), zeros({1, 4, 4, 3}), InterpolateMode::bilinear,
                                GridPadding::zeros, false),
               std::invalid_argument);
  EXPECT_THROW(ops::grid_sample(zeros({1, 3, 4, 5}), zeros({1, 4, 4, 2}, DType::f64), InterpolateMode::bilinear,
                                GridPadding::zeros, false),
               std::invalid_argument);
  try {
    parse_grid_padding("reflection");
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("zeros, border"), std::string::npos) << e.what();
  }
}

TEST(AffineGrid, IdentityCoordinatesAndErrors) {
  // W = 2 without align_corners: x = -0.5, 0.5 (pixel centres); H = 1: y = 0
  EXPECT_EQ(ops::affine_grid(identity_theta(1), {1, 1, 1, 2}, false).to_vector<double>(),
            (std::vector<double>{-0.5, 0, 0.5, 0}));
  EXPECT_EQ(ops::affine_grid(identity_theta(1), {1, 1, 1, 2}, true).to_vector<double>(),
            (std::vector<double>{-1, 0, 1, 0}));
  try {
    ops::affine_grid(identity_theta(2), {3, 1, 4, 4}, false);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("[2, 2, 3]"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("[3, 1, 4, 4]"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace hg
