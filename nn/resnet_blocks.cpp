#include "nn/resnet_blocks.h"

#include "autograd/node.h"
#include "autograd/pointwise.h"
#include "ops/pointwise.h"

namespace hg::nn {

static Conv2dOptions no_bias(int64_t stride, int64_t padding) { return {stride, padding, 1, 1, false}; }

Tensor bn_relu(BatchNorm2d& bn, ReLU* relu, const Tensor& y) {
  if (bn.normalize_in_place(y, relu != nullptr)) return y;
  const Tensor z = bn.forward(y);
  return relu ? relu->forward(z) : z;
}

Tensor add_relu(ReLU& relu, const Tensor& y, const Tensor& shortcut) {
  const bool in_place = !any_requires_grad({y, shortcut}) && y.dtype() == shortcut.dtype() &&
                        y.sizes() == shortcut.sizes() && y.is_contiguous();
  if (!in_place) return relu.forward(add(y, shortcut));
  ops::add_relu_(y, shortcut);
  return y;
}

std::shared_ptr<Sequential> make_downsample(int64_t in, int64_t out, int64_t stride, Generator* gen) {
  if (stride == 1 && in == out) return nullptr;
  return std::make_shared<Sequential>(std::initializer_list<std::shared_ptr<Module>>{
      std::make_shared<Conv2d>(in, out, 1, no_bias(stride, 0), gen), std::make_shared<BatchNorm2d>(out)});
}

BasicBlock::BasicBlock(int64_t in, int64_t planes, int64_t stride, Generator* gen) : Module("BasicBlock") {
  conv1 = register_module("conv1", std::make_shared<Conv2d>(in, planes, 3, no_bias(stride, 1), gen));
  bn1 = register_module("bn1", std::make_shared<BatchNorm2d>(planes));
  relu = register_module("relu", std::make_shared<ReLU>());
  conv2 = register_module("conv2", std::make_shared<Conv2d>(planes, planes, 3, no_bias(1, 1), gen));
  bn2 = register_module("bn2", std::make_shared<BatchNorm2d>(planes));
  if (auto d = make_downsample(in, planes * expansion, stride, gen)) downsample = register_module("downsample", d);
}

Tensor BasicBlock::forward(const Tensor& x) {
  Tensor y = bn_relu(*bn1, relu.get(), conv1->forward(x));
  y = bn_relu(*bn2, nullptr, conv2->forward(y));
  const Tensor shortcut = downsample ? downsample->forward(x) : x;
  return add_relu(*relu, y, shortcut);
}

Bottleneck::Bottleneck(int64_t in, int64_t planes, int64_t stride, Generator* gen) : Module("Bottleneck") {
  conv1 = register_module("conv1", std::make_shared<Conv2d>(in, planes, 1, no_bias(1, 0), gen));
  bn1 = register_module("bn1", std::make_shared<BatchNorm2d>(planes));
  conv2 = register_module("conv2", std::make_shared<Conv2d>(planes, planes, 3, no_bias(stride, 1), gen));
  bn2 = register_module("bn2", std::make_shared<BatchNorm2d>(planes));
  conv3 = register_module("conv3", std::make_shared<Conv2d>(planes, planes * expansion, 1, no_bias(1, 0), gen));
  bn3 = register_module("bn3", std::make_shared<BatchNorm2d>(planes * expansion));
  relu = register_module("relu", std::make_shared<ReLU>());
  if (auto d = make_downsample(in, planes * expansion, stride, gen)) downsample = register_module("downsample", d);
}

Tensor Bottleneck::forward(const Tensor& x) {
  Tensor y = bn_relu(*bn1, relu.get(), conv1->forward(x));
  y = bn_relu(*bn2, relu.get(), conv2->forward(y));
  y = bn_relu(*bn3, nullptr, conv3->forward(y));
  const Tensor shortcut = downsample ? downsample->forward(x) : x;
  return add_relu(*relu, y, shortcut);
}

}  // namespace hg::nn
