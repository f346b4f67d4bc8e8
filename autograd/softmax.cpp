// Softmax and log-softmax with their derivatives side by side; both save only their output.
#include "autograd/softmax.h"

#include "autograd/autocast.h"
#include "autograd/node.h"
#include "ops/softmax.h"

namespace hg {

static const Differentiable kSoftmax("softmax", "y = softmax(x): dx = y (g - sum_dim(g y))");
Tensor softmax(const Tensor& x_in, int64_t dim) {
  const Tensor x = autocast_f32(x_in);  // autocast policy: f32
  Tensor y = ops::softmax(x, dim);
  return record(kSoftmax, {x}, y, [y, dim](const Tensor& g) { return Grads{ops::softmax_backward(g, y, dim)}; });
}

static const Differentiable kLogSoftmax("log_softmax", "y = log_softmax(x): dx = g - exp(y) sum_dim(g)");
Tensor log_softmax(const Tensor& x_in, int64_t dim) {
  const Tensor x = autocast_f32(x_in);  // autocast policy: f32
  Tensor y = ops::log_softmax(x, dim);
  return record(kLogSoftmax, {x}, y, [y, dim](const Tensor& g) { return Grads{ops::log_softmax_backward(g, y, dim)}; });
}

}  // namespace hg
