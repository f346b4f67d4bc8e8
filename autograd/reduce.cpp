// Reductions with their derivatives side by side.
#include "autograd/reduce.h"

#include <cmath>

#include "autograd/node.h"
#include "ops/pointwise.h"
#include "ops/reduce.h"
#include "tensor/factory.h"
#include "tensor/view.h"

namespace hg {
namespace {

// g has the reduced shape; view it with the reduced dims kept as 1 and broadcast to `in`.
Tensor expand_back(const Tensor& g, const Shape& in, const std::vector<int64_t>& dims) {
  return ops::expand(ops::reshape(g, ops::reduced_shape(in, dims, true)), in);
}

int64_t count_of(const Shape& in, const std::vector<int64_t>& dims) {
  int64_t n = 1;
  for (int64_t d : dims) n *= in[d];
  return n;
}

}  // namespace

static const Differentiable kSum("sum", "d sum(x) = g broadcast to x.shape");
Tensor sum(const Tensor& x, const Dims& dims, bool keepdim) {
  const Shape in = x.sizes();
  const auto d = normalize_dims(dims, x.dim(), "sum");
  return record(kSum, {x}, ops::sum(x, dims, keepdim), [in, d](const Tensor& g) { return Grads{expand_back(g, in, d)}; });
}

static const Differentiable kMean("mean", "d mean(x) = g / N broadcast to x.shape");
Tensor mean(const Tensor& x, const Dims& dims, bool keepdim) {
  const Shape in = x.sizes();
  const auto d = normalize_dims(dims, x.dim(), "mean");
  const double scale = 1.0 / static_cast<double>(count_of(in, d));
  return record(kMean, {x}, ops::mean(x, dims, keepdim),
                [in, d, scale](const Tensor& g) { return Grads{expand_back(ops::mul(g, scale), in, d)}; });
}

static const Differentiable kVar("var", "d var(x) = 2 g (x - mean) / (N - correction)");
Tensor var(const Tensor& x, const Dims& dims, int64_t correction, bool keepdim) {
  const Shape in = x.sizes();
  const auto d = normalize_dims(dims, x.dim(), "var");
  const double scale = 2.0 / static_cast<double>(count_of(in, d) - correction);
  return record(kVar, {x}, ops::var(x, dims, correction, keepdim), [x, in, d, scale](const Tensor& g) {
    Tensor centred = ops::sub(x, ops::mean(x, d, true));
    return Grads{ops::mul(ops::mul(centred, expand_back(g, in, d)), scale)};
  });
}

static const Differentiable kStd("std", "d std(x) = g (x - mean) / ((N - correction) std)");
Tensor std(const Tensor& x, const Dims& dims, int64_t correction, bool keepdim) {
  const Shape in = x.sizes();
  const auto d = normalize_dims(dims, x.dim(), "std");
  const double denom = static_cast<double>(count_of(in, d) - correction);
  Tensor y = ops::std(x, dims, correction, keepdim);
  return record(kStd, {x}, y, [x, y, in, d, denom](const Tensor& g) {
    Tensor centred = ops::sub(x, ops::mean(x, d, true));
    Tensor coef = expand_back(ops::div(g, ops::mul(y, denom)), in, d);
    return Grads{ops::mul(centred, coef)};
  });
}

static const Differentiable kNorm("norm", "p=2: g x/|x|; p=1: g sign(x); p=inf: g sign(x) shared by the maxima");
Tensor norm(const Tensor& x, double p, const Dims& dims, bool keepdim) {
  const Shape in = x.sizes();
  const auto d = normalize_dims(dims, x.dim(), "norm");
  Tensor y = ops::norm(x, p, dims, keepdim);
  return record(kNorm, {x}, y, [x, y, in, d, p](const Tensor& g) {
    Tensor gy = expand_back(g, in, d);
    if (p == 1.0) return Grads{ops::mul(gy, ops::sign(x))};
    Tensor yk = expand_back(y, in, d);
    if (p == 2.0) {  // x / |x|, defined as 0 where the norm is 0
      Tensor safe = ops::where(ops::gt(yk, 0.0), yk, ops::add(ops::mul(yk, 0.0), 1.0));
      return Grads{ops::mul(gy, ops::div(x, safe))};
    }
    Tensor is_max = ops::to_dtype(ops::eq(ops::abs(x), yk), x.dtype());
    Tensor ties = expand_back(ops::sum(is_max, d, false), in, d);
    return Grads{ops::div(ops::mul(ops::mul(gy, ops::sign(x)), is_max), ties)};
  });
}

static const Differentiable kLogsumexp("logsumexp", "d logsumexp(x) = g softmax(x)");
Tensor logsumexp(const Tensor& x, const Dims& dims, bool keepdim) {
  const Shape in = x.sizes();
  const auto d = normalize_dims(dims, x.dim(), "logsumexp");
  Tensor y = ops::logsumexp(x, dims, keepdim);
  return record(kLogsumexp, {x}, y, [x, y, in, d](const Tensor& g) {
    Tensor softmax = ops::exp(ops::sub(x, expand_back(y, in, d)));
    return Grads{ops::mul(softmax, expand_back(g, in, d))};
  });
}

namespace {
Tensor extreme_all_backward(const Tensor& g, const Tensor& x, const Tensor& y, const Shape& in,
                            const std::vector<int64_t>& d) {
  Tensor is_ext = ops::to_dtype(ops::eq(x, expand_back(y, in, d)), x.dtype());
  Tensor ties = expand_back(ops::sum(is_ext, d, false), in, d);
  return ops::div(ops::mul(expand_back(g, in, d), is_ext), ties);
}
}  // namespace

static const Differentiable kAmax("amax", "d amax(x) = g shared evenly by the maxima");
Tensor amax(const Tensor& x, const Dims& dims, bool keepdim) {
  const Shape in = x.sizes();
  const auto d = normalize_dims(dims, x.dim(), "amax");
  Tensor y = ops::amax(x, dims, keepdim);
  return record(kAmax, {x}, y, [x, y, in, d](const Tensor& g) { return Grads{extreme_all_backward(g, x, y, in, d)}; });
}

static const Differentiable kAmin("amin", "d amin(x) = g shared evenly by the minima");
Tensor amin(const Tensor& x, const Dims& dims, bool keepdim) {
  const Shape in = x.sizes();
  const auto d = normalize_dims(dims, x.dim(), "amin");
  Tensor y = ops::amin(x, dims, keepdim);
  return record(kAmin, {x}, y, [x, y, in, d](const Tensor& g) { return Grads{extreme_all_backward(g, x, y, in, d)}; });
}

namespace {
// g placed at `indices` along `dim` of a zero tensor shaped like the input.
Tensor place_at_indices(const Tensor& g, const Tensor& indices, const Shape& in, int64_t dim, DType dt) {
  const std::vector<int64_t> d{dim};
  Shape pos_shape(in.size(), 1);
  pos_shape[dim] = in[dim];
  Tensor positions = ops::reshape(arange(in[dim], TensorOptions(DType::i64, g.device())), pos_shape);
  Tensor hit = ops::eq(positions, expand_back(indices, in, d));
  Tensor gx = expand_back(g, in, d);
  return ops::where(hit, gx, zeros({}, TensorOptions(dt, g.device())));
}

// Records values = x at `r.indices` along dim; the gradient goes back to those positions.
MaxResult record_at_indices(const Differentiable& fn, const Tensor& x, int64_t dim, ops::ValuesIndices r) {
  const Shape in = x.sizes();
  const int64_t d = wrap_dim(dim, x.dim(), fn.name);
  const DType dt = x.dtype();
  Tensor idx = r.indices;
  Tensor v = record(fn, {x}, r.values,
                    [idx, in, d, dt](const Tensor& g) { return Grads{place_at_indices(g, idx, in, d, dt)}; });
  return {v, r.indices};
}
}  // namespace

static const Differentiable kMaxDim("max_dim", "d max(x, dim) = g at the argmax");
MaxResult max(const Tensor& x, int64_t dim, bool keepdim) {
  return record_at_indices(kMaxDim, x, dim, ops::max(x, dim, keepdim));
}

static const Differentiable kMinDim("min_dim", "d min(x, dim) = g at the argmin");
MaxResult min(const Tensor& x, int64_t dim, bool keepdim) {
  return record_at_indices(kMinDim, x, dim, ops::min(x, dim, keepdim));
}

Tensor argmax(const Tensor& x, int64_t dim, bool keepdim) { return ops::argmax(x, dim, keepdim); }
Tensor argmin(const Tensor& x, int64_t dim, bool keepdim) { return ops::argmin(x, dim, keepdim); }

static const Differentiable kCumsum("cumsum", "d cumsum(x) = reverse cumsum of g");
Tensor cumsum(const Tensor& x, int64_t dim) {
  return record(kCumsum, {x}, ops::cumsum(x, dim), [dim](const Tensor& g) { return Grads{ops::reverse_cumsum(g, dim)}; });
}

static const Differentiable kSumTo("sum_to", "d sum_to(x, s) = g broadcast to x.shape");
Tensor sum_to(const Tensor& x, const Shape& shape) {
  const Shape in = x.sizes();
  return record(kSumTo, {x}, ops::sum_to(x, shape), [in](const Tensor& g) { return Grads{ops::expand(g, in)}; });
}

}  // namespace hg
