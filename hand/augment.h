// Augmentation of hand samples: the configuration of every transform, the record of the
// parameters actually drawn, and the transforms themselves (REFERENCE.md §1, §2, §6).
//
// Order of application (hand/augment_pipeline.h draws the parameters and applies them):
//   1. geometry, resampled ONCE: hand-centred crop (+ jitter) → scale → rotation → translation,
//      all about the output centre, composed into one pixel warp (warp_sample);
//   2. RGB appearance: colour jitter (HSV) → grey-scale → Gaussian blur → Sobel → Gaussian noise
//      → random erasing (cutout);
//   3. depth: random erasing → salt-and-pepper.
// Every transform returns new tensors: inputs are never modified (a data loader's cache shares them).
//
// Conventions (DESIGN.md): images RGB f32 CHW in [0, 1]; pixel (i, j) is centred at (u, v) = (j, i);
// angles in radians in code (degrees only in configs, as `degrees` ranges).
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "hand/dataset.h"
#include "ops/sample.h"
#include "tensor/philox.h"

namespace hg::hand {

// ---------------------------------------------------------------------------------------------
// Configuration (JSON (de)serialisation and presets: hand/augment_pipeline.h)
// ---------------------------------------------------------------------------------------------

// A closed interval [lo, hi] sampled uniformly.
struct Range {
  double lo = 0, hi = 0;
  double sample(Generator& g) const { return g.uniform(lo, hi); }
};

// Hand-centred square crop (hand/crop.h). The box is centred on the bounding box of the valid
// keypoints, with side = margin × its longer side (at least min_side); jitter (applied with
// `probability`) shifts the centre by U(−centre_jitter, centre_jitter)·side per axis and multiplies
// the side by U(scale) — that factor is the "crop scale" target of the relative objective.
// enabled = false crops the whole image instead (padded to a square about its centre).
struct CropConfig {
  bool enabled = true;
  int64_t size = 128;  // output side: 128 for pre-training, 224 for S2HAND-style models
  double margin = 1.5;
  double min_side = 16;  // pixels
  double probability = 1;  // of applying the jitter below
  double centre_jitter = 0;
  Range scale{1, 1};
};

struct RotationConfig {  // about the output centre
  bool enabled = false;
  double probability = 1;
  Range degrees{-45, 45};
};

struct TranslationConfig {  // output pixels, each axis drawn independently
  bool enabled = false;
  double probability = 1;
  Range pixels{-15, 15};
};

struct ScaleConfig {  // magnification about the output centre (> 1 enlarges the hand)
  bool enabled = false;
  double probability = 1;
  Range factor{0.6, 2.0};
};

// REFERENCE.md §1: in HSV, hue × U(hue), saturation × U(saturation), and the value (0–255 scale)
// → value_gain · v + value_bias, clamped to [0, 255].
struct ColorJitterConfig {
  bool enabled = false;
  double probability = 1;
  Range hue{0.01, 1}, saturation{0.01, 1}, value_gain{0.5, 1}, value_bias{5, 20};
};

struct GreyscaleConfig {
  bool enabled = false;
  double probability = 0.2;
};

struct BlurConfig {  // Gaussian, standard deviation in pixels
  bool enabled = false;
  double probability = 0.5;
  Range sigma{0.1, 2.0};
};

struct SobelConfig {
  bool enabled = false;
  double probability = 1;
};

struct NoiseConfig {  // additive Gaussian, standard deviation on the [0, 1] scale
  bool enabled = false;
  double probability = 0.5;
  Range stddev{0.01, 0.1};
};

// Random erasing / cutout (torchvision's RandomErasing): a rectangle of area U(area)·H·W and aspect
// ratio h/w = exp(U(log aspect.lo, log aspect.hi)), at a uniform position inside the image (10
// attempts, else nothing), filled with `value`.
struct ErasingConfig {
  bool enabled = false;
  double probability = 0.5;
  Range area{0.02, 0.33};
  Range aspect{0.3, 3.3};
  double value = 0;
};

// Salt-and-pepper on depth maps: a fraction U(ratio) of the pixels is replaced, each by the map's
// largest depth ("salt", with probability salt_fraction) or by 0 = no measurement ("pepper").
struct SaltPepperConfig {
  bool enabled = false;
  double probability = 1;
  Range ratio{0.01, 0.05};
  double salt_fraction = 0.5;
};

struct AugmentConfig {
  std::string preset = "none";  // informative: the preset these values started from
  CropConfig crop;
  ScaleConfig scale;
  RotationConfig rotation;
  TranslationConfig translation;
  ColorJitterConfig color_jitter;
  GreyscaleConfig greyscale;
  BlurConfig blur;
  SobelConfig sobel;
  NoiseConfig noise;
  ErasingConfig erasing;
  ErasingConfig depth_erasing;
  SaltPepperConfig depth_salt_pepper;
  GridPadding padding = GridPadding::zeros;  // image pixels outside the source: 0 or the border pixel
};

// ---------------------------------------------------------------------------------------------
// The transform record: the parameters drawn for one view (absent = not applied)
// ---------------------------------------------------------------------------------------------

struct CropRecord {
  double centre_u = 0, centre_v = 0, side = 0;  // the box in source pixels (after jitter)
  double scale = 1;                              // the jitter's side factor
};

struct RectRecord {  // pixels [top, top + height) × [left, left + width)
  int64_t top = 0, left = 0, height = 0, width = 0;
};

struct ColorJitterRecord {
  double hue = 1, saturation = 1, value_gain = 1, value_bias = 0;  // identity by default
};

struct NoiseRecord {
  double stddev = 0;
  uint64_t key = 0;  // Philox seed of the per-pixel draws: Generator(key, 0)
};

struct SaltPepperRecord {
  double ratio = 0;
  double salt_fraction = 0.5;
  uint64_t key = 0;  // Philox seed of the per-pixel draws: Generator(key, 0)
};

struct TransformRecord {
  std::optional<CropRecord> crop;
  std::optional<double> scale;                        // magnification
  std::optional<double> rotation;                     // radians; > 0 turns the content clockwise on screen
  std::optional<std::array<double, 2>> translation;  // output pixels (u, v)
  std::optional<ColorJitterRecord> color_jitter;
  bool greyscale = false;
  std::optional<double> blur_sigma;
  bool sobel = false;
  std::optional<NoiseRecord> noise;
  std::optional<RectRecord> erasing;
  std::optional<RectRecord> depth_erasing;
  std::optional<SaltPepperRecord> depth_salt_pepper;
};

// {"crop": {...}, "rotation": {"radians": a}, ...} with only the applied transforms; from_json
// reads it back (throws std::invalid_argument naming the field).
void to_json(nlohmann::json& j, const TransformRecord& r);
void from_json(const nlohmann::json& j, TransformRecord& r);

// The record as regression targets (identity values where a transform was not applied):
//   rotation (rad), translation u, v (px), scale, hue, saturation, value_gain, value_bias, crop_scale.
inline constexpr int64_t kNumTransformTargets = 9;
extern const std::array<std::string_view, kNumTransformTargets> kTransformTargetNames;
std::array<double, kNumTransformTargets> transform_targets(const TransformRecord& r);

// ---------------------------------------------------------------------------------------------
// Geometry (hand/augment_geometric.cpp)
// ---------------------------------------------------------------------------------------------

// A pixel-coordinate map from a source image to an output image, (u', v', 1) = A (u, v, 1), and the
// camera roll it contains. An in-plane image rotation is not an intrinsics change: K' = A K would
// no longer be upper-triangular. Instead the camera frame is turned about its optical axis:
//   xyz' = R_z(roll) xyz,   K' = A K R_z(roll)ᵀ,
// so that K' xyz' = A K xyz, i.e. project(xyz', K') = A · project(xyz, K) exactly, for any roll.
// With roll = the rotation angle contained in A and a K with fx = fy and no skew, K' keeps the
// pinhole form (R_z F R_zᵀ = F for F = f·I). Depth (Z) is unchanged by R_z.
struct PixelWarp {
  std::array<double, 9> A{1, 0, 0, 0, 1, 0, 0, 0, 1};  // row-major, bottom row 0 0 1
  double roll = 0;                                       // radians

