// Views and joins with their derivatives. A view's backward maps the gradient back through the
// inverse view; a slice's backward writes the gradient into a zero tensor of the input's shape.
#include "autograd/shape.h"

#include "autograd/node.h"
#include "ops/pointwise.h"
#include "tensor/factory.h"
#include "tensor/view.h"

namespace hg {

static const Differentiable kReshape("reshape", "d reshape(x) = reshape(g, x.shape)");
Tensor reshape(const Tensor& x, const Shape& sizes) {
  const Shape in = x.sizes();
  return record(kReshape, {x}, ops::reshape(x, sizes), [in](const Tensor& g) { return Grads{ops::reshape(g, in)}; });
}

static const Differentiable kView("view", "d view(x) = reshape(g, x.shape)");
Tensor view(const Tensor& x, const Shape& sizes) {
  const Shape in = x.sizes();
  return record(kView, {x}, ops::view(x, sizes), [in](const Tensor& g) { return Grads{ops::reshape(g, in)}; });
}

Tensor flatten(const Tensor& x, int64_t start_dim, int64_t end_dim) {
  return reshape(x, ops::flatten(detach(x), start_dim, end_dim).sizes());
}

static const Differentiable kSqueeze("squeeze", "d squeeze(x) = reshape(g, x.shape)");
Tensor squeeze(const Tensor& x, int64_t dim) {
  const Shape in = x.sizes();
  return record(kSqueeze, {x}, ops::squeeze(x, dim), [in](const Tensor& g) { return Grads{ops::reshape(g, in)}; });
}

static const Differentiable kUnsqueeze("unsqueeze", "d unsqueeze(x) = reshape(g, x.shape)");
Tensor unsqueeze(const Tensor& x, int64_t dim) {
  const Shape in = x.sizes();
  return record(kUnsqueeze, {x}, ops::unsqueeze(x, dim), [in](const Tensor& g) { return Grads{ops::reshape(g, in)}; });
}

static const Differentiable kPermute("permute", "d permute(x, p) = permute(g, p^-1)");
Tensor permute(const Tensor& x, const std::vector<int64_t>& dims) {
  Tensor y = ops::permute(x, dims);
  std::vector<int64_t> inverse(dims.size());
  for (size_t i = 0; i < dims.size(); ++i) inverse[wrap_dim(dims[i], x.dim(), "permute")] = static_cast<int64_t>(i);
  return record(kPermute, {x}, y, [inverse](const Tensor& g) { return Grads{ops::permute(g, inverse)}; });
}

static const Differentiable kTranspose("transpose", "d transpose(x, i, j) = transpose(g, i, j)");
Tensor transpose(const Tensor& x, int64_t dim0, int64_t dim1) {
  return record(kTranspose, {x}, ops::transpose(x, dim0, dim1),
                [dim0, dim1](const Tensor& g) { return Grads{ops::transpose(g, dim0, dim1)}; });
}

namespace {
// The gradient of a strided sub-view: zeros of the input's shape with g written into the view.
template <class MakeView>
Tensor scatter_into_zeros(const Tensor& g, const Shape& in, DType dt, MakeView make_view) {
  Tensor z = zeros(in, TensorOptions(dt, g.device()));
  ops::copy_(make_view(z), g);
  return z;
}
}  // namespace

static const Differentiable kNarrow("narrow", "d narrow(x) = g placed in zeros(x.shape)");
Tensor narrow(const Tensor& x, int64_t dim, int64_t start, int64_t length) {
  const Shape in = x.sizes();
  const DType dt = x.dtype();
  return record(kNarrow, {x}, ops::narrow(x, dim, start, length), [=](const Tensor& g) {
    return Grads{scatter_into_zeros(g, in, dt, [&](const Tensor& z) { return ops::narrow(z, dim, start, length); })};
  });
}

static const Differentiable kSlice("slice", "d x[a:b:s] = g placed in zeros(x.shape)");
Tensor slice(const Tensor& x, int64_t dim, int64_t start, int64_t end, int64_t step) {
  const Shape in = x.sizes();
  const DType dt = x.dtype();
  return record(kSlice, {x}, ops::slice(x, dim, start, end, step), [=](const Tensor& g) {
    return Grads{scatter_into_zeros(g, in, dt, [&](const Tensor& z) { return ops::slice(z, dim, start, end, step); })};
  });
}

static const Differentiable kSelect("select", "d x[i] = g placed in zeros(x.shape)");
Tensor select(const Tensor& x, int64_t dim, int64_t index) {
  const Shape in = x.sizes();
  const DType dt = x.dtype();
  return record(kSelect, {x}, ops::select(x, dim, index), [=](const Tensor& g) {
    return Grads{scatter_into_zeros(g, in, dt, [&](const Tensor& z) { return ops::select(z, dim, index); })};
  });
}

static const Differentiable kExpand("expand", "d expand(x) = g summed over the broadcast dims");
Tensor expand(const Tensor& x, const Shape& sizes) {
  // The engine sums the gradient back to x's shape.
  return record(kExpand, {x}, ops::expand(x, sizes), [](const Tensor& g) { return Grads{g}; });
}

static const Differentiable kContiguous("contiguous", "d contiguous(x) = g");
Tensor contiguous(const Tensor& x) {
  if (x.is_contiguous()) return x;
  return record(kContiguous, {x}, ops::contiguous(x), [](const Tensor& g) { return Grads{g}; });
}

static const Differentiable kToDtype("to_dtype", "d cast(x) = cast(g) back to x's dtype");
Tensor to_dtype(const Tensor& x, DType dtype) {
  if (x.dtype() == dtype) return x;
  // The engine converts the gradient to the input's dtype.
  return record(kToDtype, {x}, ops::to_dtype(x, dtype), [](const Tensor& g) { return Grads{g}; });
}

static const Differentiable kCat("cat", "d cat(xs) = the matching slices of g");
Tensor cat(const std::vector<Tensor>& xs, int64_t dim) {
  if (xs.empty()) throw std::invalid_argument("cat: no tensors");
  const Tensor& first = xs[0];
  const int64_t d = wrap_dim(dim, first.dim(), "cat");
  Shape out_shape = first.sizes();
  DType dt = first.dtype();
  out_shape[d] = 0;
  for (size_t i = 0; i < xs.size(); ++i) {
    const Tensor& x = xs[i];
    if (x.dim() != first.dim() || x.device() != first.device())
      throw std::invalid_argument("cat: tensor " + std::to_string(i) + " of shape " + x.shape_string() +
                                  " does not match " + first.shape_string());
    for (int64_t k = 0; k < x.dim(); ++k)
      if (k != d && x.size(k) != first.size(k))
        throw std::invalid_argument("cat: tensor " + std::to_string(i) + " of shape " + x.shape_string() +
                                    " does not match " + first.shape_string() + " outside dim " + std::to_string(d));
    out_shape[d] += x.size(d);
    dt = promote_types(dt, x.dtype());
  }
  Tensor out = Tensor::empty(out_shape, TensorOptions(dt, first.device()));
  std::vector<int64_t> offsets;
  int64_t off = 0;
  for (const auto& x : xs) {
    offsets.push_back(off);
    ops::copy_(ops::narrow(out, d, off, x.size(d)), x);
    off += x.size(d);
  }
  std::vector<int64_t> lengths;
  for (const auto& x : xs) lengths.push_back(x.size(d));
  return record(kCat, xs, out, [d, offsets, lengths](const Tensor& g, const NeedsGrad& n) {
    Grads gs(offsets.size());
    for (size_t i = 0; i < offsets.size(); ++i)
      if (n[i]) gs[i] = ops::narrow(g, d, offsets[i], lengths[i]);
    return gs;
  });
}

Tensor stack(const std::vector<Tensor>& xs, int64_t dim) {
  if (xs.empty()) throw std::invalid_argument("stack: no tensors");
  const int64_t d = wrap_dim(dim, xs[0].dim() + 1, "stack");
  std::vector<Tensor> parts;
  for (size_t i = 0; i < xs.size(); ++i) {
    if (xs[i].sizes() != xs[0].sizes())
      throw std::invalid_argument("stack: tensor " + std::to_string(i) + " has shape " + xs[i].shape_string() +
                                  ", expected " + xs[0].shape_string());
    parts.push_back(unsqueeze(xs[i], d));
  }
  return cat(parts, d);
}

std::vector<Tensor> split(const Tensor& x, int64_t size, int64_t dim) {
  if (size <= 0) throw std::invalid_argument("split: size must be positive");
  const int64_t d = wrap_dim(dim, x.dim(), "split");
  std::vector<Tensor> out;
  for (int64_t start = 0; start < x.size(d); start += size)
    out.push_back(narrow(x, d, start, std::min(size, x.size(d) - start)));
  return out;
}

std::vector<Tensor> chunk(const Tensor& x, int64_t chunks, int64_t dim) {
  if (chunks <= 0) throw std::invalid_argument("chunk: chunks must be positive");
  const int64_t d = wrap_dim(dim, x.dim(), "chunk");
  return split(x, std::max<int64_t>(1, (x.size(d) + chunks - 1) / chunks), d);
}

}  // namespace hg
