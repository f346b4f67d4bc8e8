// The networks of the PeCLR / relative pipelines (REFERENCE.md §1–§3):
//
//   ContrastiveNet = ResNet encoder (no classifier) + projection head
//                    mlp(feature → 512 → 128, no bias last)   — SimCLR / PeCLR pre-training
//   PoseNet25d     = ResNet encoder + Linear(feature → 63)    — 21 × (u/S, v/S, Ẑ) regression
//
// Both take ImageNet-normalised images (normalize_imagenet) [B, 3, S, S] in [0, 1] before
// normalisation. The encoder is a child named "encoder", so a pre-trained ContrastiveNet's encoder
// weights load into a PoseNet25d by name (load_encoder_from).
//
// PoseNet25d's output per keypoint: (u/S, v/S) — the 2D position as a fraction of the crop side S,
// so both targets are O(1) — and Ẑ = (Z − Z_root)/s, the root-relative depth in units of the
// reference bone (REFERENCE.md §3). pose25d_loss is the relative objective's public downstream loss
// L1_2D/2 + 5·L1_zrel on those quantities, averaged over valid keypoints.
#pragma once
#include <memory>

#include "hand/pose25d.h"
#include "nn/linear.h"
#include "nn/module.h"
#include "nn/resnet.h"
#include "nn/sequential.h"

namespace hg::hand {

// (x − mean) / std per channel with ImageNet's statistics; x [B, 3, H, W].
Tensor normalize_imagenet(const Tensor& images);

class ContrastiveNet : public nn::Module {
 public:
  ContrastiveNet(int resnet_depth, int64_t projection_dim = 128, int64_t hidden_dim = 512, Generator* gen = nullptr);
  Tensor forward(const Tensor& images) override;  // [B, projection_dim]
  Tensor features(const Tensor& images);          // [B, feature_dim]
  std::shared_ptr<nn::ResNet> encoder;
  std::shared_ptr<nn::Sequential> projection;
};

class PoseNet25d : public nn::Module {
 public:
  PoseNet25d(int resnet_depth, Generator* gen = nullptr);
  Tensor forward(const Tensor& images) override;  // [B, 21, 3] = (u/S, v/S, Ẑ)
  std::shared_ptr<nn::ResNet> encoder;
  std::shared_ptr<nn::Linear> head;
  // Copies the "encoder.*" tensors of `source` (e.g. a ContrastiveNet) into this encoder (strict:
  // nn::StateDictError lists missing or mis-shaped names; std::invalid_argument if there are none).
  void load_encoder_from(nn::Module& source);
};

// pred [B, 21, 3] against uv [B, 21, 2] (pixels of the crop of side S), Ẑ [B, 21] and valid [B, 21]:
//   Σ_valid [ ½ (|Δ(u/S)| + |Δ(v/S)|) + 5 |ΔẐ| ] / max(1, #valid)
// i.e. L1 on (u/S, v/S) halved plus 5 × L1 on Ẑ (throws naming the shapes). Differentiable w.r.t. pred.
Tensor pose25d_loss(const Tensor& pred, const Tensor& uv, const Tensor& z_rel_norm, const Tensor& valid, double image_size);

// Decodes predictions to the 2.5D pose in pixels: {uv = pred.uv · S, Ẑ = pred.z}.
Pose25d decode_pose25d(const Tensor& pred, double image_size);

}  // namespace hg::hand
