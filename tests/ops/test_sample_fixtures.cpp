// pad / interpolate / affine_grid / grid_sample forward and backward kernels against PyTorch 1.13
// (tests/reference/make_sample_fixtures.py writes tests/fixtures/sample_index.safetensors).
#include <gtest/gtest.h>

#include "ops/pad.h"
#include "ops/sample.h"
#include "tensor/view.h"
#include "tests/common/compare.h"

namespace hg {
namespace {

using testing::AllClose;
constexpr double kTol = 1e-5;  // relative to the reference's largest magnitude

class SampleFixtures : public ::testing::Test {
 protected:
  safetensors::File f = testing::load_fixture("sample_index.safetensors");
};

TEST_F(SampleFixtures, GridSampleBilinearMatchesTorch) {
  for (const char* padding : {"zeros", "border"}) {
    for (bool ac : {false, true}) {
      const std::string name = std::string("grid_sample.bilinear.") + padding + ".ac" + (ac ? "1" : "0");
      SCOPED_TRACE(name);
      const Tensor x = f.at(name + ".x"), grid = f.at(name + ".grid");
      const GridPadding pm = parse_grid_padding(padding);
      EXPECT_TRUE(AllClose(ops::grid_sample(x, grid, InterpolateMode::bilinear, pm, ac), f.at(name + ".y"), kTol));
      auto g = ops::grid_sample_backward(f.at(name + ".gy"), x, grid, InterpolateMode::bilinear, pm, ac);
      EXPECT_TRUE(AllClose(g.input, f.at(name + ".dx"), kTol));
      EXPECT_TRUE(AllClose(g.grid, f.at(name + ".dgrid"), kTol));
    }
  }
}

TEST_F(SampleFixtures, GridSampleNearestMatchesTorch) {
  const std::string name = "grid_sample.nearest.zeros.ac0";
  const Tensor x = f.at(name + ".x"), grid = f.at(name + ".grid");
  EXPECT_TRUE(AllClose(ops::grid_sample(x, grid, InterpolateMode::nearest, GridPadding::zeros, false),
                       f.at(name + ".y"), 0.0));
  auto g = ops::grid_sample_backward(f.at(name + ".gy"), x, grid, InterpolateMode::nearest, GridPadding::zeros, false);
  EXPECT_TRUE(AllClose(g.input, f.at(name + ".dx"), kTol));
}

struct ResizeCase {
  const char* tag;
  InterpolateMode mode;
  bool align_corners;
  double scale_h = 0, scale_w = 0;  // the scale factors passed to torch, if any
};

TEST_F(SampleFixtures, InterpolateMatchesTorch) {
  using M = InterpolateMode;
  const ResizeCase cases[] = {
      {"nearest.up", M::nearest, false},          {"nearest.down", M::nearest, false},
      {"nearest.double", M::nearest, false},      {"nearest.scale", M::nearest, false, 1.7, 0.6},
      {"bilinear.up.ac0", M::bilinear, false},    {"bilinear.up.ac1", M::bilinear, true},
      {"bilinear.down.ac0", M::bilinear, false},  {"bilinear.down.ac1", M::bilinear, true},
      {"bilinear.scale.ac0", M::bilinear, false, 1.5, 0.7},
  };
  for (const auto& c : cases) {
    const std::string name = std::string("interpolate.") + c.tag;
    SCOPED_TRACE(name);
    const Tensor x = f.at(name + ".x"), y = f.at(name + ".y");
    const double tol = c.mode == M::nearest ? 0.0 : kTol;  // nearest copies values exactly
    EXPECT_TRUE(AllClose(ops::interpolate(x, y.size(2), y.size(3), c.mode, c.align_corners, c.scale_h, c.scale_w),
                         y, tol));
    EXPECT_TRUE(AllClose(ops::interpolate_backward(f.at(name + ".gy"), x.sizes(), c.mode, c.align_corners, c.scale_h,
                                                   c.scale_w),
                         f.at(name + ".dx"), kTol));
  }
}

TEST_F(SampleFixtures, AffineGridMatchesTorch) {
  for (bool ac : {false, true}) {
    const std::string name = std::string("affine_grid.ac") + (ac ? "1" : "0");
    SCOPED_TRACE(name);
    const Shape size{2, 3, 4, 5};
    EXPECT_TRUE(AllClose(ops::affine_grid(f.at(name + ".theta"), size, ac), f.at(name + ".y"), kTol));
    EXPECT_TRUE(AllClose(ops::affine_grid_backward(f.at(name + ".gy"), size, ac), f.at(name + ".dtheta"), kTol));
  }
}

TEST_F(SampleFixtures, PadMatchesTorch) {
  struct Case {
    const char* tag;
    std::vector<int64_t> pads;
    PadMode mode;
    double value;
  };
  const Case cases[] = {
      {"constant", {1, 2, 2, 1}, PadMode::constant, 0.5}, {"reflect", {2, 1, 3, 0}, PadMode::reflect, 0},
      {"replicate", {3, 1, 0, 2}, PadMode::replicate, 0}, {"reflect1d", {2, 4}, PadMode::reflect, 0},
      {"replicate1d", {3, 0}, PadMode::replicate, 0},
  };
  for (const auto& c : cases) {
    const std::string name = std::string("pad.") + c.tag;
    SCOPED_TRACE(name);
    const Tensor x = f.at(name + ".x");
    EXPECT_TRUE(AllClose(ops::pad(x, c.pads, c.mode, c.value), f.at(name + ".y"), 0.0));
    EXPECT_TRUE(AllClose(ops::pad_backward(f.at(name + ".gy"), x.sizes(), c.pads, c.mode), f.at(name + ".dx"), kTol));
  }
}

}  // namespace
}  // namespace hg
