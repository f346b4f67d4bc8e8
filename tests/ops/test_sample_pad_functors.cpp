// The HG_HOST_DEVICE per-element rules shared by the CPU and CUDA kernels of interpolate,
// affine_grid, grid_sample (ops/sample_functors.h) and pad (ops/pad_functors.h), checked against
// hand-computed values of the formulas in ops/sample.h and ops/pad.h.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "ops/pad_functors.h"
#include "ops/sample_functors.h"

namespace hg {
namespace {

using sampling::Tap;

TEST(SampleFunctors, NearestSourceFollowsTorchsFloatRule) {
  EXPECT_EQ(sampling::nearest_source(4, 3, 5, 0.0), 2);    // floor(4 · 0.6) = 2
  EXPECT_EQ(sampling::nearest_source(1, 3, 5, 0.0), 0);    // floor(0.6)
  EXPECT_EQ(sampling::nearest_source(5, 3, 6, 0.0), 2);    // exact doubling: d >> 1
  EXPECT_EQ(sampling::nearest_source(7, 4, 8, 0.0), 3);
  EXPECT_EQ(sampling::nearest_source(6, 3, 7, 2.5), 2);    // floor(6 / 2.5) = 2, clamped to in − 1 = 2
  EXPECT_EQ(sampling::nearest_source(2, 5, 5, 0.0), 2);    // same size: identity
}

TEST(SampleFunctors, BilinearTapsAlignCornersAndHalfPixel) {
  // align_corners: s = d (in − 1)/(out − 1) = d/2 for in 4, out 7
  Tap<double> t = sampling::axis_tap<double>(3, 4, 7, false, true, 0.0);
  EXPECT_EQ(t.i0, 1);
  EXPECT_EQ(t.i1, 2);
  EXPECT_DOUBLE_EQ(t.w1, 0.5);
  t = sampling::axis_tap<double>(6, 4, 7, false, true, 0.0);  // the last output sits on the last input
  EXPECT_EQ(t.i0, 3);
  EXPECT_EQ(t.i1, 3);
  EXPECT_DOUBLE_EQ(t.w1, 0.0);
  // half-pixel: s = max((d + 0.5)·in/out − 0.5, 0) for in 2, out 4
  t = sampling::axis_tap<double>(0, 2, 4, false, false, 0.0);  // −0.25 -> 0
  EXPECT_EQ(t.i0, 0);
  EXPECT_EQ(t.i1, 1);
  EXPECT_DOUBLE_EQ(t.w1, 0.0);
  t = sampling::axis_tap<double>(3, 2, 4, false, false, 0.0);  // 1.25: the edge index repeats
  EXPECT_EQ(t.i0, 1);
  EXPECT_EQ(t.i1, 1);
  EXPECT_DOUBLE_EQ(t.w1, 0.25);
  t = sampling::axis_tap<double>(1, 3, 4, false, false, 1.5);  // the caller's scale: (1.5)/1.5 − 0.5 = 0.5
  EXPECT_EQ(t.i0, 0);
  EXPECT_DOUBLE_EQ(t.w1, 0.5);
  t = sampling::axis_tap<double>(2, 5, 5, false, false, 0.0);  // same size: a copy
  EXPECT_EQ(t.i0, 2);
  EXPECT_EQ(t.i1, 2);
  t = sampling::axis_tap<double>(0, 5, 1, false, true, 0.0);  // one output with align_corners reads index 0
  EXPECT_EQ(t.i0, 0);
  EXPECT_DOUBLE_EQ(t.w1, 0.0);
}

TEST(SampleFunctors, BaseCoordinates) {
  EXPECT_EQ(sampling::base_coord(0, 1, true), 0.0);
  EXPECT_EQ(sampling::base_coord(0, 1, false), 0.0);
  EXPECT_DOUBLE_EQ(sampling::base_coord(0, 3, true), -1.0);
  EXPECT_DOUBLE_EQ(sampling::base_coord(1, 3, true), 0.0);
  EXPECT_DOUBLE_EQ(sampling::base_coord(2, 3, true), 1.0);
  EXPECT_DOUBLE_EQ(sampling::base_coord(0, 2, false), -0.5);  // pixel centres inside [−1, 1]
  EXPECT_DOUBLE_EQ(sampling::base_coord(1, 2, false), 0.5);
}

TEST(SampleFunctors, UnnormalizeAndBorderClamp) {
  double d;
  EXPECT_DOUBLE_EQ(sampling::unnormalize(-1.0, 5, true, false, &d), 0.0);
  EXPECT_DOUBLE_EQ(d, 2.0);
  EXPECT_DOUBLE_EQ(sampling::unnormalize(1.0, 5, true, false, &d), 4.0);
  EXPECT_DOUBLE_EQ(sampling::unnormalize(-1.0, 5, false, false, &d), -0.5);
  EXPECT_DOUBLE_EQ(d, 2.5);
  EXPECT_DOUBLE_EQ(sampling::unnormalize(1.0, 5, false, false, &d), 4.5);
  EXPECT_DOUBLE_EQ(sampling::unnormalize(1.0, 5, false, true, &d), 4.0);  // clamped: derivative 0
  EXPECT_EQ(d, 0.0);
  EXPECT_DOUBLE_EQ(sampling::unnormalize(0.2, 5, false, true, &d), 2.5);   // inside: unchanged
  EXPECT_DOUBLE_EQ(d, 2.5);
}

TEST(SampleFunctors, ResolvePointRoundsHalfToEvenAndFlagsOutside) {
  // without align_corners ix = ((g + 1)·w − 1)/2: g = 0.5 in w = 4 gives 2.5, g = 0 gives 1.5 (w = 4)
  // and 3.5 (w = 8); nearest rounds half to even
  auto p = sampling::resolve_point<double>(0.5, 0.0, 4, 4, true, false, false);
  EXPECT_FALSE(p.outside);
  EXPECT_EQ(p.x0, 2);
  EXPECT_EQ(p.y0, 2);
  p = sampling::resolve_point<double>(0.0, 0.0, 8, 8, true, false, false);
  EXPECT_EQ(p.x0, 4);
  p = sampling::resolve_point<double>(0.5, 0.0, 4, 4, false, false, false);
  EXPECT_EQ(p.x0, 2);  // bilinear: floor
  EXPECT_EQ(p.y0, 1);
  EXPECT_DOUBLE_EQ(p.dix, 2.0);
  EXPECT_TRUE((sampling::resolve_point<double>(3.0, 0.0, 4, 4, false, false, false).outside));
  EXPECT_TRUE((sampling::resolve_point<double>(std::nan(""), 0.0, 4, 4, false, false, false).outside));
  EXPECT_FALSE((sampling::resolve_point<double>(3.0, 0.0, 4, 4, false, true, false).outside));  // border clamps
}

TEST(SampleFunctors, BilinearReproducesALinearImageAndItsSlope) {
  // v(y, x) = 2x − 3y + 1 on a 5 × 4 plane: bilinear sampling is exact inside, the slope is (2, −3)
  const int64_t h = 5, w = 4;
  double plane[h * w];
  for (int64_t y = 0; y < h; ++y)
    for (int64_t x = 0; x < w; ++x) plane[y * w + x] = 2.0 * x - 3.0 * y + 1.0;
  const auto p = sampling::resolve_point<double>(0.1, -0.3, h, w, false, false, true);  // ix = 1.65, iy = 1.4
  EXPECT_NEAR(sampling::sample_plane<double>(plane, h, w, p, false), 2 * p.ix - 3 * p.iy + 1, 1e-12);
  double dix, diy;
  sampling::sample_plane_slope<double>(plane, h, w, p, &dix, &diy);
  EXPECT_NEAR(dix, 2.0, 1e-12);
  EXPECT_NEAR(diy, -3.0, 1e-12);
  // the four corner weights are the bilinear ones and sum to 1
  double total = 0;
  for (int k = 0; k < 4; ++k) {
    int64_t y, x;
    total += sampling::corner(p, false, k, &y, &x);
    EXPECT_EQ(y, p.y0 + (k >> 1));
    EXPECT_EQ(x, p.x0 + (k & 1));
  }
  EXPECT_NEAR(total, 1.0, 1e-15);
  // outside the image the missing corners read 0 (zeros padding): at ix = −0.5 half the weight is lost
  const auto edge = sampling::resolve_point<double>(-1.0, -1.0, h, w, false, false, false);
  EXPECT_NEAR(sampling::sample_plane<double>(plane, h, w, edge, false), 0.25 * plane[0], 1e-12);
}

TEST(PadFunctors, SourceIndexPerMode) {
  using padding::source_index;
  // n = 4 padded by 2 before: output p reads input p − 2 inside
  EXPECT_EQ(source_index(3, 2, 4, padding::kConstant), 1);
  EXPECT_EQ(source_index(0, 2, 4, padding::kConstant), -1);
  EXPECT_EQ(source_index(6, 2, 4, padding::kConstant), -1);
  EXPECT_EQ(source_index(0, 2, 4, padding::kReflect), 2);     // i = −2 -> 2
  EXPECT_EQ(source_index(1, 2, 4, padding::kReflect), 1);     // i = −1 -> 1 (the edge is not repeated)
  EXPECT_EQ(source_index(6, 2, 4, padding::kReflect), 2);     // i = 4 -> 2(n − 1) − 4 = 2
  EXPECT_EQ(source_index(7, 2, 4, padding::kReflect), 1);
  EXPECT_EQ(source_index(0, 2, 4, padding::kReplicate), 0);
  EXPECT_EQ(source_index(7, 2, 4, padding::kReplicate), 3);
}

}  // namespace
}  // namespace hg
