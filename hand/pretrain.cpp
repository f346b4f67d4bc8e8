#include "hand/pretrain.h"

#include <cmath>
#include <filesystem>
#include <memory>

#include "autograd/shape.h"
#include "tensor/view.h"
#include "hand/augment_pipeline.h"
#include "hand/freihand.h"
#include "hand/hand_batch.h"
#include "hand/peclr_latent.h"
#include "hand/pose_net.h"
#include "hand/sample_grid.h"
#include "hand/train_setup.h"
#include "nn/checkpoint.h"
#include "nn/contrastive.h"
#include "nn/lars.h"
#include "nn/optim_adam.h"
#include "nn/train_loop.h"

namespace hg::hand {

TrainResult run_pretrain(const PretrainConfig& config, bool resume) {
  validate(config);
  const TrainCommon& c = config.common;
  const TrainingSource data = training_source(c, "peclr", /*views=*/2, /*include_3d=*/false);
  nn::DataLoader loader(data.source, loader_options(c, /*shuffle=*/true, /*drop_last=*/true));
  if (loader.batches_per_epoch() < c.accumulate)
    throw std::invalid_argument("batch_size: " + std::to_string(c.batch_size) + " × accumulate " +
                                std::to_string(c.accumulate) + " needs more than the " + std::to_string(data.images) +
                                " training images of " + c.data);

  Generator init(c.seed);
  ContrastiveNet model(c.resnet, config.projection_dim, config.hidden_dim, &init);
  const Device device = Device::parse(c.device);
  model.to(device);  // before the optimiser: its moments are made beside the parameters
  const int64_t effective_batch = c.batch_size * c.accumulate;
  nn::AdamOptions adam;
  adam.lr = nn::sqrt_scaled_lr(config.base_lr, effective_batch);
  adam.weight_decay = config.weight_decay;
  nn::LarsOptions lars;
  lars.trust_coefficient = config.lars_eta, lars.mode = nn::LarsMode::clip, lars.exclude = nn::exclude_1d();
  nn::LARS optim(std::make_unique<nn::Adam>(model.named_parameters(), adam), lars);
  const int64_t total_steps = total_optimizer_steps(c, loader.batches_per_epoch());
  nn::Scheduler sched(optim, nn::warmup_cosine_schedule(std::llround(config.warmup_fraction * total_steps), total_steps));
  nn::GradScaler scaler(scaler_options(c));

  nlohmann::json resolved = config;
  resolved["job"] = "pretrain";
  resolved["derived"] = {{"lr", adam.lr}, {"total_steps", total_steps}, {"augment", augment_config_to_json(data.augment)}};
  nn::RunLog log = open_run_log(c.run_dir, resume, resolved);
  nn::TrainLoop loop(model, optim, sched, scaler, loader, log, train_loop_options(c));
  loop.set_user_json(resolved);
  if (resume) loop.resume(log.checkpoint_path("last"));

  const bool peclr = config.method == "peclr";
  const double side = static_cast<double>(c.image_size);
  TrainResult result;
  // The views of the latest micro-batch, drawn after step 1 and at the end (pure pixel work).
  Tensor latest_view0, latest_view1;
  auto write_views = [&](int64_t step) {
    const std::string path = log.path("samples/views_step" + std::to_string(step) + ".png");
    write_sample_png(path, view_pair_grid(latest_view0, latest_view1, 8));
    result.samples.push_back(path);
  };
  loop.set_step_callback([&](int64_t step) {
    if (step == 1) write_views(step);
  });
  result.losses = loop.run([&](const nn::Batch& b) {
    const int64_t n = b.size();
    latest_view0 = b.at("view0/image"), latest_view1 = b.at("view1/image");
    const Tensor views = ops::to_device(cat({b.at("view0/image"), b.at("view1/image")}, 0), device);
    const Tensor z = to_dtype(model.forward(views), DType::f32);
    Tensor p0 = narrow(z, 0, 0, n), p1 = narrow(z, 0, n, n);
    if (peclr) {
      p0 = peclr_equivariant_projection(p0, latent_transform(ops::to_device(b.at("view0/targets"), device), side, config.invert_scale));
      p1 = peclr_equivariant_projection(p1, latent_transform(ops::to_device(b.at("view1/targets"), device), side, config.invert_scale));
    }
    nn::StepLoss out;
    out.loss = nn::nt_xent(cat({p0, p1}, 0), config.temperature);
    return out;
  });
  if (!result.losses.empty() && loop.step() != 1) write_views(loop.step());
  finish_result(result, loop, log);
  return result;
}

}  // namespace hg::hand
