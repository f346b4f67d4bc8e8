// pad with its derivative.
#include "autograd/pad.h"

#include "autograd/node.h"

namespace hg {

static const Differentiable kPad("pad",
                                 "d pad(x) = g cropped to x (constant); reflect/replicate also add the gradient "
                                 "of every mirrored/repeated border position to the element it copies");
Tensor pad(const Tensor& x, const std::vector<int64_t>& pads, PadMode mode, double value) {
  const Shape in = x.sizes();
  return record(kPad, {x}, ops::pad(x, pads, mode, value), [in, pads, mode](const Tensor& g) {
    return Grads{ops::pad_backward(g, in, pads, mode)};
  });
}

}  // namespace hg
