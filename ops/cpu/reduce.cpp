// Reductions. The reduced dims are moved to the end and made contiguous, so every reduction is
// "for each row, combine its elements"; on the CPU rows run in parallel and each row runs in order.
// Argument checks are shared by both backends; CUDA tensors then go to ops/cuda/reduce_cuda.h
// (same row layout, fixed-shape tree reductions, the same rules of ops/reduce_functors.h).
#include "ops/reduce.h"

#include <cmath>
#include <limits>

#include "ops/cuda/dispatch.h"
#include "ops/cuda/reduce_cuda.h"
#include "ops/device_check.h"
#include "ops/pointwise.h"
#include "ops/reduce_functors.h"
#include "tensor/view.h"

namespace hg::ops {
namespace {

// x viewed as [rows, row_len] with the reduced dims last (a contiguous copy when needed).
struct Rows {
  Tensor data;  // contiguous, [rows * row_len]
  int64_t rows = 0, row_len = 0;
  Shape kept_shape;  // output shape (keepdim handled by caller)
};

Rows to_rows(const Tensor& x, const std::vector<int64_t>& dims) {
  std::vector<int64_t> perm;
  std::vector<bool> reduced(x.dim(), false);
  for (int64_t d : dims) reduced[d] = true;
  Rows r;
  r.rows = 1;
  r.row_len = 1;
  for (int64_t d = 0; d < x.dim(); ++d)
    if (!reduced[d]) { perm.push_back(d); r.rows *= x.size(d); }
  for (int64_t d : dims) { perm.push_back(d); r.row_len *= x.size(d); }
  r.data = contiguous(x.dim() ? permute(x, perm) : x);
  return r;
}

template <class T> using acc_t = std::conditional_t<std::is_floating_point_v<T> || std::is_same_v<T, half> ||
                                                        std::is_same_v<T, bfloat16>,
                                                    double, int64_t>;

// out[row] = finish(combine over the row); combine is a sequential left fold.
template <class T, class Out, class Fold>
Tensor reduce_rows(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim, DType out_dtype, Fold fold) {
  Rows r = to_rows(x, dims);
  Tensor out = Tensor::empty(reduced_shape(x.sizes(), dims, keepdim), TensorOptions(out_dtype));
  const T* in = static_cast<const T*>(r.data.raw_data());
  Out* o = static_cast<Out*>(out.raw_data());
  const int64_t rows = r.rows, len = r.row_len;
#pragma omp parallel for schedule(static) if (rows * len > 65536 && rows > 1)
  for (int64_t i = 0; i < rows; ++i) o[i] = fold(in + i * len, len);
  return out;
}

std::vector<int64_t> dims_of(const Tensor& x, const Dims& dims, const char* what) {
  return normalize_dims(dims, x.dim(), what);
}

// A long single row is summed in fixed blocks in parallel, then the block sums in order.
template <class T>
double sum_row(const T* p, int64_t n) {
  constexpr int64_t kBlock = 4096;
  if (n <= 2 * kBlock) {
    double s = 0;
    for (int64_t i = 0; i < n; ++i) s += static_cast<double>(p[i]);
    return s;
  }
  const int64_t blocks = (n + kBlock - 1) / kBlock;
  std::vector<double> partial(blocks);
#pragma omp parallel for schedule(static) if (n > 65536)
  for (int64_t b = 0; b < blocks; ++b) {
    double s = 0;
    const int64_t end = std::min(n, (b + 1) * kBlock);
    for (int64_t i = b * kBlock; i < end; ++i) s += static_cast<double>(p[i]);
    partial[b] = s;
  }
  double s = 0;
  for (double v : partial) s += v;
  return s;
}

}  // namespace

Shape reduced_shape(const Shape& sizes, const std::vector<int64_t>& dims, bool keepdim) {
  std::vector<bool> reduced(sizes.size(), false);
  for (int64_t d : dims) reduced[d] = true;
  Shape s;
  for (size_t d = 0; d < sizes.size(); ++d) {
    if (!reduced[d]) s.push_back(sizes[d]);
    else if (keepdim) s.push_back(1);
  }
  return s;
}

Tensor sum(const Tensor& x, const Dims& dims_in, bool keepdim) {
  const auto dims = dims_of(x, dims_in, "sum");
  HG_ON_CUDA(x, cuda::sum(x, dims, keepdim));
  require_cpu("sum", x);
  const DType out_dt = is_floating(x.dtype()) ? x.dtype() : DType::i64;
  return dispatch_all(x.dtype(), "sum", [&]<class T>() -> Tensor {
    if constexpr (std::is_same_v<T, bool>) {
      return sum(to_dtype(x, DType::i64), dims_in, keepdim);
    } else if constexpr (std::is_same_v<acc_t<T>, double>) {
      return reduce_rows<T, T>(x, dims, keepdim, out_dt, [](const T* p, int64_t n) {
        return static_cast<T>(sum_row(p, n));
      });
    } else {
      return reduce_rows<T, int64_t>(x, dims, keepdim, out_dt, [](const T* p, int64_t n) {
        int64_t s = 0;
        for (int64_t i = 0; i < n; ++i) s += static_cast<int64_t>(p[i]);
        return s;
      });
    }
  });
}

Tensor mean(const Tensor& x, const Dims& dims_in, bool keepdim) {
  check_floating("mean", x);
  const auto dims = dims_of(x, dims_in, "mean");
  HG_ON_CUDA(x, cuda::mean(x, dims, keepdim));
  require_cpu("mean", x);
  int64_t count = 1;
  for (int64_t d : dims) count *= x.size(d);
  return dispatch_float(x.dtype(), "mean", [&]<class T>() -> Tensor {
    return reduce_rows<T, T>(x, dims, keepdim, x.dtype(), [count](const T* p, int64_t n) {
      return static_cast<T>(sum_row(p, n) / static_cast<double>(count));
    });
  });
}

Tensor var(const Tensor& x, const Dims& dims_in, int64_t correction, bool keepdim) {
  check_floating("var", x);
  const auto dims = dims_of(x, dims_in, "var");
  HG_ON_CUDA(x, cuda::var(x, dims, correction, keepdim));
  require_cpu("var", x);
  return dispatch_float(x.dtype(), "var", [&]<class T>() -> Tensor {
    return reduce_rows<T, T>(x, dims, keepdim, x.dtype(), [correction](const T* p, int64_t n) {
      // two passes: mean, then the sum of squared deviations (stable for large means)
      const double m = sum_row(p, n) / static_cast<double>(n);
      double ss = 0;
      for (int64_t i = 0; i < n; ++i) {
        const double d = static_cast<double>(p[i]) - m;
        ss += d * d;
      }
      return static_cast<T>(fn::variance_from(ss, n, correction));
    });
  });
}

Tensor std(const Tensor& x, const Dims& dims, int64_t correction, bool keepdim) {
  return sqrt(var(x, dims, correction, keepdim));
}

Tensor norm(const Tensor& x, double p, const Dims& dims_in, bool keepdim) {
  check_floating("norm", x);
  const auto dims = dims_of(x, dims_in, "norm");
  const bool inf = std::isinf(p);
  if (!(p == 1.0 || p == 2.0 || inf)) throw std::invalid_argument("norm: p must be 1, 2 or inf");
  HG_ON_CUDA(x, cuda::norm(x, p, dims, keepdim));
  require_cpu("norm", x);
  return dispatch_float(x.dtype(), "norm", [&]<class T>() -> Tensor {
    return reduce_rows<T, T>(x, dims, keepdim, x.dtype(), [p, inf](const T* q, int64_t n) {
      double s = 0;
      for (int64_t i = 0; i < n; ++i) {
        const double v = std::abs(static_cast<double>(q[i]));
        if (inf) s = fn::max_keeping_nan(s, v);
        else s += p == 1.0 ? v : v * v;
      }
      return static_cast<T>(p == 2.0 ? std::sqrt(s) : s);
    });
  });
}

Tensor logsumexp(const Tensor& x, const Dims& dims_in, bool keepdim) {
  check_floating("logsumexp", x);
  const auto dims = dims_of(x, dims_in, "logsumexp");
  HG_ON_CUDA(x, cuda::logsumexp(x, dims, keepdim));
  require_cpu("logsumexp", x);
  return dispatch_float(x.dtype(), "logsumexp", [&]<class T>() -> Tensor {
    return reduce_rows<T, T>(x, dims, keepdim, x.dtype(), [](const T* q, int64_t n) {
      double m = -std::numeric_limits<double>::infinity();
      for (int64_t i = 0; i < n; ++i) m = fn::max_skipping_nan(m, static_cast<double>(q[i]));
      double s = 0;
      if (!std::isinf(m))
        for (int64_t i = 0; i < n; ++i) s += std::exp(static_cast<double>(q[i]) - m);
      return static_cast<T>(fn::logsumexp_from(m, s));
    });
  });
}

namespace {
template <bool IsMax>
ValuesIndices extreme(const Tensor& x, int64_t dim, bool keepdim, const char* what) {
  if (x.numel() == 0) throw std::invalid_argument(std::string(what) + ": empty tensor");
  const int64_t d = wrap_dim(dim, x.dim(), what);
  const std::vector<int64_t> dims = x.dim() ? std::vector<int64_t>{d} : std::vector<int64_t>{};
  ValuesIndices r;
#if HANDGRAD_WITH_CUDA
  if (x.device().is_cuda()) {
    r.values = cuda::extreme(x, dims, keepdim, IsMax, &r.indices);
    return r;
  }
#endif
  require_cpu(what, x);
  r.indices = dispatch_all(x.dtype(), what, [&]<class T>() -> Tensor {
    return reduce_rows<T, int64_t>(x, dims, keepdim, DType::i64, [](const T* q, int64_t n) {
      // the first NaN, else the first extreme (fn::ExtremeBetter)
      using C = compute_t<T>;
      int64_t best = 0;
      for (int64_t i = 1; i < n; ++i)
        if (fn::ExtremeBetter<IsMax>{}(static_cast<C>(q[i]), i, static_cast<C>(q[best]), best)) best = i;
      return best;
    });
  });
  // values = x gathered at the indices
  Rows rows = to_rows(x, dims);
  r.values = Tensor::empty(r.indices.sizes(), x.options());
  dispatch_all(x.dtype(), what, [&]<class T>() {
    const T* in = static_cast<const T*>(rows.data.raw_data());
    const int64_t* idx = r.indices.data<int64_t>();
    T* out = r.values.data<T>();
    for (int64_t i = 0; i < rows.rows; ++i) out[i] = in[i * rows.row_len + idx[i]];
  });
  return r;
}

template <bool IsMax>
Tensor extreme_all(const Tensor& x, const Dims& dims_in, bool keepdim, const char* what) {
  const auto dims = normalize_dims(dims_in, x.dim(), what);
  if (x.numel() == 0) throw std::invalid_argument(std::string(what) + ": empty tensor");
  HG_ON_CUDA(x, cuda::extreme(x, dims, keepdim, IsMax, nullptr));
  require_cpu(what, x);
  return dispatch_all(x.dtype(), what, [&]<class T>() -> Tensor {
    return reduce_rows<T, T>(x, dims, keepdim, x.dtype(), [](const T* q, int64_t n) {
      using C = compute_t<T>;
      int64_t best = 0;
      for (int64_t i = 1; i < n; ++i)
        if (fn::ExtremeBetter<IsMax>{}(static_cast<C>(q[i]), i, static_cast<C>(q[best]), best)) best = i;
      return q[best];
    });
  });
}
}  // namespace

ValuesIndices max(const Tensor& x, int64_t dim, bool keepdim) { return extreme<true>(x, dim, keepdim, "max"); }
ValuesIndices min(const Tensor& x, int64_t dim, bool keepdim) { return extreme<false>(x, dim, keepdim, "min"); }
Tensor argmax(const Tensor& x, int64_t dim, bool keepdim) { return max(x, dim, keepdim).indices; }
Tensor argmin(const Tensor& x, int64_t dim, bool keepdim) { return min(x, dim, keepdim).indices; }
Tensor amax(const Tensor& x, const Dims& dims, bool keepdim) { return extreme_all<true>(x, dims, keepdim, "amax"); }
Tensor amin(const Tensor& x, const Dims& dims, bool keepdim) { return extreme_all<false>(x, dims, keepdim, "amin"); }

namespace {
template <bool Reverse>
Tensor scan(const Tensor& x, int64_t dim, const char* what) {
  const int64_t d = wrap_dim(dim, x.dim(), what);
  if (x.dim() == 0) return clone(x);
  HG_ON_CUDA(x, cuda::scan(x, d, Reverse));
  require_cpu(what, x);
  // Move `dim` last, scan each row, move it back.
  std::vector<int64_t> perm;
  for (int64_t i = 0; i < x.dim(); ++i)
    if (i != d) perm.push_back(i);
  perm.push_back(d);
  Tensor c = contiguous(permute(x, perm));
  const DType out_dt = is_floating(x.dtype()) ? x.dtype() : DType::i64;
  Tensor out = Tensor::empty(c.sizes(), TensorOptions(out_dt));
  const int64_t len = x.size(d), rows = len ? x.numel() / len : 0;
  dispatch_all(x.dtype(), what, [&]<class T>() {
    using Acc = std::conditional_t<std::is_integral_v<T>, int64_t, double>;
    using Out = std::conditional_t<std::is_integral_v<T>, int64_t, T>;
    const T* in = static_cast<const T*>(c.raw_data());
    Out* o = static_cast<Out*>(out.raw_data());
#pragma omp parallel for schedule(static) if (x.numel() > 65536)
    for (int64_t r = 0; r < rows; ++r) {
      Acc s = 0;
      for (int64_t k = 0; k < len; ++k) {
        const int64_t i = Reverse ? len - 1 - k : k;
        s += static_cast<Acc>(in[r * len + i]);
        o[r * len + i] = static_cast<Out>(s);
      }
    }
  });
  std::vector<int64_t> inv(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) inv[perm[i]] = static_cast<int64_t>(i);
  return contiguous(permute(out, inv));
}
}  // namespace

Tensor cumsum(const Tensor& x, int64_t dim) { return scan<false>(x, dim, "cumsum"); }
Tensor reverse_cumsum(const Tensor& x, int64_t dim) { return scan<true>(x, dim, "reverse_cumsum"); }

Tensor sum_to(const Tensor& x, const Shape& shape) {
  if (x.sizes() == shape) return x;
  const int64_t lead = x.dim() - static_cast<int64_t>(shape.size());
  if (lead < 0)
    throw std::invalid_argument("sum_to: cannot reduce " + x.shape_string() + " to " + shape_str(shape));
  std::vector<int64_t> dims;
  for (int64_t d = 0; d < x.dim(); ++d) {
    if (d < lead) dims.push_back(d);
    else if (shape[d - lead] == 1 && x.size(d) != 1) dims.push_back(d);
    else if (shape[d - lead] != x.size(d))
      throw std::invalid_argument("sum_to: cannot reduce " + x.shape_string() + " to " + shape_str(shape));
  }
  if (dims.empty()) return reshape(x, shape);
  return reshape(sum(x, dims, true), shape);
}

}  // namespace hg::ops
