// Pooling with derivatives side by side.
#include "autograd/pool.h"

#include "autograd/node.h"

namespace hg {

static const Differentiable kMaxPool2d("max_pool2d", "d max over window = g routed to the argmax of each window");
MaxResult max_pool2d(const Tensor& x, Size2 kernel, Size2 stride, Size2 padding, Size2 dilation, bool ceil_mode) {
  ops::ValuesIndices r = ops::max_pool2d(x, kernel, stride, padding, dilation, ceil_mode);
  const Tensor idx = r.indices;
  Tensor values = record(kMaxPool2d, {x}, r.values, [idx, in = x.sizes()](const Tensor& g) {
    return Grads{ops::max_pool2d_backward(g, idx, in)};
  });
  return {values, r.indices};
}

static const Differentiable kAvgPool2d("avg_pool2d", "d mean over window = g / divisor spread over each window");
Tensor avg_pool2d(const Tensor& x, Size2 kernel, Size2 stride, Size2 padding, bool ceil_mode, bool count_include_pad) {
  return record(kAvgPool2d, {x}, ops::avg_pool2d(x, kernel, stride, padding, ceil_mode, count_include_pad),
                [in = x.sizes(), kernel, stride, padding, ceil_mode, count_include_pad](const Tensor& g) {
                  return Grads{ops::avg_pool2d_backward(g, in, kernel, stride, padding, ceil_mode, count_include_pad)};
                });
}

static const Differentiable kAdaptiveAvgPool2d("adaptive_avg_pool2d",
                                               "d mean over cell = g / cell size spread over each cell");
Tensor adaptive_avg_pool2d(const Tensor& x, int64_t out_h, int64_t out_w) {
  return record(kAdaptiveAvgPool2d, {x}, ops::adaptive_avg_pool2d(x, out_h, out_w), [in = x.sizes()](const Tensor& g) {
    return Grads{ops::adaptive_avg_pool2d_backward(g, in)};
  });
}

}  // namespace hg
