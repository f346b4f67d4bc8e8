// Host side of ops/cuda/index_cuda.h: the iteration space and per-tensor strides for the kernels
// of ops/cuda/index_kernels.h.
#include "ops/cuda/index_cuda.h"

#include <stdexcept>
#include <string>

#include "ops/cuda/index_kernels.h"
#include "ops/cuda/tensor_args.h"
#include "ops/pointwise.h"
#include "tensor/view.h"

namespace hg::cuda {
namespace {

IndexSpace space_of(const Shape& shape, int64_t dim, const char* what) {
  if (static_cast<int64_t>(shape.size()) > kMaxDims)
    throw std::invalid_argument(std::string(what) + ": the CUDA kernels take at most " + std::to_string(kMaxDims) +
                                " dims, got shape " + shape_str(shape));
  IndexSpace s;
  s.ndim = static_cast<int>(shape.size());
  s.dim = static_cast<int>(dim);
  s.numel = shape_numel(shape);
  for (int d = 0; d < s.ndim; ++d) s.sizes[d] = shape[d];
  return s;
}

DimStrides strides_of(const Tensor& t) {
  DimStrides a;
  a.data = t.raw_data();
  for (int64_t d = 0; d < t.dim() && d < kMaxDims; ++d) a.strides[d] = t.stride(d);
  return a;
}

// A 1-D (or 0-d) index seen as a tensor of `ndim` dims varying only along dim.
DimStrides virtual_index(const Tensor& index, int64_t dim) {
  DimStrides a;
  a.data = index.raw_data();
  a.strides[dim] = index.dim() == 1 ? index.stride(0) : 0;
  return a;
}

}  // namespace

std::optional<int64_t> first_index_outside(const Tensor& index, int64_t lo, int64_t hi) {
  if (index.numel() == 0) return std::nullopt;
  Tensor first = Tensor::empty({1}, TensorOptions(DType::i64, index.device()));
  ops::fill_(first, -1.0);  // all ones: the largest unsigned position
  launch_first_outside(strided_arg(index), lo, hi, static_cast<unsigned long long*>(first.raw_data()),
                       index.device().index);
  const int64_t at = first.item<int64_t>();  // the one synchronisation
  if (at < 0) return std::nullopt;
  return ops::select(ops::reshape(index, {-1}), 0, at).item<int64_t>();
}

Tensor gather(const Tensor& x, int64_t dim, const Tensor& index) {
  Tensor out = Tensor::empty(index.sizes(), x.options());
  launch_gather(space_of(index.sizes(), dim, "gather"), x.dtype(), strides_of(out), strides_of(x), strides_of(index),
                x.device().index);
  return out;
}

Tensor scatter_add(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src) {
  Tensor out = ops::clone(x);
  launch_scatter_add(space_of(index.sizes(), dim, "scatter_add"), x.dtype(), strides_of(out), strides_of(src),
                     strides_of(index), x.device().index);
  return out;
}

Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index, const Shape& out_shape) {
  Tensor out = Tensor::empty(out_shape, x.options());
  launch_gather(space_of(out_shape, dim, "index_select"), x.dtype(), strides_of(out), strides_of(x),
                virtual_index(index, dim), x.device().index);
  return out;
}

Tensor index_add(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src) {
  Tensor out = ops::clone(x);
  launch_scatter_add(space_of(src.sizes(), dim, "index_add"), x.dtype(), strides_of(out), strides_of(src),
                     virtual_index(index, dim), x.device().index);
  return out;
}

Tensor one_hot(const Tensor& index, int64_t num_classes) {
  Shape shape = index.sizes();
  shape.push_back(num_classes);
  Tensor out = Tensor::empty(shape, TensorOptions(DType::i64, index.device()));
  ops::fill_(out, 0.0);
  const Tensor ic = ops::contiguous(index);
  launch_one_hot(static_cast<const int64_t*>(ic.raw_data()), ic.numel(), num_classes,
                 static_cast<int64_t*>(out.raw_data()), index.device().index);
  return out;
}

}  // namespace hg::cuda
