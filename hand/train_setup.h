// Small pieces every training job assembles the same way (pretrain, finetune): loader and loop
// options from the common config, the run folder (new or resumed), and PeCLR's latent transform
// from a batch's recorded augmentation targets.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "hand/augment.h"
#include "hand/hand_batch.h"
#include "hand/peclr_latent.h"
#include "hand/train_config.h"
#include "nn/data_loader.h"
#include "nn/grad_scaler.h"
#include "nn/run_log.h"
#include "nn/train_loop.h"

namespace hg::hand {

// The training split of c.data (images and annotations; no masks or depth), restricted to the seeded
// labelled fraction `labels` (hand/finetune.h labelled_subset; 1 = all), augmented with `preset` at
// c.image_size, as a loader source of `views` views.
struct TrainingSource {
  HandDatasetPtr dataset;  // the (sub)set, un-augmented
  std::shared_ptr<HandExampleSource> source;
  AugmentConfig augment;  // as applied (for config.json)
  int64_t images = 0;     // samples in the (sub)set
};
TrainingSource training_source(const TrainCommon& c, const std::string& preset, int64_t views, bool include_3d,
                               double labels = 1.0);

nn::DataLoaderOptions loader_options(const TrainCommon& c, bool shuffle, bool drop_last);
nn::TrainLoopOptions train_loop_options(const TrainCommon& c);
// Enabled only for f16 autocast (bf16 has f32's exponent range).
nn::GradScalerOptions scaler_options(const TrainCommon& c);
// epochs · batches_per_epoch / accumulate (at least 1): the length of the schedule. max_steps does
// not shorten it — it only stops a run early, like an interruption that --resume continues.
int64_t total_optimizer_steps(const TrainCommon& c, int64_t batches_per_epoch);

// A new run folder with config.json = `resolved`, or — resume — the existing one, whose
// metrics.jsonl is cut back to the step of checkpoints/last.safetensors.
nn::RunLog open_run_log(const std::string& run_dir, bool resume, const nlohmann::json& resolved);

struct TrainResult;  // hand/pretrain.h
// The end of a training call: the checkpoint paths and the best step/value into `result`, then the
// run's report.html (nn/report_html.h).
void finish_result(TrainResult& result, const nn::TrainLoop& loop, const nn::RunLog& log);

// targets [B, 9] (hand/augment.h transform_targets: rotation, translation u, v, scale, ...) →
// the transform PeCLR undoes in latent space (scale only when invert_scale).
LatentTransform latent_transform(const Tensor& targets, double image_size, bool invert_scale);

}  // namespace hg::hand
