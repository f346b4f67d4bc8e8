// Indexing functions with their derivatives. gather and scatter_add are each other's adjoints,
// as are index_select and index_add.
#include "autograd/index.h"

#include "autograd/node.h"
#include "ops/index.h"
#include "tensor/factory.h"
#include "tensor/view.h"

namespace hg {

static const Differentiable kGather("gather", "d gather(x, dim, i) = scatter_add(zeros(x.shape), dim, i, g)");
Tensor gather(const Tensor& x, int64_t dim, const Tensor& index) {
  const Shape in = x.sizes();
  const DType dt = x.dtype();
  return record(kGather, {x}, ops::gather(x, dim, index), [in, dt, dim, index](const Tensor& g) {
    return Grads{ops::scatter_add(zeros(in, TensorOptions(dt, g.device())), dim, index, ops::to_dtype(g, dt))};
  });
}

namespace {
// gather(g, dim, index) placed at the front of zeros(src.shape): src elements beyond index's
// extent are never added, so their gradient is 0.
Tensor gather_into(const Tensor& g, int64_t dim, const Tensor& index, const Shape& src_shape, DType dt) {
  Tensor picked = ops::gather(ops::to_dtype(g, dt), dim, index);
  if (picked.sizes() == src_shape) return picked;
  Tensor z = zeros(src_shape, TensorOptions(dt, g.device()));
  Tensor region = z;
  for (int64_t d = 0; d < index.dim(); ++d) region = ops::narrow(region, d, 0, index.size(d));
  ops::copy_(region, picked);
  return z;
}
}  // namespace

static const Differentiable kScatterAdd("scatter_add", "d scatter_add(x, dim, i, s) = (g, gather(g, dim, i))");
Tensor scatter_add(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src) {
  const Shape src_shape = src.sizes();
  const DType dt = src.dtype();
  return record(kScatterAdd, {x, src}, ops::scatter_add(x, dim, index, src),
                [=](const Tensor& g, const NeedsGrad& n) {
                  return Grads{g, n[1] ? gather_into(g, dim, index, src_shape, dt) : Tensor()};
                });
}

static const Differentiable kIndexSelect("index_select",
                                         "d index_select(x, dim, i) = index_add(zeros(x.shape), dim, i, g)");
Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index) {
  const Shape in = x.sizes();
  const DType dt = x.dtype();
  return record(kIndexSelect, {x}, ops::index_select(x, dim, index), [in, dt, dim, index](const Tensor& g) {
    return Grads{ops::index_add(zeros(in, TensorOptions(dt, g.device())), dim, index, ops::to_dtype(g, dt))};
  });
}

static const Differentiable kIndexAdd("index_add", "d index_add(x, dim, i, s) = (g, index_select(g, dim, i))");
Tensor index_add(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src) {
  return record(kIndexAdd, {x, src}, ops::index_add(x, dim, index, src),
                [dim, index](const Tensor& g, const NeedsGrad& n) {
                  return Grads{g, n[1] ? ops::index_select(g, dim, index) : Tensor()};
                });
}

Tensor one_hot(const Tensor& index, int64_t num_classes) { return ops::one_hot(index, num_classes); }

}  // namespace hg
