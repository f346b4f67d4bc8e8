// Loading a trained pose network from a finetune run's checkpoint: the run's resolved options
// (stored in the checkpoint) say the encoder depth and the input size.
#pragma once
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "hand/pose_net.h"

namespace hg::hand {

struct LoadedPoseNet {
  std::shared_ptr<PoseNet25d> model;  // in eval mode
  int64_t image_size = 128;
  nlohmann::json config;              // the run's options
};

// Throws std::invalid_argument "checkpoint: <path> is not a pose (finetune) checkpoint" for other
// checkpoints, nn::CheckpointError for unreadable ones.
LoadedPoseNet load_pose_checkpoint(const std::string& path);

}  // namespace hg::hand
