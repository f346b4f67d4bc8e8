// SimCLR and PeCLR pre-training (REFERENCE.md §1) on a FreiHAND-layout data set.
//
// Per image two views are augmented independently with the "peclr" preset (rotation, translation,
// scale, HSV jitter; crop side `image_size`); both go through one ContrastiveNet forward (2N images),
// and the 2N projections into NT-Xent with temperature τ. PeCLR first maps each projection through
// peclr_equivariant_projection with its view's recorded rotation and translation (and scale when
// invert_scale), so that the loss compares the views in the un-transformed frame; SimCLR does not.
//
// Optimisation: LARS(Adam) in LARC clip mode (η = lars_eta), biases and BatchNorm parameters
// excluded from adaptation and weight decay; lr = base_lr · sqrt(batch · accumulate), linear warm-up
// over warmup_fraction of the steps then cosine to 0, stepped per optimiser step; bf16 or f16
// autocast (f16 with the GradScaler). Runs resume exactly from <run>/checkpoints/last.safetensors.
#pragma once
#include <string>
#include <vector>

#include "hand/train_config.h"

namespace hg::hand {

struct TrainResult {
  std::vector<double> losses;  // per optimiser step taken in this call
  std::string checkpoint;      // <run>/checkpoints/last.safetensors
  std::string report;          // <run>/report.html
};

// Validates the config, creates (or, with resume, reopens) the run folder, trains, writes the report.
TrainResult run_pretrain(const PretrainConfig& config, bool resume = false);

}  // namespace hg::hand
