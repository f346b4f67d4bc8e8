#include "hand/pose_net.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "autograd/pointwise.h"
#include "autograd/reduce.h"
#include "autograd/shape.h"
#include "nn/mlp.h"
#include "tensor/factory.h"
#include "tensor/view.h"

namespace hg::hand {

Tensor normalize_imagenet(const Tensor& images) {
  if (images.dim() != 4 || images.size(1) != 3)
    throw std::invalid_argument("normalize_imagenet: images must be [B, 3, H, W], got " + images.shape_string());
  const Tensor mean = ops::reshape(tensor({0.485, 0.456, 0.406}, images.dtype()), {1, 3, 1, 1});
  const Tensor inv_std = ops::reshape(tensor({1 / 0.229, 1 / 0.224, 1 / 0.225}, images.dtype()), {1, 3, 1, 1});
  return mul(sub(images, mean), inv_std);
}

ContrastiveNet::ContrastiveNet(int resnet_depth, int64_t projection_dim, int64_t hidden_dim, Generator* gen)
    : Module("ContrastiveNet") {
  encoder = register_module("encoder", nn::resnet(resnet_depth, {.num_classes = 0, .generator = gen}));
  projection = register_module("projection", nn::mlp(encoder->feature_dim(), hidden_dim, projection_dim, false, gen));
}

Tensor ContrastiveNet::features(const Tensor& images) { return encoder->forward(normalize_imagenet(images)); }
Tensor ContrastiveNet::forward(const Tensor& images) { return projection->forward(features(images)); }

PoseNet25d::PoseNet25d(int resnet_depth, Generator* gen) : Module("PoseNet25d") {
  encoder = register_module("encoder", nn::resnet(resnet_depth, {.num_classes = 0, .generator = gen}));
  head = register_module("head", std::make_shared<nn::Linear>(encoder->feature_dim(), 63, true, gen));
}

Tensor PoseNet25d::forward(const Tensor& images) {
  const Tensor out = head->forward(encoder->forward(normalize_imagenet(images)));
  return reshape(out, {out.size(0), 21, 3});
}

void PoseNet25d::load_encoder_from(nn::Module& source) {
  nn::NamedTensors weights;
  for (const auto& [name, t] : source.state_dict())
    if (name.rfind("encoder.", 0) == 0) weights.emplace_back(name.substr(8), t);
  if (weights.empty()) throw std::invalid_argument("load_encoder_from: the source has no 'encoder.*' tensors");
  encoder->load_state_dict(weights, /*strict=*/true);
}

Tensor pose25d_loss(const Tensor& pred, const Tensor& uv, const Tensor& z_rel_norm, const Tensor& valid, double image_size) {
  const int64_t b = pred.dim() == 3 ? pred.size(0) : -1;
  if (b < 0 || pred.size(1) != 21 || pred.size(2) != 3 || uv.sizes() != Shape{b, 21, 2} ||
      z_rel_norm.sizes() != Shape{b, 21} || valid.sizes() != Shape{b, 21})
    throw std::invalid_argument("pose25d_loss: expected pred [B, 21, 3], uv [B, 21, 2], z [B, 21], valid [B, 21]; got " +
                                pred.shape_string() + ", " + uv.shape_string() + ", " + z_rel_norm.shape_string() +
                                ", " + valid.shape_string());
  const Tensor w = to_dtype(valid, pred.dtype());
  const Tensor uv_error = sum(abs(sub(narrow(pred, 2, 0, 2), mul(to_dtype(uv, pred.dtype()), 1.0 / image_size))), {2});
  const Tensor z_error = abs(sub(select(pred, 2, 2), to_dtype(z_rel_norm, pred.dtype())));
  const Tensor per_keypoint = add(mul(uv_error, 0.5), mul(z_error, 5.0));
  const double count = std::max(1.0, sum(w).item<double>());
  return mul(sum(mul(per_keypoint, w)), 1.0 / count);
}

Pose25d decode_pose25d(const Tensor& pred, double image_size) {
  return {mul(narrow(pred, 2, 0, 2), image_size), select(pred, 2, 2)};
}

}  // namespace hg::hand
