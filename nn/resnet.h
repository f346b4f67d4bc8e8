// The ResNet family (He et al. 2016) as torchvision builds it ("v1.5": Bottleneck strides in its
// 3×3 conv), with torchvision's exact parameter and buffer names, so weights move both ways.
//
//   stem:   conv1 7×7/2 pad 3 (3 → 64, no bias), bn1, relu, maxpool 3×3/2 pad 1
//   layer1..layer4: blocks with planes 64, 128, 256, 512; the first block of layer2..4 strides 2
//   avgpool (global), flatten, fc (feature_dim → num_classes) — or no fc when num_classes == 0
//
//   depth  block       blocks per layer   feature_dim   params with fc(1000)
//   18     BasicBlock  2 2 2 2             512           11,689,512
//   34     BasicBlock  3 4 6 3             512           21,797,672
//   50     Bottleneck  3 4 6 3             2048          25,557,032
//   101    Bottleneck  3 4 23 3            2048          44,549,160
//   152    Bottleneck  3 8 36 3            2048          60,192,808
//
// Init (torchvision): every conv kaiming_normal_(fan_out, relu), i.e. N(0, 2 / (out · k²)); every
// BatchNorm weight 1, bias 0; fc keeps the Linear default; zero_init_residual sets the weight of
// the last BatchNorm of every block to 0 (each block then starts as the identity).
#pragma once
#include <array>
#include <memory>

#include "nn/activation.h"
#include "nn/batchnorm.h"
#include "nn/conv2d.h"
#include "nn/linear.h"
#include "nn/pooling.h"
#include "nn/sequential.h"
#include "tensor/philox.h"

namespace hg::nn {

struct ResNetOptions {
  int64_t num_classes = 1000;  // 0: no classifier; forward returns the pooled [N, feature_dim()] feature
  bool zero_init_residual = false;
  Generator* generator = nullptr;  // init draws from it (the default generator when null)
};

enum class ResidualBlock { basic, bottleneck };

class ResNet : public Module {
 public:
  ResNet(ResidualBlock block, std::array<int64_t, 4> blocks_per_layer, ResNetOptions options = {});

  // x [N, 3, H, W] -> logits [N, num_classes], or the pooled feature [N, feature_dim()] without fc.
  Tensor forward(const Tensor& x) override;
  // The outputs of layer1..layer4 ([N, 64·e, H/4, W/4] ... [N, 512·e, H/32, W/32], e = expansion).
  std::array<Tensor, 4> forward_stages(const Tensor& x);
  // layer4's output before pooling.
  Tensor forward_feature_map(const Tensor& x) { return forward_stages(x)[3]; }

  int64_t feature_dim() const { return feature_dim_; }
  int64_t num_classes() const { return num_classes_; }
  ResidualBlock block() const { return block_; }

  std::shared_ptr<Conv2d> conv1;
  std::shared_ptr<BatchNorm2d> bn1;
  std::shared_ptr<ReLU> relu;
  std::shared_ptr<MaxPool2d> maxpool;
  std::array<std::shared_ptr<Sequential>, 4> layers;  // "layer1" .. "layer4"
  std::shared_ptr<AdaptiveAvgPool2d> avgpool;
  std::shared_ptr<Linear> fc;  // null without a classifier

 private:
  void init_weights(const ResNetOptions& options);
  ResidualBlock block_;
  int64_t feature_dim_ = 0, num_classes_ = 0;
};

// ResNet-`depth` for depth in {18, 34, 50, 101, 152}; anything else throws std::invalid_argument.
std::shared_ptr<ResNet> resnet(int depth, ResNetOptions options = {});

}  // namespace hg::nn
