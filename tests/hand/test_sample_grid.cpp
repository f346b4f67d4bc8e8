// The sample pictures of a run folder: tiling layout (cell positions, padding, background, clamping),
// view pairs (view 0 above view 1, at most max_pairs), keypoint overlays (prediction over the truth,
// invalid keypoints left out) and the PNG round trip.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <vector>

#include "hand/sample_grid.h"
#include "hand/skeleton.h"
#include "tensor/factory.h"
#include "tensor/image_io.h"

namespace hg::hand {
namespace {

// Pixel (c, i, j) of an f32 [3, H, W] image.
float px(const Tensor& img, int64_t c, int64_t i, int64_t j) {
  return img.data<float>()[(c * img.size(1) + i) * img.size(2) + j];
}

// N images [N, 3, h, w]; image k has the constant value (k + 1) / 10 in every channel.
Tensor constant_images(int64_t n, int64_t h, int64_t w) {
  std::vector<float> v;
  for (int64_t k = 0; k < n; ++k) v.insert(v.end(), 3 * h * w, static_cast<float>(k + 1) / 10);
  return from_vector(v, {n, 3, h, w});
}

TEST(SampleGrid, TilesCellsRowMajorWithPaddingAndBackground) {
  const Tensor grid = tile_images(constant_images(3, 2, 3), 2, GridOptions{.padding = 1, .background = {0, 1, 0}});
  // 2 rows × 2 columns of 2×3 cells: height 2·2 + 3·1, width 2·3 + 3·1.
  ASSERT_EQ(grid.sizes(), (Shape{3, 7, 9}));
  // Cell k starts at row 1 + (k / 2)·3, column 1 + (k % 2)·4.
  EXPECT_FLOAT_EQ(px(grid, 0, 1, 1), 0.1f);
  EXPECT_FLOAT_EQ(px(grid, 2, 2, 3), 0.1f);  // last pixel of cell 0
  EXPECT_FLOAT_EQ(px(grid, 0, 1, 5), 0.2f);
  EXPECT_FLOAT_EQ(px(grid, 1, 2, 7), 0.2f);  // last pixel of cell 1, channel 1
  EXPECT_FLOAT_EQ(px(grid, 0, 4, 1), 0.3f);
  // Padding and the unused fourth cell are the background (0, 1, 0).
  for (auto [i, j] : std::vector<std::pair<int64_t, int64_t>>{{0, 0}, {3, 2}, {1, 4}, {4, 5}, {5, 7}, {6, 8}}) {
    EXPECT_FLOAT_EQ(px(grid, 0, i, j), 0.0f) << i << "," << j;
    EXPECT_FLOAT_EQ(px(grid, 1, i, j), 1.0f) << i << "," << j;
  }
  // Fewer images than columns: one row of exactly N cells.
  EXPECT_EQ(tile_images(constant_images(2, 4, 4), 8).sizes(), (Shape{3, 4 + 2 * 2, 2 * 4 + 3 * 2}));
}

TEST(SampleGrid, ClampsToTheDisplayRangeAndChecksItsInput) {
  Tensor img = full({1, 3, 2, 2}, 1.7);
  img.data<float>()[0] = -0.4f;
  const Tensor grid = tile_images(img, 1, GridOptions{.padding = 0});
  EXPECT_FLOAT_EQ(px(grid, 0, 0, 0), 0.0f);
  EXPECT_FLOAT_EQ(px(grid, 0, 1, 1), 1.0f);
  EXPECT_THROW(tile_images(zeros({3, 4, 4}), 1), std::invalid_argument);         // not [N, 3, H, W]
  EXPECT_THROW(tile_images(zeros({2, 1, 4, 4}), 1), std::invalid_argument);      // one channel
  EXPECT_THROW(tile_images(zeros({2, 3, 4, 4}), 0), std::invalid_argument);      // no column
  EXPECT_THROW(view_pair_grid(zeros({2, 3, 4, 4}), zeros({2, 3, 4, 5})), std::invalid_argument);
}

TEST(SampleGrid, ViewPairsStackView0AboveView1AndKeepAtMostMaxPairs) {
  const int64_t s = 4, p = 2;
  const Tensor v0 = constant_images(10, s, s);                       // 0.1 … 1.0
  const Tensor v1 = full({10, 3, s, s}, 0.05);
  const Tensor grid = view_pair_grid(v0, v1, 8);
  ASSERT_EQ(grid.sizes(), (Shape{3, 2 * s + 3 * p, 8 * s + 9 * p}));
  for (int64_t k = 0; k < 8; ++k) {
    const int64_t left = p + k * (s + p);
    EXPECT_FLOAT_EQ(px(grid, 0, p, left), static_cast<float>(k + 1) / 10) << "view 0 of pair " << k;
    EXPECT_FLOAT_EQ(px(grid, 0, p + s + p, left), 0.05f) << "view 1 of pair " << k;
  }
}

TEST(SampleGrid, KeypointOverlayDrawsPredictionOverTruthAndSkipsInvalidKeypoints) {
  const int64_t s = 64;
  const Tensor images = zeros({2, 3, s, s});
  // The truth: every keypoint at (10, 10) except keypoint 20 (little tip) at (50, 50), which is
  // invalid in image 0. The prediction: every keypoint at (40, 20).
  std::vector<float> truth(2 * 21 * 2, 10.0f), pred(2 * 21 * 2);
  for (int b = 0; b < 2; ++b) {
    truth[(b * 21 + 20) * 2] = 50, truth[(b * 21 + 20) * 2 + 1] = 50;
    for (int k = 0; k < 21; ++k) pred[(b * 21 + k) * 2] = 40, pred[(b * 21 + k) * 2 + 1] = 20;
  }
  std::vector<float> valid(2 * 21, 1.0f);
  valid[20] = 0;
  const Tensor grid = keypoint_grid(images, from_vector(pred, {2, 21, 2}), from_vector(truth, {2, 21, 2}),
                                    from_vector(valid, {2, 21}), 8, 4);
  const int64_t p = 2;
  ASSERT_EQ(grid.sizes(), (Shape{3, s + 2 * p, 2 * s + 3 * p}));
  auto at = [&](int64_t image, int64_t c, int64_t u, int64_t v) { return px(grid, c, p + v, p + image * (s + p) + u); };
  // Truth: white (all channels equal, bright).
  EXPECT_GT(at(0, 0, 10, 10), 0.8f);
  EXPECT_FLOAT_EQ(at(0, 0, 10, 10), at(0, 2, 10, 10));
  // The invalid keypoint is not drawn in image 0, the valid one is in image 1.
  EXPECT_FLOAT_EQ(at(0, 0, 50, 50), 0.0f);
  EXPECT_GT(at(1, 0, 50, 50), 0.8f);
  // Prediction: draw_skeleton's dots, the last one drawn being keypoint 20 (little finger, magenta).
  const Rgb little = finger_colors()[4];
  EXPECT_NEAR(at(0, 0, 40, 20), little.r, 1e-5);
  EXPECT_NEAR(at(0, 1, 40, 20), little.g, 1e-5);
  EXPECT_NEAR(at(0, 2, 40, 20), little.b, 1e-5);
  // Far from both: untouched.
  EXPECT_FLOAT_EQ(at(0, 1, 60, 5), 0.0f);
  EXPECT_THROW(keypoint_grid(images, zeros({2, 21, 3}), zeros({2, 21, 2}), zeros({2, 21})), std::invalid_argument);
  EXPECT_THROW(keypoint_grid(images, zeros({2, 21, 2}), zeros({2, 21, 2}), zeros({1, 21})), std::invalid_argument);
}

TEST(SampleGrid, PngRoundTripKeepsEveryPixelToOneLevel) {
  const std::string path = (std::filesystem::temp_directory_path() / ("hg_grid_" + std::to_string(::getpid()) + ".png")).string();
  const Tensor grid = view_pair_grid(constant_images(3, 5, 6), constant_images(3, 5, 6));
  write_sample_png(path, grid);
  const Tensor back = image::read_rgb(path);
  ASSERT_EQ(back.sizes(), grid.sizes());
  const auto a = grid.to_vector<float>(), b = back.to_vector<float>();
  for (size_t i = 0; i < a.size(); ++i) ASSERT_NEAR(a[i], b[i], 0.5 / 255 + 1e-6) << i;
  EXPECT_THROW(write_sample_png(path, zeros({4, 5})), std::invalid_argument);
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace hg::hand
