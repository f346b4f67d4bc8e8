// interpolate, affine_grid, grid_sample and pad on CUDA vs the CPU ops, forward and every backward,
// for all modes, both align_corners settings, every floating dtype and non-contiguous inputs; the
// gather backwards are run twice and must agree bit for bit (no atomics). Tolerances (relative to
// max |expected|): f64 1e-12, f32 1e-5, f16 1e-2, bf16 2e-2.
#include <gtest/gtest.h>

#include "ops/pad.h"
#include "ops/pointwise.h"
#include "ops/sample.h"
#include "tensor/factory.h"
#include "tensor/view.h"
#include "tests/common/compare.h"
#include "tests/common/gpu_test.h"

namespace hg {
namespace {

using testing::kGpu;
using testing::tolerance;
using testing::gpu;
using testing::cpu;

const DType kFloats[] = {DType::f64, DType::f32, DType::f16, DType::bf16};

Tensor random(const Shape& s, double lo, double hi, DType dt, uint64_t seed) {
  Generator g(seed);
  return ops::to_dtype(uniform(s, lo, hi, DType::f64, &g), dt);
}

struct Resize {
  Shape in;
  int64_t oh, ow;
  InterpolateMode mode;
  bool align;
  double sh = 0, sw = 0;
};

TEST(GpuSample, InterpolateForwardAndBackwardMatchTheCpu) {
  REQUIRE_GPU();
  const Resize cases[] = {
      {{2, 3, 7, 9}, 14, 18, InterpolateMode::nearest, false},
      {{1, 2, 8, 6}, 5, 4, InterpolateMode::nearest, false},
      {{1, 2, 5, 6}, 7, 13, InterpolateMode::nearest, false, 1.5, 2.2},
      {{2, 3, 7, 9}, 13, 4, InterpolateMode::bilinear, false},
      {{2, 3, 7, 9}, 13, 4, InterpolateMode::bilinear, true},
      {{1, 1, 6, 6}, 12, 12, InterpolateMode::bilinear, false, 2.0, 2.0},
      {{1, 2, 1, 5}, 3, 1, InterpolateMode::bilinear, true},
      {{1, 2, 4, 4}, 4, 4, InterpolateMode::bilinear, false},
  };
  for (DType dt : kFloats)
    for (const Resize& c : cases) {
      SCOPED_TRACE(std::string(dtype_name(dt)) + " " + shape_str(c.in) + " -> " + std::to_string(c.oh) + "x" +
                   std::to_string(c.ow) + " " + interpolate_mode_name(c.mode) + (c.align ? " align" : ""));
      const Tensor x = random(c.in, -2, 2, dt, 1);
      const Tensor y = ops::interpolate(x, c.oh, c.ow, c.mode, c.align, c.sh, c.sw);
      EXPECT_TRUE(testing::AllClose(cpu(ops::interpolate(gpu(x), c.oh, c.ow, c.mode, c.align, c.sh, c.sw)), y,
                                    tolerance(dt)));
      const Tensor g = random(y.sizes(), -1, 1, dt, 2);
      const Tensor gx = ops::interpolate_backward(g, c.in, c.mode, c.align, c.sh, c.sw);
      const Tensor gx_dev = ops::interpolate_backward(gpu(g), c.in, c.mode, c.align, c.sh, c.sw);
      EXPECT_TRUE(testing::AllClose(cpu(gx_dev), gx, tolerance(dt)));
      EXPECT_TRUE(testing::BitEqual(cpu(gx_dev), cpu(ops::interpolate_backward(gpu(g), c.in, c.mode, c.align, c.sh,
                                                                               c.sw))));
    }
}

TEST(GpuSample, InterpolateReadsNonContiguousInput) {
  REQUIRE_GPU();
  const Tensor x = ops::transpose(random({2, 3, 6, 5}, -1, 1, DType::f32, 3), 2, 3);
  EXPECT_TRUE(testing::AllClose(cpu(ops::interpolate(gpu(x), 9, 11, InterpolateMode::bilinear, false)),
                                ops::interpolate(x, 9, 11, InterpolateMode::bilinear, false), 1e-5));
}

TEST(GpuSample, AffineGridForwardAndBackwardMatchTheCpu) {
  REQUIRE_GPU();
  for (DType dt : kFloats)
    for (bool align : {false, true})
      for (const Shape& size : {Shape{2, 3, 5, 7}, Shape{1, 1, 1, 4}, Shape{3, 2, 40, 33}}) {
        SCOPED_TRACE(std::string(dtype_name(dt)) + " " + shape_str(size) + (align ? " align" : ""));
        const Tensor theta = random({size[0], 2, 3}, -1.5, 1.5, dt, 4);
        const Tensor grid = ops::affine_grid(theta, size, align);
        EXPECT_TRUE(testing::AllClose(cpu(ops::affine_grid(gpu(theta), size, align)), grid, tolerance(dt)));
        const Tensor g = random(grid.sizes(), -1, 1, dt, 5);
        const Tensor dtheta = ops::affine_grid_backward(g, size, align);
        EXPECT_TRUE(testing::AllClose(cpu(ops::affine_grid_backward(gpu(g), size, align)), dtheta, tolerance(dt)));
      }
}

TEST(GpuSample, GridSampleForwardAndBothGradientsMatchTheCpu) {
  REQUIRE_GPU();
  for (DType dt : kFloats)
    for (InterpolateMode mode : {InterpolateMode::bilinear, InterpolateMode::nearest})
      for (GridPadding pad : {GridPadding::zeros, GridPadding::border})
        for (bool align : {false, true}) {
          SCOPED_TRACE(std::string(dtype_name(dt)) + " " + interpolate_mode_name(mode) + " " +
                       grid_padding_name(pad) + (align ? " align" : ""));
          const Tensor x = random({2, 3, 6, 7}, -2, 2, dt, 6);
          // grid values beyond [-1, 1] exercise the padding; 9 x 5 points sample a 6 x 7 image
          const Tensor grid = random({2, 9, 5, 2}, -1.3, 1.3, dt, 7);
          const Tensor y = ops::grid_sample(x, grid, mode, pad, align);
          EXPECT_TRUE(testing::AllClose(cpu(ops::grid_sample(gpu(x), gpu(grid), mode, pad, align)), y, tolerance(dt)));
          const Tensor g = random(y.sizes(), -1, 1, dt, 8);
          const auto ref = ops::grid_sample_backward(g, x, grid, mode, pad, align);
          const auto dev = ops::grid_sample_backward(gpu(g), gpu(x), gpu(grid), mode, pad, align);
          EXPECT_TRUE(testing::AllClose(cpu(dev.input), ref.input, tolerance(dt)));
          EXPECT_TRUE(testing::AllClose(cpu(dev.grid), ref.grid, tolerance(dt)));
          const auto again = ops::grid_sample_backward(gpu(g), gpu(x), gpu(grid), mode, pad, align);
          EXPECT_TRUE(testing::BitEqual(cpu(again.input), cpu(dev.input)));  // deterministic gather
        }
}

TEST(GpuSample, GridSampleManyPointsOnOnePixelAndOnlyTheRequestedGradients) {
  REQUIRE_GPU();
  // a grid that zooms far out: every point lands on a few pixels, so the gather lists are long
  const Tensor x = random({1, 2, 4, 4}, -1, 1, DType::f64, 9);
  const Tensor grid = ops::mul(random({1, 64, 64, 2}, -1, 1, DType::f64, 10), 0.05);
  const Tensor g = random({1, 2, 64, 64}, -1, 1, DType::f64, 11);
  const auto ref = ops::grid_sample_backward(g, x, grid, InterpolateMode::bilinear, GridPadding::zeros, false);
  const auto dev = ops::grid_sample_backward(gpu(g), gpu(x), gpu(grid), InterpolateMode::bilinear,
                                             GridPadding::zeros, false, true, false);
  EXPECT_TRUE(testing::AllClose(cpu(dev.input), ref.input, 1e-12));
  EXPECT_FALSE(dev.grid.defined());
}

struct PadCase {
  Shape in;
  std::vector<int64_t> pads;
};

TEST(GpuPad, EveryModeForwardAndBackwardMatchTheCpu) {
  REQUIRE_GPU();
  const PadCase cases[] = {{{2, 3, 5, 6}, {1, 2, 3, 0}}, {{4, 7}, {2, 3}}, {{2, 3, 5}, {4, 4}},
                           {{1, 1, 3, 3}, {2, 2, 2, 2}}, {{3, 4}, {0, 0, 1, 2}}};
  for (PadMode mode : {PadMode::constant, PadMode::reflect, PadMode::replicate})
    for (const PadCase& c : cases)
      for (DType dt : kFloats) {
        SCOPED_TRACE(std::string(pad_mode_name(mode)) + " " + shape_str(c.in) + " pads " + shape_str(c.pads) + " " +
                     dtype_name(dt));
        const Tensor x = random(c.in, -3, 3, dt, 12);
        const Tensor y = ops::pad(x, c.pads, mode, 0.75);
        EXPECT_TRUE(testing::BitEqual(cpu(ops::pad(gpu(x), c.pads, mode, 0.75)), y));  // pure copies
        const Tensor g = random(y.sizes(), -1, 1, dt, 13);
        const Tensor gx = ops::pad_backward(g, c.in, c.pads, mode);
        EXPECT_TRUE(testing::AllClose(cpu(ops::pad_backward(gpu(g), c.in, c.pads, mode)), gx, tolerance(dt)));
      }
}

TEST(GpuPad, IntegerTensorsAndNonContiguousInput) {
  REQUIRE_GPU();
  const Tensor xi = ops::to_dtype(random({2, 4, 5}, -50, 50, DType::f64, 14), DType::i64);
  EXPECT_TRUE(testing::BitEqual(cpu(ops::pad(gpu(xi), {1, 2, 2, 1}, PadMode::replicate)),
                                ops::pad(xi, {1, 2, 2, 1}, PadMode::replicate)));
  const Tensor xt = ops::transpose(random({3, 6, 5}, -1, 1, DType::f32, 15), 1, 2);
  EXPECT_TRUE(testing::BitEqual(cpu(ops::pad(gpu(xt), {2, 1, 1, 3}, PadMode::reflect)),
                                ops::pad(xt, {2, 1, 1, 3}, PadMode::reflect)));
}

TEST(GpuPad, BadPadsGiveTheCpuError) {
  REQUIRE_GPU();
  const Tensor x = gpu(random({2, 3}, -1, 1, DType::f32, 16));
  EXPECT_THROW(ops::pad(x, {3, 0}, PadMode::reflect), std::invalid_argument);
  EXPECT_THROW(ops::pad(x, {1}, PadMode::constant), std::invalid_argument);
}

}  // namespace
}  // namespace hg
