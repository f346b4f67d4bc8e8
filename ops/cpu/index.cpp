// gather / scatter_add / index_select / index_add / one_hot: the checks for both backends, then the
// CPU kernels below or, for CUDA tensors, ops/cuda/index_cuda.h (same line-per-thread, index-order
// accumulation; range checks on the device with one read back).
//
// CPU kernels:
// All four dim-indexing kernels walk an "index-shaped" space split around `dim` into
// (outer o, position k along dim, inner i). A Lines table gives, for one tensor, the element offset
// of every (o, i) through that tensor's own strides, so any layout works without copies. Each
// (o, i) line is handled by one thread, k in order: scatter_add / index_add therefore accumulate
// in index order, whatever the thread count.
#include "ops/index.h"

#include <limits>
#include <optional>
#include <vector>

#include "ops/cuda/dispatch.h"
#include "ops/cuda/index_cuda.h"
#include "ops/device_check.h"
#include "ops/reduce.h"
#include "tensor/view.h"

namespace hg::ops {
namespace {

// Offsets (through `strides`) of every position of shape[from:to], in row-major order.
std::vector<int64_t> offsets_of(const Shape& shape, const Shape& strides, int64_t from, int64_t to) {
  std::vector<int64_t> offs{0};
  for (int64_t d = from; d < to; ++d) {
    std::vector<int64_t> next;
    next.reserve(offs.size() * shape[d]);
    for (int64_t base : offs)
      for (int64_t k = 0; k < shape[d]; ++k) next.push_back(base + k * strides[d]);
    offs = std::move(next);
  }
  return offs;
}

// Element offset of (o, k, i) in tensor t for an iteration space `shape` split around dim:
// outer[o] + k * stride + inner[i].
struct Lines {
  std::vector<int64_t> outer, inner;
  int64_t stride = 0;
  int64_t at(int64_t o, int64_t i) const { return outer[o] + inner[i]; }
};
Lines lines_of(const Tensor& t, const Shape& shape, int64_t dim) {
  const int64_t nd = static_cast<int64_t>(shape.size());
  return {offsets_of(shape, t.strides(), 0, dim), offsets_of(shape, t.strides(), dim + 1, nd), t.stride(dim)};
}

// Calls body(o, i, k) for every line (o, i) of an [outer, len, inner] space, k in order within a line.
template <class Body>
void for_each_line(int64_t outer, int64_t len, int64_t inner, Body body) {
  constexpr int64_t kBlock = 256;  // inner positions per task
  const int64_t blocks = (inner + kBlock - 1) / kBlock;
#pragma omp parallel for collapse(2) schedule(static) if (outer * len * inner > 32768)
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t b = 0; b < blocks; ++b) {
      const int64_t end = std::min(inner, (b + 1) * kBlock);
      for (int64_t k = 0; k < len; ++k)
        for (int64_t i = b * kBlock; i < end; ++i) body(o, i, k);
    }
}

void check_index(const char* what, const Tensor& index) {
  if (index.dtype() != DType::i64)
    throw std::invalid_argument(std::string(what) + ": expected an i64 index, got " + dtype_name(index.dtype()));
}

// The first value (row-major order) of an i64 index outside [lo, hi), on either device.
std::optional<int64_t> first_outside(const Tensor& index, int64_t lo, int64_t hi) {
#if HANDGRAD_WITH_CUDA
  if (index.device().is_cuda()) return cuda::first_index_outside(index, lo, hi);
#endif
  const Tensor ic = contiguous(index);
  const int64_t* p = static_cast<const int64_t*>(ic.raw_data());
  for (int64_t k = 0; k < ic.numel(); ++k)
    if (p[k] < lo || p[k] >= hi) return p[k];
  return std::nullopt;
}

// Every index value must lie in [0, size): a pass before any kernel writes.
void check_range(const char* what, const Tensor& index, int64_t size) {
  if (const auto bad = first_outside(index, 0, size))
    throw std::invalid_argument(std::string(what) + ": index " + std::to_string(*bad) +
                                " is out of range for a dim of size " + std::to_string(size));
}

// index.size(d) <= t.size(d) for every d (except `skip`, when >= 0), same number of dims.
void check_fits(const char* what, const Tensor& index, const Tensor& t, int64_t skip, const char* name) {
  bool ok = index.dim() == t.dim();
  for (int64_t d = 0; ok && d < t.dim(); ++d) ok = d == skip || index.size(d) <= t.size(d);
  if (!ok)
    throw std::invalid_argument(std::string(what) + ": index shape " + index.shape_string() + " does not fit " +
                                name + " shape " + t.shape_string() +
                                (skip >= 0 ? " (same dims, no larger except along dim " + std::to_string(skip) + ")"
                                           : " (same dims, no larger)"));
}

// [outer, len, inner] sizes of `shape` split around dim.
struct Split {
  int64_t outer = 1, len = 1, inner = 1;
};
Split split(const Shape& shape, int64_t dim) {
  Split s;
  for (int64_t d = 0; d < static_cast<int64_t>(shape.size()); ++d)
    (d < dim ? s.outer : d == dim ? s.len : s.inner) *= shape[d];
  return s;
}

}  // namespace

