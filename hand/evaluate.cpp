#include "hand/evaluate.h"

#include <functional>
#include <memory>
#include <numeric>
#include <stdexcept>

#include "autograd/node.h"
#include "autograd/pointwise.h"
#include "autograd/reduce.h"
#include "autograd/shape.h"
#include "tensor/view.h"
#include "hand/augment_pipeline.h"
#include "hand/finetune.h"
#include "hand/freihand.h"
#include "hand/hand_batch.h"
#include "hand/pose25d.h"
#include "hand/pose_checkpoint.h"
#include "hand/pose_net.h"
#include "tensor/factory.h"

namespace hg::hand {
namespace {

using Predictor = std::function<Tensor(const nn::Batch&)>;  // -> [B, 21, 3] (u/S, v/S, Ẑ)

std::unique_ptr<nn::DataLoader> cropped_loader(const std::string& data, const std::string& split, int64_t image_size,
                                               int64_t batch_size, int64_t workers, int64_t limit) {
  FreiHandOptions o;
  o.split = split;
  o.load_masks = false, o.load_depth = false;
  HandDatasetPtr dataset = std::make_shared<FreiHandDataset>(data, o);
  if (limit > 0 && limit < dataset->size()) {
    std::vector<int64_t> first(limit);
    std::iota(first.begin(), first.end(), 0);
    dataset = std::make_shared<SubsetDataset>(dataset, first);
  }
  AugmentConfig augment = augment_preset("none");
  augment.crop.size = image_size;
  HandBatchOptions b;
  b.views = 1, b.include_3d = true;
  nn::DataLoaderOptions lo;
  lo.batch_size = batch_size, lo.shuffle = false, lo.num_workers = workers;
  return std::make_unique<nn::DataLoader>(std::make_shared<HandExampleSource>(dataset, AugmentPipeline(augment), b), lo);
}

EvalResult run_evaluation(const EvalConfig& c, int64_t image_size, const Predictor& predict, const std::string& name) {
  NoGradGuard no_grad;
  auto loader = cropped_loader(c.data, c.split, image_size, c.batch_size, c.workers, c.limit);
  const double side = static_cast<double>(image_size);
  const double mean_bone = c.bone == "mean" ? mean_reference_bone(c.data, "training") : 0.0;
  std::vector<Tensor> uv_pred, uv_gt, xyz_pred, xyz_gt, valid;
  while (auto batch = loader->next()) {
    const Tensor pred = to_dtype(predict(*batch), DType::f64);
    const Pose25d p = decode_pose25d(pred, side);
    const Tensor xyz = to_dtype(batch->at("xyz"), DType::f64), K = to_dtype(batch->at("K"), DType::f64);
    const Tensor s = c.bone == "true" ? reference_bone_length(xyz) : full({batch->size()}, mean_bone, DType::f64);
    uv_pred.push_back(p.uv);
    uv_gt.push_back(to_dtype(batch->at("uv"), DType::f64));
    xyz_pred.push_back(from_pose25d(p.uv, p.z_rel_norm, K, s));
    xyz_gt.push_back(xyz);
    valid.push_back(to_dtype(batch->at("valid3d"), DType::f64));
  }
  if (uv_pred.empty()) throw std::invalid_argument(c.data + ": the " + c.split + " split has no images");
  EvalResult r;
  r.name = name;
  const Tensor v = cat(valid, 0);
  r.images = v.size(0);
  r.epe2d_px = summarize_errors(point_errors(cat(uv_pred, 0), cat(uv_gt, 0)), v);
  r.pose3d = evaluate_pose3d(cat(xyz_pred, 0), cat(xyz_gt, 0), v);
  return r;
}

}  // namespace

nlohmann::json EvalResult::to_json() const {
  nlohmann::json table = {{"images", images},
                          {"EPE 2D mean (px)", epe2d_px.mean},
                          {"EPE 2D median (px)", epe2d_px.median},
                          {"EPE 3D mean (mm)", pose3d.epe_mm.mean},
                          {"EPE 3D median (mm)", pose3d.epe_mm.median},
                          {"root-relative EPE 3D mean (mm)", pose3d.rr_epe_mm.mean},
                          {"PA-EPE 3D mean (mm)", pose3d.pa_epe_mm.mean},
                          {"PA-EPE 3D median (mm)", pose3d.pa_epe_mm.median},
                          {"AUC 0-50 mm", pose3d.pck.auc},
                          {"PA-AUC 0-50 mm", pose3d.pa_pck.auc}};
  return {{"name", name},
          {"table", table},
          {"pck", {{"thresholds_mm", pose3d.pck.thresholds},
                   {"curves", {{"unaligned", pose3d.pck.pck}, {"aligned", pose3d.pa_pck.pck}}}}}};
}

double mean_reference_bone(const std::string& data, const std::string& split) {
  FreiHandOptions o;
  o.split = split;
  o.load_masks = false, o.load_depth = false;
  const FreiHandDataset d(data, o);
  NoGradGuard no_grad;
  return mean(reference_bone_length(to_dtype(d.xyz(), DType::f64))).item<double>();
}

EvalResult evaluate_checkpoint(const EvalConfig& config) {
  validate(config);
  const LoadedPoseNet net = load_pose_checkpoint(config.checkpoint);
  const Device device = Device::parse(config.device);
  net.model->to(device);
  return run_evaluation(
      config, net.image_size,
      [&](const nn::Batch& b) { return ops::to_device(net.model->forward(ops::to_device(b.at("image"), device)), Device::cpu()); },
      config.checkpoint);
}

EvalResult evaluate_mean_pose(const EvalConfig& config, int64_t image_size) {
  EvalConfig train = config;
  train.split = "training";
  train.limit = -1;
  Tensor sum_pose;
  int64_t count = 0;
  {
    NoGradGuard no_grad;
    auto loader = cropped_loader(config.data, "training", image_size, config.batch_size, config.workers, -1);
    while (auto b = loader->next()) {
      const Tensor xyz = to_dtype(b->at("xyz"), DType::f64);
      const Pose25d p = to_pose25d(xyz, to_dtype(b->at("K"), DType::f64));
      const Tensor target = cat({mul(p.uv, 1.0 / image_size), unsqueeze(p.z_rel_norm, 2)}, 2);  // [B, 21, 3]
      const Tensor s = sum(target, {0});
      sum_pose = sum_pose.defined() ? add(sum_pose, s) : s;
      count += b->size();
    }
  }
  if (count == 0) throw std::invalid_argument(config.data + ": the training split has no images");
  const Tensor mean_pose = mul(sum_pose, 1.0 / count);  // [21, 3]
  return run_evaluation(config, image_size,
                        [&](const nn::Batch& b) { return expand(unsqueeze(mean_pose, 0), {b.size(), 21, 3}); },
                        "mean pose");
}

}  // namespace hg::hand
