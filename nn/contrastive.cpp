#include "nn/contrastive.h"

#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "autograd/index.h"
#include "autograd/linalg.h"
#include "autograd/norm.h"
#include "autograd/pointwise.h"
#include "autograd/reduce.h"
#include "autograd/shape.h"
#include "autograd/softmax.h"
#include "tensor/factory.h"

namespace hg::nn {

Tensor nt_xent(const Tensor& z, double temperature) {
  if (z.dim() != 2 || z.size(0) < 2 || z.size(0) % 2 != 0)
    throw std::invalid_argument("nt_xent: z must be [2N, d] with N >= 1 (two views per image), got " +
                                z.shape_string());
  if (!(temperature > 0))
    throw std::invalid_argument("nt_xent: temperature must be > 0, got " + std::to_string(temperature));
  const int64_t two_n = z.size(0), n = two_n / 2;
  const Tensor unit = normalize(z, 2.0, 1);
  const Tensor sim = mul(matmul(unit, transpose(unit, 0, 1)), 1.0 / temperature);  // s(i, k)
  // The anchor is excluded from its own denominator: s(i, i) -> −inf, so exp(·) = 0 and the
  // softmax's gradient there is exactly 0.
  const Tensor self = eye(two_n, TensorOptions(DType::boolean, z.device()));
  const Tensor minus_inf = full({}, -std::numeric_limits<double>::infinity(), z.options());
  const Tensor log_prob = log_softmax(where(self, minus_inf, sim), 1);  // s(i, k) − log Σ_{k≠i} exp s(i, k)
  std::vector<int64_t> positive(two_n);
  for (int64_t i = 0; i < two_n; ++i) positive[i] = (i + n) % two_n;
  // Pick log_prob(i, p(i)) with gather: the −inf diagonal is never touched (a mask product would
  // turn −inf · 0 into NaN).
  const Tensor picked = gather(log_prob, 1, from_vector(positive, {two_n, 1}, TensorOptions(DType::i64, z.device())));  // [2N, 1]
  return neg(mean(picked));
}

}  // namespace hg::nn
