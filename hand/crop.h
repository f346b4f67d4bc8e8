// Hand-centred square crops (the first step of every augmentation pipeline, REFERENCE.md §1–§2).
//
// The box is a square in source pixels given by its centre and side; crop_warp maps its outer
// edges onto the outer edges of the out × out output (pixel-centre convention of hand/camera.h):
//   u' = k (u − (centre_u − side/2)) − 1/2,  k = out / side,
// i.e. camera.h's crop_affine(x0 = centre_u − side/2 + 1/2, …) followed by resize_affine(k, k).
// A crop and resize never rotate, so K' = A K and xyz is unchanged.
#pragma once
#include <cstdint>
#include <string>

#include "hand/augment.h"
#include "hand/dataset.h"

namespace hg::hand {

struct CropBox {
  double centre_u = 0, centre_v = 0, side = 0;  // source pixels
};

// The square around the valid keypoints (all when `valid` is undefined): centred on their bounding
// box, side = margin × its longer side, at least min_side. Throws std::invalid_argument naming
// `source` when uv is not [N, 2], no keypoint is valid or a valid one is not finite.
CropBox keypoint_box(const Tensor& uv, const Tensor& valid, double margin, double min_side,
                     const std::string& source = "");
// The whole h × w image, padded to a square about its centre.
CropBox image_box(int64_t h, int64_t w);
// The box a crop config takes for a sample before jitter (keypoint_box, or image_box when disabled).
CropBox crop_box_for(const HandSample& sample, const CropConfig& config);

// The jitter of a crop config (with its probability): centre + U(±centre_jitter)·side per axis,
// side × U(scale). Returns the final box and the side factor (1 when not applied).
CropRecord jitter_box(const CropBox& box, const CropConfig& config, Generator& g);

PixelWarp crop_warp(const CropBox& box, int64_t out_size);
// The sample cropped to `box` and resampled to out_size × out_size (warp_sample with crop_warp).
HandSample crop_hand(const HandSample& sample, const CropBox& box, int64_t out_size,
                     GridPadding padding = GridPadding::zeros);

}  // namespace hg::hand
