// Host side of the CUDA reductions: lay the input out as contiguous [rows, len] (reduced dims
// last, as ops/cpu/reduce.cpp does), allocate outputs and scratch on the device, call the
// launchers of ops/cuda/reduce_kernels.h. Nothing here waits for the device except all_finite.
#include "ops/cuda/reduce_cuda.h"

#include <cmath>

#include "ops/cuda/reduce_kernels.h"
#include "ops/cuda/reduce_plan.h"
#include "ops/cuda/tensor_args.h"
#include "ops/pointwise.h"
#include "ops/reduce.h"
#include "tensor/view.h"

namespace hg::cuda {
namespace {

struct Rows {
  Tensor data;  // contiguous [rows, len] on x's device
  RowsIn in;
  Tensor scratch;
  int device = 0;
  void* scratch_ptr() const { return scratch.defined() ? scratch.raw_data() : nullptr; }
};

Rows to_rows(const Tensor& x, const std::vector<int64_t>& dims) {
  std::vector<bool> reduced(x.dim(), false);
  for (int64_t d : dims) reduced[d] = true;
  std::vector<int64_t> perm;
  Rows r;
  r.in.rows = 1;
  r.in.len = 1;
  for (int64_t d = 0; d < x.dim(); ++d)
    if (!reduced[d]) perm.push_back(d), r.in.rows *= x.size(d);
  for (int64_t d : dims) perm.push_back(d), r.in.len *= x.size(d);
  r.data = ops::contiguous(x.dim() ? ops::permute(x, perm) : x);
  r.in.data = r.data.raw_data();
  r.in.dtype = r.data.dtype();
  r.device = x.device().index;
  const int64_t bytes = reduce_scratch_bytes(r.in.rows, r.in.len);
  if (bytes > 0) r.scratch = Tensor::empty({bytes}, TensorOptions(DType::u8, x.device()));
  return r;
}

Tensor output(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim, DType dtype) {
  return Tensor::empty(ops::reduced_shape(x.sizes(), dims, keepdim), TensorOptions(dtype, x.device()));
}

// One floating sum-family pass over `r` into out (x's dtype).
Tensor sum_pass(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim, const Rows& r, SumLoad load,
                SumFinish finish, const Tensor& param = Tensor(), int64_t correction = 0) {
  Tensor out = output(x, dims, keepdim, x.dtype());
  SumArgs a;
  a.in = r.in;
  a.load = load;
  a.finish = finish;
  a.row_param = param.defined() ? static_cast<const double*>(param.raw_data()) : nullptr;
  a.correction = correction;
  a.out = out.raw_data();
  launch_sum_rows(a, r.scratch_ptr(), r.device);
  return out;
}

// Per-row doubles on the device (the mean of var, the shift of logsumexp).
Tensor row_doubles(const Rows& r, const Tensor& x) { return Tensor::empty({r.in.rows}, TensorOptions(DType::f64, x.device())); }

}  // namespace

Tensor sum(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim) {
  if (x.dtype() == DType::boolean) return sum(ops::to_dtype(x, DType::i64), dims, keepdim);  // as the CPU
  if (is_floating(x.dtype())) return sum_pass(x, dims, keepdim, to_rows(x, dims), SumLoad::value, SumFinish::store);
  const Rows r = to_rows(x, dims);
  Tensor out = output(x, dims, keepdim, DType::i64);
  SumArgs a;
  a.in = r.in;
  a.out = out.raw_data();
  launch_sum_rows(a, r.scratch_ptr(), r.device);
  return out;
}

Tensor mean(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim) {
  return sum_pass(x, dims, keepdim, to_rows(x, dims), SumLoad::value, SumFinish::mean);
}

// Two passes like the CPU: the row means (double), then Σ(x − mean)².
Tensor var(const Tensor& x, const std::vector<int64_t>& dims, int64_t correction, bool keepdim) {
  const Rows r = to_rows(x, dims);
  Tensor means = row_doubles(r, x);
  SumArgs a;
  a.in = r.in;
  a.finish = SumFinish::mean_as_double;
  a.out = means.raw_data();
  launch_sum_rows(a, r.scratch_ptr(), r.device);
  return sum_pass(x, dims, keepdim, r, SumLoad::squared_deviation, SumFinish::variance, means, correction);
}

Tensor norm(const Tensor& x, double p, const std::vector<int64_t>& dims, bool keepdim) {
  const Rows r = to_rows(x, dims);
  if (p == 1.0) return sum_pass(x, dims, keepdim, r, SumLoad::absolute, SumFinish::store);
  if (p == 2.0) return sum_pass(x, dims, keepdim, r, SumLoad::square, SumFinish::sqrt);
  Tensor out = output(x, dims, keepdim, x.dtype());  // p = inf (checked by ops::norm)
  launch_max_rows(r.in, MaxKind::abs_keep_nan, out.raw_data(), r.scratch_ptr(), r.device);
  return out;
}

// m = the row's largest non-NaN value, then m + log Σ exp(x − m) (m itself when infinite).
Tensor logsumexp(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim) {
  const Rows r = to_rows(x, dims);
  Tensor shift = row_doubles(r, x);
  launch_max_rows(r.in, MaxKind::skip_nan_as_double, shift.raw_data(), r.scratch_ptr(), r.device);
  return sum_pass(x, dims, keepdim, r, SumLoad::exp_shifted, SumFinish::logsumexp, shift);
}

Tensor extreme(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim, bool is_max, Tensor* indices) {
  const Rows r = to_rows(x, dims);
  Tensor values = output(x, dims, keepdim, x.dtype());
  int64_t* index_ptr = nullptr;
  if (indices) {
    *indices = output(x, dims, keepdim, DType::i64);
    index_ptr = static_cast<int64_t*>(indices->raw_data());
  }
  launch_extreme_rows(r.in, is_max, values.raw_data(), index_ptr, r.scratch_ptr(), r.device);
  return values;
}

Tensor scan(const Tensor& x, int64_t dim, bool reverse) {
  const Tensor c = ops::contiguous(x);
  Tensor out = Tensor::empty(c.sizes(), TensorOptions(is_floating(x.dtype()) ? x.dtype() : DType::i64, x.device()));
  ScanArgs a;
  a.in = c.raw_data();
  a.dtype = c.dtype();
  a.outer = 1;
  a.len = 1;
  a.inner = 1;
  for (int64_t d = 0; d < c.dim(); ++d) (d < dim ? a.outer : d == dim ? a.len : a.inner) *= c.size(d);
  a.reverse = reverse;
  a.out = out.raw_data();
  launch_scan(a, x.device().index);
  return out;
}

bool all_finite(const Tensor& x) {
  if (!is_floating(x.dtype())) return true;
  Tensor flag = Tensor::empty({1}, TensorOptions(DType::i32, x.device()));
  ops::fill_(flag, 0.0);
  launch_flag_nonfinite(strided_arg(x), static_cast<int32_t*>(flag.raw_data()), x.device().index);
  return flag.item<int32_t>() == 0;  // the one synchronisation
}

}  // namespace hg::cuda
