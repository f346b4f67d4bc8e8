// Evaluation of a 2.5D pose network on a FreiHAND-layout split (REFERENCE.md §3, §7).
//
// Each image is cropped around its ground-truth keypoints (the "none" augmentation preset: margin
// 1.5, no jitter) to the network's input size; the prediction (u, v, Ẑ) is lifted to 3D with the
// closed-form root depth and a reference bone length s — the true one (from the ground truth,
// FreiHAND's protocol when the scale is known) or the mean over the training split. Reported: 2D
// EPE in crop pixels, 3D EPE and Procrustes-aligned EPE in mm (mean, median), 3D PCK/AUC over
// 0–50 mm, unaligned and aligned.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "hand/metrics.h"
#include "hand/train_config.h"

namespace hg::hand {

struct EvalResult {
  std::string name;          // what was evaluated (checkpoint path or "mean pose")
  int64_t images = 0;
  ErrorSummary epe2d_px;     // crop pixels
  Pose3dEvaluation pose3d;   // mm
  // {"table": {...}, "pck": {...}} as nn/report_html.h reads it.
  nlohmann::json to_json() const;
};

EvalResult evaluate_checkpoint(const EvalConfig& config);

// The baseline that predicts, for every image, the mean training 2.5D pose (mean u/S, v/S and Ẑ of
// the cropped training split), lifted to 3D the same way.
EvalResult evaluate_mean_pose(const EvalConfig& config, int64_t image_size);

// The mean reference-bone length ‖J5 − J0‖ (metres) over a split.
double mean_reference_bone(const std::string& data, const std::string& split);

}  // namespace hg::hand
