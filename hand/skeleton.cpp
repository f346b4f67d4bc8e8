#include "hand/skeleton.h"

#include <stdexcept>
#include <vector>

#include "autograd/index.h"
#include "tensor/factory.h"

namespace hg::hand {

const std::array<std::string_view, kNumKeypoints> kKeypointNames = {
    "wrist",
    "thumb_mcp",  "thumb_pip",  "thumb_dip",  "thumb_tip",
    "index_mcp",  "index_pip",  "index_dip",  "index_tip",
    "middle_mcp", "middle_pip", "middle_dip", "middle_tip",
    "ring_mcp",   "ring_pip",   "ring_dip",   "ring_tip",
    "little_mcp", "little_pip", "little_dip", "little_tip",
};

// Each finger's MCP hangs off the wrist; every other keypoint off the previous one.
const std::array<int64_t, kNumKeypoints> kKeypointParents = {
    -1, 0, 1, 2, 3, 0, 5, 6, 7, 0, 9, 10, 11, 0, 13, 14, 15, 0, 17, 18, 19,
};

const std::array<Bone, kNumKeypoints - 1> kBones = [] {
  std::array<Bone, kNumKeypoints - 1> b{};
  for (int64_t k = 1; k < kNumKeypoints; ++k) b[k - 1] = {kKeypointParents[k], k};
  return b;
}();

const std::array<std::string_view, kNumFingers> kFingerNames = {"thumb", "index", "middle", "ring", "little"};
const std::array<int64_t, kNumFingers> kFingertips = {4, 8, 12, 16, 20};

const std::array<std::string_view, kNumManoJoints> kManoJointNames = {
    "wrist",
    "index1", "index2", "index3",
    "middle1", "middle2", "middle3",
    "little1", "little2", "little3",
    "ring1", "ring2", "ring3",
    "thumb1", "thumb2", "thumb3",
};
const std::array<int64_t, kNumManoJoints> kManoParents = {-1, 0, 1, 2, 0, 4, 5, 0, 7, 8, 0, 10, 11, 0, 13, 14};

const std::array<int64_t, kNumKeypoints> kManoToFreihand = {
    0, 13, 14, 15, 16, 1, 2, 3, 17, 4, 5, 6, 18, 10, 11, 12, 19, 7, 8, 9, 20,
};

const std::array<int64_t, kNumKeypoints> kFreihandToMano = [] {
  std::array<int64_t, kNumKeypoints> inv{};
  for (int64_t k = 0; k < kNumKeypoints; ++k) inv[kManoToFreihand[k]] = k;
  return inv;
}();

const std::array<int64_t, kNumFingers> kFreihandTipVertices = {744, 320, 443, 555, 672};
const std::array<int64_t, kNumFingers> kManopthTipVertices = {745, 317, 444, 556, 673};

int64_t finger_of(int64_t keypoint) {
  if (keypoint < 0 || keypoint >= kNumKeypoints)
    throw std::out_of_range("finger_of: keypoint " + std::to_string(keypoint) + " is not in [0, 21)");
  return keypoint == 0 ? -1 : (keypoint - 1) / 4;
}

namespace {
Tensor reorder(const Tensor& x, const std::array<int64_t, kNumKeypoints>& order, const char* what) {
  if (x.dim() < 2 || x.size(-2) != kNumKeypoints)
    throw std::invalid_argument(std::string(what) + ": expected [..., 21, C], got " + x.shape_string());
  std::vector<int64_t> idx(order.begin(), order.end());
  Tensor index = from_vector(idx, {kNumKeypoints}, TensorOptions(DType::i64, x.device()));
  return index_select(x, x.dim() - 2, index);
}
}  // namespace

Tensor mano_to_freihand(const Tensor& x) { return reorder(x, kManoToFreihand, "mano_to_freihand"); }
Tensor freihand_to_mano(const Tensor& x) { return reorder(x, kFreihandToMano, "freihand_to_mano"); }

}  // namespace hg::hand
