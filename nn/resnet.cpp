#include "nn/resnet.h"

#include "autograd/shape.h"
#include "nn/init.h"
#include "nn/resnet_blocks.h"

namespace hg::nn {

ResNet::ResNet(ResidualBlock block, std::array<int64_t, 4> blocks_per_layer, ResNetOptions options)
    : Module("ResNet"), block_(block) {
  Generator* gen = options.generator;
  if (options.num_classes < 0)
    throw std::invalid_argument("ResNet: num_classes must be >= 0 (0 = no classifier), got " +
                                std::to_string(options.num_classes));
  for (int64_t n : blocks_per_layer)
    if (n <= 0) throw std::invalid_argument("ResNet: every layer needs at least one block, got " + std::to_string(n));
  const int64_t expansion = block == ResidualBlock::basic ? BasicBlock::expansion : Bottleneck::expansion;

  conv1 = register_module("conv1", std::make_shared<Conv2d>(3, 64, 7, Conv2dOptions{2, 3, 1, 1, false}, gen));
  bn1 = register_module("bn1", std::make_shared<BatchNorm2d>(64));
  relu = register_module("relu", std::make_shared<ReLU>());
  maxpool = register_module("maxpool", std::make_shared<MaxPool2d>(3, 2, 1));
  int64_t channels = 64;
  for (int stage = 0; stage < 4; ++stage) {
    const int64_t planes = int64_t{64} << stage, stride = stage == 0 ? 1 : 2;
    auto layer = std::make_shared<Sequential>();
    for (int64_t b = 0; b < blocks_per_layer[stage]; ++b) {
      const int64_t s = b == 0 ? stride : 1;
      if (block == ResidualBlock::basic)
        layer->push_back(std::make_shared<BasicBlock>(channels, planes, s, gen));
      else
        layer->push_back(std::make_shared<Bottleneck>(channels, planes, s, gen));
      channels = planes * expansion;
    }
    layers[stage] = register_module("layer" + std::to_string(stage + 1), layer);
  }
  avgpool = register_module("avgpool", std::make_shared<AdaptiveAvgPool2d>(1, 1));
  feature_dim_ = channels;
  num_classes_ = options.num_classes;
  if (num_classes_ > 0) fc = register_module("fc", std::make_shared<Linear>(channels, num_classes_, true, gen));
  init_weights(options);
}

void ResNet::init_weights(const ResNetOptions& options) {
  for (auto& [name, m] : named_modules()) {
    if (auto* conv = dynamic_cast<Conv2d*>(m))
      init::kaiming_normal_(conv->weight, 0.0, init::FanMode::fan_out, init::Nonlinearity::relu, options.generator);
    else if (auto* bn = dynamic_cast<BatchNorm*>(m))
      bn->reset_parameters();
  }
  // A second pass: the pre-order walk above visits a block before its BatchNorms.
  if (options.zero_init_residual)
    for (auto& [name, m] : named_modules()) {
      if (auto* b = dynamic_cast<BasicBlock*>(m)) init::zeros_(b->last_bn().weight);
      if (auto* b = dynamic_cast<Bottleneck*>(m)) init::zeros_(b->last_bn().weight);
    }
}

std::array<Tensor, 4> ResNet::forward_stages(const Tensor& x) {
  if (x.dim() != 4 || x.size(1) != 3)
    throw std::invalid_argument("ResNet: expected an image batch [N, 3, H, W], got " + x.shape_string());
  Tensor y = maxpool->forward(bn_relu(*bn1, relu.get(), conv1->forward(x)));
  std::array<Tensor, 4> out;
  for (int stage = 0; stage < 4; ++stage) out[stage] = y = layers[stage]->forward(y);
  return out;
}

Tensor ResNet::forward(const Tensor& x) {
  Tensor feature = flatten(avgpool->forward(forward_feature_map(x)), 1);
  return fc ? fc->forward(feature) : feature;
}

std::shared_ptr<ResNet> resnet(int depth, ResNetOptions options) {
  switch (depth) {
    case 18: return std::make_shared<ResNet>(ResidualBlock::basic, std::array<int64_t, 4>{2, 2, 2, 2}, options);
    case 34: return std::make_shared<ResNet>(ResidualBlock::basic, std::array<int64_t, 4>{3, 4, 6, 3}, options);
    case 50: return std::make_shared<ResNet>(ResidualBlock::bottleneck, std::array<int64_t, 4>{3, 4, 6, 3}, options);
    case 101: return std::make_shared<ResNet>(ResidualBlock::bottleneck, std::array<int64_t, 4>{3, 4, 23, 3}, options);
    case 152: return std::make_shared<ResNet>(ResidualBlock::bottleneck, std::array<int64_t, 4>{3, 8, 36, 3}, options);
    default:
      throw std::invalid_argument("resnet: unsupported depth " + std::to_string(depth) +
                                  " (choose 18, 34, 50, 101 or 152)");
  }
}

}  // namespace hg::nn
