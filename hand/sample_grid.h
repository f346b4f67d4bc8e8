// Sample images of a training run (<run>/samples/*.png, DESIGN.md "Files and runs"): equally sized
// images tiled into one picture, the augmented view pairs of a contrastive batch, and crops with
// their predicted and true 2D keypoints.
//
// Images are RGB in [0, 1] as batches carry them (the ImageNet normalisation happens inside the
// networks, hand/pose_net.h, so nothing has to be undone); values outside [0, 1] — e.g. after
// additive noise — are clamped. Layout of a grid of `columns` columns and padding p around every
// cell: cell k (row k / columns, column k % columns) starts at pixel row p + row·(H + p), column
// p + column·(W + p); the picture is rows·H + (rows + 1)·p high and columns·W + (columns + 1)·p wide,
// the padding and any unused cell in the background colour. Plain pixel work on the CPU; no graph.
#pragma once
#include <cstdint>
#include <string>

#include "hand/draw.h"
#include "tensor/tensor.h"

namespace hg::hand {

struct GridOptions {
  int64_t padding = 2;
  Rgb background{0.5f, 0.5f, 0.5f};
};

// images [N, 3, H, W] (floating, N ≥ 1) → f32 [3, H', W'] with ceil(N / columns) rows.
Tensor tile_images(const Tensor& images, int64_t columns, const GridOptions& options = {});

// The first min(B, max_pairs) pairs of views [B, 3, H, W] side by side: view 0 in the top row, view 1
// right below it (2 rows of min(B, max_pairs) columns).
Tensor view_pair_grid(const Tensor& view0, const Tensor& view1, int64_t max_pairs = 8);

// The first min(B, max_images) crops images [B, 3, S, S] with, on each, the true keypoints
// uv_true [B, 21, 2] as a thin white skeleton (keypoints with valid [B, 21] = 0 left out) and the
// predicted uv_pred [B, 21, 2] on top in draw_skeleton's per-finger colours; `columns` per row.
Tensor keypoint_grid(const Tensor& images, const Tensor& uv_pred, const Tensor& uv_true, const Tensor& valid,
                     int64_t max_images = 8, int64_t columns = 4);

// A [3, H, W] image in [0, 1] written as an 8-bit PNG (clamped, rounded; atomically).
void write_sample_png(const std::string& path, const Tensor& image);

}  // namespace hg::hand
