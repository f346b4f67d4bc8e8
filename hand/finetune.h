// Supervised 2.5D pose training (REFERENCE.md §1–§3): a PoseNet25d trained from scratch, fine-tuned
// from a pre-trained encoder (mode "full"), or as a linear probe on a frozen encoder (mode "linear"),
// on a fraction `labels` of the labelled training images.
//
// Targets per keypoint: (u, v) in crop pixels and Ẑ = (Z − Z_root)/‖J5 − J0‖ from the augmented
// sample's xyz; loss pose25d_loss (½ L1 on (u/S, v/S) + 5 L1 on Ẑ). Adam with a cosine schedule
// (no warm-up), "finetune" augmentation preset by default (rotation ±90°, translation ±20 px,
// scale 0.7–1.3).
//
// The labelled subset is the first ceil(labels · N) images of a permutation drawn from the seed, so
// runs with the same seed and fraction see the same images.
//
// Checkpoints: `last`, and `best` chosen by the mean training loss since the previous checkpoint
// decision (nn/train_loop.h). The labelled subset is all the labels a semi-supervised run may use,
// and the evaluation split is the test set, so there is no held-out set to select on.
//
// Samples: at the end of each call that took steps, samples/pred_step<N>.png (N = the last step):
// the first ≤ 8 labelled images in the evaluation crop (no augmentation) with the ground truth as a
// thin white skeleton and the prediction on top in per-finger colours (hand/sample_grid.h).
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "hand/dataset.h"
#include "hand/pretrain.h"
#include "hand/train_config.h"

namespace hg::hand {

TrainResult run_finetune(const FinetuneConfig& config, bool resume = false);

// The data-set indices of the labelled subset (sorted): ceil(fraction · n) of them.
std::vector<int64_t> labelled_subset(int64_t n, double fraction, uint64_t seed);

// A view of some samples of another data set.
class SubsetDataset final : public HandDataset {
 public:
  SubsetDataset(HandDatasetPtr base, std::vector<int64_t> indices);
  int64_t size() const override { return static_cast<int64_t>(indices_.size()); }
  HandSample get(int64_t index) const override;
  std::string name() const override;

 private:
  HandDatasetPtr base_;
  std::vector<int64_t> indices_;
};

}  // namespace hg::hand
