// Pooling layers over x [N, C, H, W] (definitions and output sizes in ops/pool.h).
//   MaxPool2d: the max of each k×k window (padding never wins); stride defaults to the kernel.
//   AdaptiveAvgPool2d: averages into an out_h × out_w grid (1×1 = global average pooling).
#pragma once
#include "nn/module.h"

namespace hg::nn {

class MaxPool2d : public Module {
 public:
  explicit MaxPool2d(int64_t kernel_size, int64_t stride = 0, int64_t padding = 0, int64_t dilation = 1,
                     bool ceil_mode = false);
  Tensor forward(const Tensor& x) override;
  const int64_t kernel_size, stride, padding, dilation;
  const bool ceil_mode;
};

class AdaptiveAvgPool2d : public Module {
 public:
  explicit AdaptiveAvgPool2d(int64_t out_h = 1, int64_t out_w = 1);
  Tensor forward(const Tensor& x) override;
  const int64_t out_h, out_w;
};

}  // namespace hg::nn
