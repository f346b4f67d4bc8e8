#include "hand/train_setup.h"

#include <algorithm>
#include <stdexcept>

#include "autograd/shape.h"
#include "hand/augment_pipeline.h"
#include "hand/finetune.h"
#include "hand/freihand.h"
#include "hand/pretrain.h"
#include "nn/checkpoint.h"
#include "nn/report_html.h"

namespace hg::hand {

TrainingSource training_source(const TrainCommon& c, const std::string& preset, int64_t views, bool include_3d,
                               double labels) {
  FreiHandOptions data_options;
  data_options.split = "training";
  data_options.load_masks = false, data_options.load_depth = false, data_options.skip_bad = c.skip_bad;
  HandDatasetPtr dataset = std::make_shared<FreiHandDataset>(c.data, data_options);
  if (labels < 1) dataset = std::make_shared<SubsetDataset>(dataset, labelled_subset(dataset->size(), labels, c.seed));
  TrainingSource t;
  t.augment = augment_preset(preset);
  t.augment.crop.size = c.image_size;
  HandBatchOptions batch_options;
  batch_options.views = views, batch_options.include_3d = include_3d;
  t.dataset = dataset;
  t.images = dataset->size();
  t.source = std::make_shared<HandExampleSource>(dataset, AugmentPipeline(t.augment), batch_options);
  return t;
}

nn::DataLoaderOptions loader_options(const TrainCommon& c, bool shuffle, bool drop_last) {
  nn::DataLoaderOptions o;
  o.batch_size = c.batch_size;
  o.shuffle = shuffle;
  o.drop_last = drop_last;
  o.num_workers = c.workers;
  o.seed = c.seed;
  o.skip_bad = c.skip_bad;
  return o;
}

nn::TrainLoopOptions train_loop_options(const TrainCommon& c) {
  nn::TrainLoopOptions o;
  o.epochs = c.epochs;
  o.accumulate = c.accumulate;
  if (c.amp == "bf16") o.amp = DType::bf16;
  if (c.amp == "f16") o.amp = DType::f16;
  o.checkpoint_every_steps = c.checkpoint_every;
  o.max_steps = c.max_steps;
  o.progress = c.progress;
  return o;
}

nn::GradScalerOptions scaler_options(const TrainCommon& c) {
  nn::GradScalerOptions o;
  o.enabled = c.amp == "f16";
  return o;
}

int64_t total_optimizer_steps(const TrainCommon& c, int64_t batches_per_epoch) {
  return std::max<int64_t>(1, c.epochs * batches_per_epoch / c.accumulate);
}

nn::RunLog open_run_log(const std::string& run_dir, bool resume, const nlohmann::json& resolved) {
  nn::RunLogOptions o;
  o.resume = resume;
  if (resume) {
    const std::string last = run_dir + "/checkpoints/last.safetensors";
    o.resume_step = nn::read_checkpoint_info(last).step;
  }
  nn::RunLog log(run_dir, o);
  if (!resume) log.write_config(resolved);
  return log;
}

void finish_result(TrainResult& result, const nn::TrainLoop& loop, const nn::RunLog& log) {
  result.checkpoint = log.checkpoint_path("last");
  result.best = loop.best();
  if (result.best) result.best_checkpoint = log.checkpoint_path("best");
  result.report = nn::write_report(log.dir());
}

LatentTransform latent_transform(const Tensor& targets, double image_size, bool invert_scale) {
  if (targets.dim() != 2 || targets.size(1) < 4)
    throw std::invalid_argument("latent_transform: targets must be [B, 9], got " + targets.shape_string());
  LatentTransform t;
  t.angle = select(targets, 1, 0);
  t.translation = narrow(targets, 1, 1, 2);
  if (invert_scale) t.scale = select(targets, 1, 3);
  t.image_size = image_size;
  return t;
}

}  // namespace hg::hand
