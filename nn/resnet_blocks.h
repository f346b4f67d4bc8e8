// The two residual blocks of the ResNet family (He et al. 2016, torchvision's "v1.5" layout:
// a Bottleneck strides in its 3×3 conv). Member names equal torchvision's, so parameter names do.
//
//   BasicBlock (ResNet-18/34), out channels = planes:
//     y = relu( bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x) )
//     conv1 3×3/stride s, conv2 3×3/1, both planes channels, no bias
//   Bottleneck (ResNet-50/101/152), out channels = 4·planes:
//     y = relu( bn3(conv3(relu(bn2(conv2(relu(bn1(conv1(x)))))))) + shortcut(x) )
//     conv1 1×1 → planes, conv2 3×3/stride s → planes, conv3 1×1 → 4·planes, no bias
//   shortcut(x) = x, or downsample(x) = bn(conv1×1/stride s (x)) when the stride is not 1 or the
//   channel count changes; it is registered as "downsample" = Sequential(Conv2d, BatchNorm2d).
#pragma once
#include <memory>

#include "nn/activation.h"
#include "nn/batchnorm.h"
#include "nn/conv2d.h"
#include "nn/sequential.h"
#include "tensor/philox.h"

namespace hg::nn {

// The inference fast path of the blocks and the stem. In eval mode with nothing recording gradients
// the activations are temporaries nobody else holds, so batch norm, its ReLU, and the residual sum
// and its ReLU each run as one in-place pass (no new tensor); otherwise the differentiable modules
// run. Same values either way.
//   bn_relu(bn, relu, y)      = relu(bn(y)) (bn(y) when relu is null); y must be owned by the caller
//   add_relu(relu, y, s)      = relu(y + s);                          y must be owned by the caller
Tensor bn_relu(BatchNorm2d& bn, ReLU* relu, const Tensor& y);
Tensor add_relu(ReLU& relu, const Tensor& y, const Tensor& shortcut);

// The Sequential(conv1×1/stride, BatchNorm2d) shortcut, or null when the identity suffices.
std::shared_ptr<Sequential> make_downsample(int64_t in_channels, int64_t out_channels, int64_t stride,
                                            Generator* gen);

class BasicBlock : public Module {
 public:
  static constexpr int64_t expansion = 1;
  BasicBlock(int64_t in_channels, int64_t planes, int64_t stride, Generator* gen);
  Tensor forward(const Tensor& x) override;
  // The BatchNorm closing the residual branch (zero_init_residual zeroes its weight).
  BatchNorm2d& last_bn() { return *bn2; }

  std::shared_ptr<Conv2d> conv1, conv2;
  std::shared_ptr<BatchNorm2d> bn1, bn2;
  std::shared_ptr<ReLU> relu;
  std::shared_ptr<Sequential> downsample;  // may be null
};

class Bottleneck : public Module {
 public:
  static constexpr int64_t expansion = 4;
  Bottleneck(int64_t in_channels, int64_t planes, int64_t stride, Generator* gen);
  Tensor forward(const Tensor& x) override;
  BatchNorm2d& last_bn() { return *bn3; }

  std::shared_ptr<Conv2d> conv1, conv2, conv3;
  std::shared_ptr<BatchNorm2d> bn1, bn2, bn3;
  std::shared_ptr<ReLU> relu;
  std::shared_ptr<Sequential> downsample;  // may be null
};

}  // namespace hg::nn
