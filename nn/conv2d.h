// Conv2d: 2-D cross-correlation over x [N, in_channels, H, W] (see ops/conv.h for the formula and
// output size). Square kernel, stride, padding and dilation; channels split into `groups`.
// Init (torch default): weight ~ U(±1/√fan_in), fan_in = in_channels/groups · k², bias likewise.
#pragma once
#include "nn/module.h"
#include "tensor/philox.h"

namespace hg::nn {

struct Conv2dOptions {
  int64_t stride = 1, padding = 0, dilation = 1, groups = 1;
  bool bias = true;
};

class Conv2d : public Module {
 public:
  Conv2d(int64_t in_channels, int64_t out_channels, int64_t kernel_size, Conv2dOptions options = {},
         Generator* gen = nullptr);
  Tensor forward(const Tensor& x) override;
  void reset_parameters(Generator* gen = nullptr);

  const int64_t in_channels, out_channels, kernel_size;
  const Conv2dOptions options;
  Tensor weight;  // [out, in/groups, k, k]
  Tensor bias;    // [out], or undefined
};

}  // namespace hg::nn
