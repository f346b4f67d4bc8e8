// conv2d with its derivative side by side.
#include "autograd/conv.h"

#include "autograd/autocast.h"
#include "autograd/node.h"

namespace hg {

static const Differentiable kConv2d(
    "conv2d",
    "y = w (*) x + b (cross-correlation): dx = col2im(W^T G) (the transposed conv of g with w), "
    "dw = sum_n G im2col(x)^T, db = sum of g over n, h, w");
Tensor conv2d(const Tensor& x_in, const Tensor& w_in, const Tensor& bias_in, const Conv2dParams& p) {
  const Tensor x = autocast_low(x_in), w = autocast_low(w_in), bias = autocast_low(bias_in);  // autocast policy
  Tensor y = ops::conv2d(x, w, bias, p);
  if (!any_requires_grad({x, w, bias})) return y;
  // dx needs only w and dw only x: keep each one alive only if the other's gradient is wanted (the
  // first layer's image, which needs no gradient, frees the weight from the closure and vice versa).
  const Tensor keep_x = w.requires_grad() ? x : Tensor(), keep_w = x.requires_grad() ? w : Tensor();
  return record(kConv2d, {x, w, bias}, y,
                [keep_x, keep_w, xs = x.sizes(), ws = w.sizes(), p](const Tensor& g, const NeedsGrad& n) {
                  Grads out(3);
                  if (n[0]) out[0] = ops::conv2d_backward_input(g, keep_w, xs, p);
                  if (n[1]) out[1] = ops::conv2d_backward_weight(g, keep_x, ws, p);
                  if (n[2]) out[2] = ops::conv2d_backward_bias(g);
                  return out;
                });
}

}  // namespace hg
