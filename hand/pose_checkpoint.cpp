#include "hand/pose_checkpoint.h"

#include <stdexcept>

#include "nn/checkpoint.h"

namespace hg::hand {

LoadedPoseNet load_pose_checkpoint(const std::string& path) {
  const nlohmann::json user = nn::read_checkpoint_info(path).user;
  const nlohmann::json cfg = user.is_object() && user.contains("user") ? user["user"] : nlohmann::json();
  if (!cfg.is_object() || cfg.value("job", std::string()) != "finetune")
    throw std::invalid_argument("checkpoint: " + path + " is not a pose (finetune) checkpoint");
  LoadedPoseNet loaded;
  Generator unused(0);  // the weights come from the checkpoint
  loaded.model = std::make_shared<PoseNet25d>(cfg.value("resnet", 18), &unused);
  loaded.image_size = cfg.value("image_size", int64_t{128});
  loaded.config = cfg;
  nn::CheckpointParts parts;
  parts.model = loaded.model.get();
  nn::load_checkpoint(path, parts);
  loaded.model->eval();
  return loaded;
}

}  // namespace hg::hand
