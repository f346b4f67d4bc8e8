#include "hand/finetune.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <stdexcept>

#include "autograd/node.h"
#include "autograd/pointwise.h"
#include "autograd/shape.h"
#include "tensor/view.h"
#include "hand/augment_pipeline.h"
#include "hand/freihand.h"
#include "hand/hand_batch.h"
#include "hand/pose25d.h"
#include "hand/pose_net.h"
#include "hand/sample_grid.h"
#include "hand/train_setup.h"
#include "nn/checkpoint.h"
#include "nn/optim_adam.h"
#include "tensor/factory.h"

namespace hg::hand {

std::vector<int64_t> labelled_subset(int64_t n, double fraction, uint64_t seed) {
  if (n <= 0 || !(fraction > 0 && fraction <= 1))
    throw std::invalid_argument("labelled_subset: need n > 0 and a fraction in (0, 1], got n " + std::to_string(n) +
                                ", fraction " + std::to_string(fraction));
  Generator g(seed, /*stream=*/0x1abe1);
  const std::vector<int64_t> order = randperm(n, &g).to_vector<int64_t>();
  const int64_t keep = std::max<int64_t>(1, static_cast<int64_t>(std::ceil(fraction * n - 1e-9)));
  std::vector<int64_t> subset(order.begin(), order.begin() + keep);
  std::sort(subset.begin(), subset.end());
  return subset;
}

SubsetDataset::SubsetDataset(HandDatasetPtr base, std::vector<int64_t> indices)
    : base_(std::move(base)), indices_(std::move(indices)) {
  for (int64_t i : indices_)
    if (i < 0 || i >= base_->size())
      throw std::out_of_range("SubsetDataset: index " + std::to_string(i) + " outside " + base_->name() + " (size " +
                              std::to_string(base_->size()) + ")");
}

HandSample SubsetDataset::get(int64_t index) const {
  if (index < 0 || index >= size()) throw std::out_of_range("SubsetDataset: index " + std::to_string(index));
  return base_->get(indices_[index]);
}

std::string SubsetDataset::name() const { return base_->name() + "[" + std::to_string(size()) + "]"; }

namespace {

// The encoder of a pre-training checkpoint (its resolved config tells the network's shape).
void load_pretrained_encoder(PoseNet25d& model, const std::string& path, int resnet) {
  const nlohmann::json user = nn::read_checkpoint_info(path).user;
  const nlohmann::json cfg = user.is_object() && user.contains("user") ? user["user"] : nlohmann::json();
  if (!cfg.is_object() || cfg.value("job", std::string()) != "pretrain")
    throw std::invalid_argument("init: " + path + " is not a pre-training checkpoint (run `handgrad pretrain` first)");
  if (cfg.value("resnet", 0) != resnet)
    throw std::invalid_argument("resnet: " + std::to_string(resnet) + " differs from the pre-trained encoder's " +
                                std::to_string(cfg.value("resnet", 0)) + " in " + path);
  Generator unused(0);  // the weights are overwritten by the checkpoint
  ContrastiveNet pre(resnet, cfg.value("projection_dim", int64_t{128}), cfg.value("hidden_dim", int64_t{512}), &unused);
  nn::CheckpointParts parts;
  parts.model = &pre;
  nn::load_checkpoint(path, parts);
  model.load_encoder_from(pre);
}

// samples/pred_step<step>.png: the first ≤ 8 images of the labelled (sub)set, cropped around their
// true keypoints without augmentation (the evaluation crop), with the prediction of the model as it
// is now (eval mode, no graph) over the ground truth (hand/sample_grid.h keypoint_grid). Leaves the
// model in training mode.
std::string write_prediction_samples(PoseNet25d& model, const TrainingSource& data, int64_t image_size,
                                     const nn::RunLog& log, int64_t step) {
  AugmentConfig crop = augment_preset("none");
  crop.crop.size = image_size;
  HandBatchOptions options;
  options.views = 1, options.include_3d = false;
  nn::DataLoaderOptions lo;
  lo.batch_size = std::min<int64_t>(8, data.images), lo.shuffle = false, lo.num_workers = 0;
  nn::DataLoader loader(std::make_shared<HandExampleSource>(data.dataset, AugmentPipeline(crop), options), lo);
  const std::optional<nn::Batch> batch = loader.next();
  if (!batch) throw std::logic_error("finetune: no labelled image to draw");
  Tensor uv_pred;
  {
    NoGradGuard no_grad;
    model.eval();
    const Tensor images = ops::to_device(batch->at("image"), model.parameters().front().device());
    uv_pred = ops::to_device(decode_pose25d(to_dtype(model.forward(images), DType::f32), static_cast<double>(image_size)).uv,
                        Device::cpu());
    model.train();
  }
  const std::string path = log.path("samples/pred_step" + std::to_string(step) + ".png");
  write_sample_png(path, keypoint_grid(batch->at("image"), uv_pred, batch->at("uv"), batch->at("valid"), 8, 4));
  return path;
}

}  // namespace

TrainResult run_finetune(const FinetuneConfig& config, bool resume) {
  validate(config);
  const TrainCommon& c = config.common;
  const TrainingSource data = training_source(c, config.augment, /*views=*/1, /*include_3d=*/true, config.labels);
  nn::DataLoader loader(data.source, loader_options(c, /*shuffle=*/true, /*drop_last=*/data.images > c.batch_size));

  Generator init(c.seed);
  PoseNet25d model(c.resnet, &init);
  if (!config.init.empty()) load_pretrained_encoder(model, config.init, c.resnet);
  const Device device = Device::parse(c.device);
  model.to(device);  // before the optimiser: its moments are made beside the parameters
  const bool linear = config.mode == "linear";
  nn::NamedTensors trainable;
  for (auto& [name, p] : model.named_parameters()) {
    if (linear && name.rfind("encoder.", 0) == 0) p.set_requires_grad(false);
    else trainable.emplace_back(name, p);
  }
  nn::AdamOptions adam;
  adam.lr = config.lr, adam.weight_decay = config.weight_decay;
  nn::Adam optim(trainable, adam);
  const int64_t total_steps = total_optimizer_steps(c, loader.batches_per_epoch());
  nn::Scheduler sched(optim, nn::warmup_cosine_schedule(0, total_steps));
  nn::GradScaler scaler(scaler_options(c));

  nlohmann::json resolved = config;
  resolved["job"] = "finetune";
  resolved["derived"] = {{"labelled_images", data.images}, {"total_steps", total_steps},
                         {"augment", augment_config_to_json(data.augment)}};
  nn::RunLog log = open_run_log(c.run_dir, resume, resolved);
  nn::TrainLoop loop(model, optim, sched, scaler, loader, log, train_loop_options(c));
  loop.set_user_json(resolved);
  if (resume) loop.resume(log.checkpoint_path("last"));

  const double side = static_cast<double>(c.image_size);
  TrainResult result;
  result.losses = loop.run([&](const nn::Batch& b) {
    Tensor z_rel;
    {
      NoGradGuard no_grad;
      z_rel = ops::to_device(to_pose25d(b.at("xyz"), b.at("K")).z_rel_norm, device);
    }
    if (linear) model.encoder->eval();  // a frozen encoder keeps its BatchNorm statistics
    const Tensor pred = to_dtype(model.forward(ops::to_device(b.at("image"), device)), DType::f32);
    nn::StepLoss out;
    out.loss = pose25d_loss(pred, ops::to_device(b.at("uv"), device), z_rel, ops::to_device(b.at("valid3d"), device), side);
    return out;
  });
  if (!result.losses.empty()) result.samples.push_back(write_prediction_samples(model, data, c.image_size, log, loop.step()));
  finish_result(result, loop, log);
  return result;
}

}  // namespace hg::hand
