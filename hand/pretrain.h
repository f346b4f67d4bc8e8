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
//
// Checkpoints: `last`, and `best` chosen by the mean training loss (NT-Xent) since the previous
// checkpoint decision (each epoch end and every checkpoint_every steps; nn/train_loop.h) — there is
// no labelled validation signal in self-supervised pre-training. Either file serves `finetune --init`.
//
// Samples: samples/views_step<N>.png after the first optimiser step (N = 1) and at the end of the
// call (N = the last step): the first ≤ 8 augmented view pairs of that step's (last) micro-batch,
// view 0 above view 1, as the network sees them before its ImageNet normalisation
// (hand/sample_grid.h view_pair_grid).
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "hand/train_config.h"
#include "nn/train_loop.h"

namespace hg::hand {

struct TrainResult {
  std::vector<double> losses;           // per optimiser step taken in this call
  std::string checkpoint;               // <run>/checkpoints/last.safetensors
  std::string best_checkpoint;          // <run>/checkpoints/best.safetensors ("" when none was written)
  std::optional<nn::BestCheckpoint> best;  // its step and monitored value
  std::vector<std::string> samples;     // sample images written by this call (<run>/samples/*.png)
  std::string report;                   // <run>/report.html
};

// Validates the config, creates (or, with resume, reopens) the run folder, trains, writes the report.
TrainResult run_pretrain(const PretrainConfig& config, bool resume = false);

}  // namespace hg::hand