// out[o, k, i] = x[o, index[o, k, i], i]
Tensor gather(const Tensor& x, int64_t dim_in, const Tensor& index) {
  check_same_device("gather", x, index);
  check_index("gather", index);
  const int64_t dim = wrap_dim(dim_in, x.dim(), "gather");
  check_fits("gather", index, x, dim, "input");
  check_range("gather", index, x.size(dim));
  HG_ON_CUDA(x, cuda::gather(x, dim, index));
  require_cpu("gather", x, index);
  Tensor out = Tensor::empty(index.sizes(), x.options());
  const Split s = split(index.sizes(), dim);
  const Lines lx = lines_of(x, index.sizes(), dim), li = lines_of(index, index.sizes(), dim),
              lo = lines_of(out, index.sizes(), dim);
  const int64_t* ip = static_cast<const int64_t*>(index.raw_data());
  dispatch_all(x.dtype(), "gather", [&]<class T>() {
    const T* xp = static_cast<const T*>(x.raw_data());
    T* op = static_cast<T*>(out.raw_data());
    for_each_line(s.outer, s.len, s.inner, [&](int64_t o, int64_t i, int64_t k) {
      const int64_t idx = ip[li.at(o, i) + k * li.stride];
      op[lo.at(o, i) + k * lo.stride] = xp[lx.at(o, i) + idx * lx.stride];
    });
  });
  return out;
}

// out = x; out[o, index[o, k, i], i] += src[o, k, i]   (k in order)
Tensor scatter_add(const Tensor& x, int64_t dim_in, const Tensor& index, const Tensor& src) {
  check_same_device("scatter_add", x, index, src);
  check_index("scatter_add", index);
  if (x.dtype() != src.dtype())
    throw std::invalid_argument(std::string("scatter_add: input and src dtypes differ (") + dtype_name(x.dtype()) +
                                " and " + dtype_name(src.dtype()) + ")");
  const int64_t dim = wrap_dim(dim_in, x.dim(), "scatter_add");
  check_fits("scatter_add", index, x, dim, "input");
  check_fits("scatter_add", index, src, -1, "src");
  check_range("scatter_add", index, x.size(dim));
  HG_ON_CUDA(x, cuda::scatter_add(x, dim, index, src));
  require_cpu("scatter_add", x, index, src);
  Tensor out = clone(x);
  const Split s = split(index.sizes(), dim);
  const Lines lo = lines_of(out, index.sizes(), dim), li = lines_of(index, index.sizes(), dim),
              ls = lines_of(src, index.sizes(), dim);
  const int64_t* ip = static_cast<const int64_t*>(index.raw_data());
  dispatch_all(x.dtype(), "scatter_add", [&]<class T>() {
    using C = compute_t<T>;
    const T* sp = static_cast<const T*>(src.raw_data());
    T* op = static_cast<T*>(out.raw_data());
    for_each_line(s.outer, s.len, s.inner, [&](int64_t o, int64_t i, int64_t k) {
      const int64_t idx = ip[li.at(o, i) + k * li.stride];
      T& dst = op[lo.at(o, i) + idx * lo.stride];
      dst = static_cast<T>(static_cast<C>(dst) + static_cast<C>(sp[ls.at(o, i) + k * ls.stride]));
    });
  });
  return out;
}

namespace {
// index_select / index_add: a 1-D index; `shape` = x's shape with dim resized to index.numel().
Shape selected_shape(const char* what, const Tensor& x, int64_t dim, const Tensor& index) {
  check_index(what, index);
  if (index.dim() > 1)
    throw std::invalid_argument(std::string(what) + ": expected a 1-D index, got shape " + index.shape_string() +
                                " (input shape " + x.shape_string() + ")");
  Shape shape = x.sizes();
  shape[dim] = index.numel();
  return shape;
}
}  // namespace

