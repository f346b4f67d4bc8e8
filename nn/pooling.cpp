#include "nn/pooling.h"

#include "autograd/node.h"
#include "autograd/pool.h"
#include "ops/pool.h"

namespace hg::nn {

static void check_4d(const Tensor& x, const std::string& layer) {
  if (x.dim() != 4) throw std::invalid_argument(layer + ": expected input [N, C, H, W], got " + x.shape_string());
}

MaxPool2d::MaxPool2d(int64_t k, int64_t s, int64_t p, int64_t d, bool ceil)
    : Module("MaxPool2d"), kernel_size(k), stride(s == 0 ? k : s), padding(p), dilation(d), ceil_mode(ceil) {
  if (k <= 0 || stride <= 0 || p < 0 || d <= 0 || 2 * p > k)
    throw std::invalid_argument("MaxPool2d(kernel " + std::to_string(k) + ", stride " + std::to_string(s) +
                                ", padding " + std::to_string(p) + ", dilation " + std::to_string(d) +
                                "): sizes must be positive and padding at most half the kernel");
}

Tensor MaxPool2d::forward(const Tensor& x) {
  check_4d(x, "MaxPool2d");
  if (!any_requires_grad({x}))  // nothing records: the indices (for the backward) are not needed
    return ops::max_pool2d_values(x, kernel_size, stride, padding, dilation, ceil_mode);
  return max_pool2d(x, kernel_size, stride, padding, dilation, ceil_mode).values;
}

AdaptiveAvgPool2d::AdaptiveAvgPool2d(int64_t h, int64_t w) : Module("AdaptiveAvgPool2d"), out_h(h), out_w(w) {
  if (h <= 0 || w <= 0)
    throw std::invalid_argument("AdaptiveAvgPool2d: output size must be positive, got " + std::to_string(h) + "x" +
                                std::to_string(w));
}

Tensor AdaptiveAvgPool2d::forward(const Tensor& x) {
  check_4d(x, "AdaptiveAvgPool2d");
  return adaptive_avg_pool2d(x, out_h, out_w);
}

}  // namespace hg::nn
