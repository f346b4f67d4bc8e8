// Launchers of the CUDA reduction kernels (ops/cuda/reduce_kernels.cu). Plain structs, no CUDA
// types; every input is a contiguous [rows, len] block (ops/cuda/reduce_cuda.cpp permutes first)
// and every output a contiguous [rows] array. Work is queued on the device's stream.
#pragma once
#include <cstdint>

#include "ops/cuda/kernel_args.h"

namespace hg::cuda {

struct RowsIn {
  const void* data = nullptr;
  DType dtype = DType::f32;
  int64_t rows = 0, len = 0;
};

// Σ over a row of load(x) accumulated in double, then finish(Σ) stored as the input's (floating) dtype.
enum class SumLoad : int { value, squared_deviation, absolute, square, exp_shifted };
enum class SumFinish : int {
  store,           // Σ
  mean,            // Σ / len
  variance,        // fn::variance_from(Σ, len, correction)
  sqrt,            // √Σ
  logsumexp,       // fn::logsumexp_from(row_param, Σ)
  mean_as_double,  // Σ / len into a double array (the row means var needs)
};
struct SumArgs {
  RowsIn in;
  SumLoad load = SumLoad::value;
  SumFinish finish = SumFinish::store;
  const double* row_param = nullptr;  // the row's mean (squared_deviation) or shift (exp_shifted, logsumexp)
  int64_t correction = 0;
  void* out = nullptr;
};
// Floating input: as above. i32/i64/u8 input: int64 sums into an int64 `out` (load/finish unused).
void launch_sum_rows(const SumArgs& args, void* scratch, int device);

// Row maxima in double: of x skipping NaN (logsumexp's shift, into a double array), or of |x| with
// NaN winning (the infinity norm, stored as the input's dtype).
enum class MaxKind : int { skip_nan_as_double, abs_keep_nan };
void launch_max_rows(const RowsIn& in, MaxKind kind, void* out, void* scratch, int device);

// max/min with indices (fn::ExtremeBetter): values (input dtype) and/or int64 indices; either may be null.
void launch_extreme_rows(const RowsIn& in, bool is_max, void* values, int64_t* indices, void* scratch, int device);

// Inclusive scan of contiguous [outer, len, inner] along len, one thread per (outer, inner) line:
// double accumulation stored as the (floating) input dtype, or int64 for integer/bool input.
struct ScanArgs {
  const void* in = nullptr;
  DType dtype = DType::f32;
  int64_t outer = 0, len = 0, inner = 0;
  bool reverse = false;
  void* out = nullptr;
};
void launch_scan(const ScanArgs& args, int device);

// *flag = 1 if any element of the floating tensor x is inf or NaN (flag must start at 0).
void launch_flag_nonfinite(const StridedArg& x, int32_t* flag, int device);

}  // namespace hg::cuda