// out[o, k, i] = x[o, index[k], i]
Tensor index_select(const Tensor& x, int64_t dim_in, const Tensor& index) {
  check_same_device("index_select", x, index);
  const int64_t dim = wrap_dim(dim_in, x.dim(), "index_select");
  const Shape shape = selected_shape("index_select", x, dim, index);
  check_range("index_select", index, x.size(dim));
  HG_ON_CUDA(x, cuda::index_select(x, dim, index, shape));
  require_cpu("index_select", x, index);
  Tensor out = Tensor::empty(shape, x.options());
  const Split s = split(shape, dim);
  const Lines lx = lines_of(x, shape, dim), lo = lines_of(out, shape, dim);
  const Tensor ic = contiguous(index);
  const int64_t* ip = static_cast<const int64_t*>(ic.raw_data());
  dispatch_all(x.dtype(), "index_select", [&]<class T>() {
    const T* xp = static_cast<const T*>(x.raw_data());
    T* op = static_cast<T*>(out.raw_data());
    for_each_line(s.outer, s.len, s.inner, [&](int64_t o, int64_t i, int64_t k) {
      op[lo.at(o, i) + k * lo.stride] = xp[lx.at(o, i) + ip[k] * lx.stride];
    });
  });
  return out;
}

// out = x; out[o, index[k], i] += src[o, k, i]   (k in order)
Tensor index_add(const Tensor& x, int64_t dim_in, const Tensor& index, const Tensor& src) {
  check_same_device("index_add", x, index, src);
  const int64_t dim = wrap_dim(dim_in, x.dim(), "index_add");
  const Shape shape = selected_shape("index_add", x, dim, index);
  if (src.sizes() != shape || src.dtype() != x.dtype())
    throw std::invalid_argument("index_add: src " + src.shape_string() + " " + dtype_name(src.dtype()) +
                                " must be " + shape_str(shape) + " " + dtype_name(x.dtype()) + " for input " +
                                x.shape_string() + " and index " + index.shape_string());
  check_range("index_add", index, x.size(dim));
  HG_ON_CUDA(x, cuda::index_add(x, dim, index, src));
  require_cpu("index_add", x, index, src);
  Tensor out = clone(x);
  const Split s = split(shape, dim);
  const Lines lo = lines_of(out, shape, dim), ls = lines_of(src, shape, dim);
  const Tensor ic = contiguous(index);
  const int64_t* ip = static_cast<const int64_t*>(ic.raw_data());
  dispatch_all(x.dtype(), "index_add", [&]<class T>() {
    using C = compute_t<T>;
    const T* sp = static_cast<const T*>(src.raw_data());
    T* op = static_cast<T*>(out.raw_data());
    for_each_line(s.outer, s.len, s.inner, [&](int64_t o, int64_t i, int64_t k) {
      T& dst = op[lo.at(o, i) + ip[k] * lo.stride];
      dst = static_cast<T>(static_cast<C>(dst) + static_cast<C>(sp[ls.at(o, i) + k * ls.stride]));
    });
  });
  return out;
}

// out[p, c] = (index[p] == c)
Tensor one_hot(const Tensor& index, int64_t num_classes) {
  check_index("one_hot", index);
  const int64_t n = index.numel();
  if (const auto negative = first_outside(index, 0, std::numeric_limits<int64_t>::max()))
    throw std::invalid_argument("one_hot: class values must be non-negative, got " + std::to_string(*negative) +
                                " (index shape " + index.shape_string() + ")");
  if (num_classes == -1) {
    if (n == 0) throw std::invalid_argument("one_hot: cannot infer num_classes from an empty index");
    num_classes = amax(index).item<int64_t>() + 1;
  } else if (num_classes < 0) {
    throw std::invalid_argument("one_hot: num_classes must be -1 or non-negative, got " + std::to_string(num_classes));
  }
  // values are >= 0 here, so the first one outside [0, num_classes) is the first one too large
  if (const auto large = first_outside(index, 0, num_classes))
    throw std::invalid_argument("one_hot: index " + std::to_string(*large) + " is out of range for num_classes " +
                                std::to_string(num_classes));
  HG_ON_CUDA(index, cuda::one_hot(index, num_classes));
  require_cpu("one_hot", index);
  const Tensor ic = contiguous(index);
  const int64_t* ip = static_cast<const int64_t*>(ic.raw_data());
  Shape shape = index.sizes();
  shape.push_back(num_classes);
  Tensor out = Tensor::empty(shape, TensorOptions(DType::i64, index.device()));
  int64_t* op = static_cast<int64_t*>(out.raw_data());
  std::fill(op, op + out.numel(), int64_t{0});
  for (int64_t k = 0; k < n; ++k) op[k * num_classes + ip[k]] = 1;
  return out;
}

}  // namespace hg::ops