  // `next` after this one: A = next.A · A, roll = next.roll + roll.
  PixelWarp then(const PixelWarp& next) const;
  Tensor matrix() const;  // f64 [3, 3]
  // (u, v) → A (u, v, 1).
  std::array<double, 2> apply(double u, double v) const;
  // From a 3×3 affine tensor such as hand/camera.h's crop_affine / resize_affine.
  static PixelWarp from_affine(const Tensor& A, double roll = 0);
};

PixelWarp translation_warp(double du, double dv);
PixelWarp scale_warp(double s, double pu, double pv);            // s (q − p) + p
PixelWarp rotation_warp(double angle, double pu, double pv);      // camera.h rotate_affine, roll = angle
// The scale, rotation and translation of a record about the centre of an out_h × out_w image
// (identity for the absent ones): translation ∘ rotation ∘ scale.
PixelWarp augmentation_warp(const TransformRecord& r, int64_t out_h, int64_t out_w);

// Resamples a sample into an out_h × out_w image under `warp`: the image bilinearly (outside the
// source: `padding`), mask and depth with nearest neighbours (outside: 0); uv → A uv, K → A K R_zᵀ,
// xyz and verts → R_z ·, MANO global rotation → R_z · R (axis-angle) and uv_root → A uv_root.
// valid, scale, source and mirrored are kept. Throws std::invalid_argument naming the sample's
// source for a malformed sample (image not [3, H, W], fields of the wrong shape).
HandSample warp_sample(const HandSample& sample, const PixelWarp& warp, int64_t out_h, int64_t out_w,
                       GridPadding padding = GridPadding::zeros);

// A left hand seen as a right one: the image, mask and depth flipped left-right (u' = W − 1 − u),
// uv mirrored, xyz and verts mirrored in X with K' = M K diag(−1, 1, 1) (M the flip), so that
// projection stays consistent with a positive fx; mirrored = !mirrored. MANO parameters cannot be
// mirrored without the left-hand model and are dropped (mano undefined).
HandSample mirror_horizontally(const HandSample& sample);

// ---------------------------------------------------------------------------------------------
// RGB appearance (hand/augment_appearance.cpp); image [3, H, W] f32 in [0, 1]
// ---------------------------------------------------------------------------------------------

// HSV ↔ RGB (hexcone model, all channels in [0, 1], hue in [0, 1) turns).
Tensor rgb_to_hsv(const Tensor& image);
Tensor hsv_to_rgb(const Tensor& hsv);
Tensor color_jitter_hsv(const Tensor& image, const ColorJitterRecord& p);
// Luma Y = 0.299 R + 0.587 G + 0.114 B (ITU-R BT.601, as torchvision) in all three channels.
Tensor greyscale(const Tensor& image);
// Separable Gaussian with radius ceil(3σ), normalised weights and half-sample symmetric borders
// (… x1 x0 | x0 x1 …), which keep every pixel's total weight 1, so the image mean is preserved.
// σ ≤ 0 returns a copy.
Tensor gaussian_blur(const Tensor& image, double sigma);
// Edge magnitude of the luma: sqrt(gx² + gy²) with Sobel kernels divided by 8 (so a unit step gives
// 0.5) and replicated borders, in all three channels.
Tensor sobel_edges(const Tensor& image);
// image + stddev · N(0, 1) per element (Generator(key, 0)), clamped to [0, 1].
Tensor add_gaussian_noise(const Tensor& image, const NoiseRecord& p);
// A copy of x [C, H, W] with the rectangle set to `value` in every channel.
Tensor erase_rect(const Tensor& x, const RectRecord& r, double value);
// The erasing rectangle for an h × w image, or nullopt when 10 attempts do not fit one.
std::optional<RectRecord> sample_erasing_rect(int64_t h, int64_t w, const ErasingConfig& c, Generator& g);

// ---------------------------------------------------------------------------------------------
// Depth (hand/augment_depth.cpp); depth [1, H, W] f32 metres, 0 = no measurement
// ---------------------------------------------------------------------------------------------

// Each pixel independently, with probability `ratio`, becomes salt (the map's largest depth) with
// probability salt_fraction or pepper (0). Draws from Generator(key, 0).
Tensor salt_and_pepper(const Tensor& depth, const SaltPepperRecord& p);

}  // namespace hg::hand
