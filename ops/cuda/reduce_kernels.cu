// Reduction kernels on contiguous [rows, len] input (see ops/cuda/reduce_plan.h for the split):
//   short rows   one thread per row folds its elements in order;
//   long rows    one block per (row, chunk): each thread folds the elements k ≡ tid (mod 256) of the
//                chunk, then a halving tree in shared memory; a second kernel combines the chunk
//                partials of each row the same way.
// No atomics, and the plan depends only on the shape, so every run combines in the same order.
// A reducer R supplies Acc, identity(), load(row, k), combine(a, b) and write(row, acc).
#include <algorithm>
#include <cmath>

#include "ops/cuda/check.h"
#include "ops/cuda/context.h"
#include "ops/cuda/launch.cuh"
#include "ops/cuda/reduce_kernels.h"
#include "ops/cuda/reduce_plan.h"
#include "ops/reduce_functors.h"

namespace hg::cuda {
namespace {

unsigned grid_for(int64_t work) { return static_cast<unsigned>(std::max<int64_t>(1, std::min<int64_t>(work, 1 << 20))); }

template <class R>
__device__ typename R::Acc block_reduce(const R& r, typename R::Acc v) {
  __shared__ typename R::Acc buf[kThreads];
  buf[threadIdx.x] = v;
  __syncthreads();
  for (int s = kThreads / 2; s > 0; s >>= 1) {
    if (static_cast<int>(threadIdx.x) < s) buf[threadIdx.x] = r.combine(buf[threadIdx.x], buf[threadIdx.x + s]);
    __syncthreads();
  }
  v = buf[0];
  __syncthreads();  // buf may be reused by the caller's next row
  return v;
}

template <class R>
__global__ void reduce_per_thread_kernel(R r, int64_t rows, int64_t len) {
  HG_GRID_STRIDE_LOOP(row, rows) {
    typename R::Acc a = r.identity();
    for (int64_t k = 0; k < len; ++k) a = r.combine(a, r.load(row, k));
    r.write(row, a);
  }
}

template <class R>
__global__ void reduce_block_kernel(R r, int64_t rows, int64_t len, int64_t chunk, int64_t chunks,
                                    typename R::Acc* partial) {
  const int64_t work = rows * chunks;
  for (int64_t w = blockIdx.x; w < work; w += gridDim.x) {  // uniform per block: __syncthreads is safe
    const int64_t row = w / chunks, begin = (w % chunks) * chunk;
    const int64_t end = begin + chunk < len ? begin + chunk : len;
    typename R::Acc a = r.identity();
    for (int64_t k = begin + threadIdx.x; k < end; k += blockDim.x) a = r.combine(a, r.load(row, k));
    a = block_reduce(r, a);
    if (threadIdx.x == 0) {
      if (chunks == 1) r.write(row, a);
      else partial[w] = a;
    }
  }
}

template <class R>
__global__ void reduce_partials_kernel(R r, int64_t rows, int64_t chunks, const typename R::Acc* partial) {
  for (int64_t row = blockIdx.x; row < rows; row += gridDim.x) {
    typename R::Acc a = r.identity();
    for (int64_t c = threadIdx.x; c < chunks; c += blockDim.x) a = r.combine(a, partial[row * chunks + c]);
    a = block_reduce(r, a);
    if (threadIdx.x == 0) r.write(row, a);
  }
}

template <class R>
void run_reduce(const R& r, int64_t rows, int64_t len, void* scratch, int device) {
  if (rows == 0) return;
  DeviceGuard guard(device);
  cudaStream_t s = stream(device);
  const ReducePlan p = plan_reduce(len);
  if (p.per_thread) {
    reduce_per_thread_kernel<<<blocks_for(rows), kThreads, 0, s>>>(r, rows, len);
    HG_CUDA_CHECK_LAUNCH();
    return;
  }
  using Acc = typename R::Acc;
  static_assert(sizeof(Acc) <= kMaxAccBytes, "reduce_plan.h: kMaxAccBytes too small");
  Acc* partial = static_cast<Acc*>(scratch);
  if (p.chunks > 1 && !partial) throw std::logic_error("reduce: missing scratch for a chunked reduction");
  reduce_block_kernel<<<grid_for(rows * p.chunks), kThreads, 0, s>>>(r, rows, len, p.chunk, p.chunks, partial);
  HG_CUDA_CHECK_LAUNCH();
  if (p.chunks > 1) {
    reduce_partials_kernel<<<grid_for(rows), kThreads, 0, s>>>(r, rows, p.chunks, partial);
    HG_CUDA_CHECK_LAUNCH();
  }
}

// ---- reducers ----

// Σ load(x) in double, then finish; T floating.
template <class T>
struct FloatSumReducer {
  using Acc = double;
  const T* in;
  int64_t len;
  SumLoad load_kind;
  SumFinish finish_kind;
  const double* param;
  int64_t correction;
  void* out;

  __device__ Acc identity() const { return 0.0; }
  __device__ Acc combine(Acc a, Acc b) const { return a + b; }
  __device__ Acc load(int64_t row, int64_t k) const {
    const double v = static_cast<double>(to_compute(in[row * len + k]));
    switch (load_kind) {
      case SumLoad::value: return v;
      case SumLoad::squared_deviation: { const double d = v - param[row]; return d * d; }
      case SumLoad::absolute: return fabs(v);
      case SumLoad::square: return v * v;
      case SumLoad::exp_shifted: return exp(v - param[row]);
    }
    return v;
  }
  __device__ void write(int64_t row, Acc a) const {
    double r = a;
    switch (finish_kind) {
      case SumFinish::store: break;
      case SumFinish::mean: r = a / static_cast<double>(len); break;
      case SumFinish::variance: r = fn::variance_from(a, len, correction); break;
      case SumFinish::sqrt: r = sqrt(a); break;
      case SumFinish::logsumexp: r = fn::logsumexp_from(param[row], a); break;
      case SumFinish::mean_as_double: static_cast<double*>(out)[row] = a / static_cast<double>(len); return;
    }
    static_cast<T*>(out)[row] = store_as<T>::from(r);
  }
};

// Σ x in int64 for integer input.
template <class T>
struct IntSumReducer {
  using Acc = int64_t;
  const T* in;
  int64_t len;
  int64_t* out;
  __device__ Acc identity() const { return 0; }
  __device__ Acc combine(Acc a, Acc b) const { return a + b; }
  __device__ Acc load(int64_t row, int64_t k) const { return static_cast<int64_t>(in[row * len + k]); }
  __device__ void write(int64_t row, Acc a) const { out[row] = a; }
};

template <class T>
struct MaxReducer {
  using Acc = double;
  const T* in;
  int64_t len;
  MaxKind kind;
  void* out;
  __device__ Acc identity() const { return kind == MaxKind::skip_nan_as_double ? -INFINITY : 0.0; }
  __device__ Acc combine(Acc a, Acc b) const {
    return kind == MaxKind::skip_nan_as_double ? fn::max_skipping_nan(a, b) : fn::max_keeping_nan(a, b);
  }
  __device__ Acc load(int64_t row, int64_t k) const {
    const double v = static_cast<double>(to_compute(in[row * len + k]));
    return kind == MaxKind::abs_keep_nan ? fabs(v) : v;
  }
  __device__ void write(int64_t row, Acc a) const {
    if (kind == MaxKind::skip_nan_as_double) static_cast<double*>(out)[row] = a;
    else static_cast<T*>(out)[row] = store_as<T>::from(a);
  }
};

template <class C>
struct ExtremeAcc {
  C value;
  int64_t index;  // -1: no element yet
};

template <class T, bool IsMax>
struct ExtremeReducer {
  using C = compute_of_t<T>;
  using Acc = ExtremeAcc<C>;
  const T* in;
  int64_t len;
  T* values;
  int64_t* indices;
  __device__ Acc identity() const { return Acc{C(0), -1}; }
  __device__ Acc combine(Acc a, Acc b) const {
    if (b.index < 0) return a;
    if (a.index < 0) return b;
    return fn::ExtremeBetter<IsMax>{}(b.value, b.index, a.value, a.index) ? b : a;
  }
  __device__ Acc load(int64_t row, int64_t k) const { return Acc{to_compute(in[row * len + k]), k}; }
  __device__ void write(int64_t row, Acc a) const {
    if (values) values[row] = in[row * len + a.index];  // the element itself: NaN payloads and -0 kept
    if (indices) indices[row] = a.index;
  }
};

// ---- scan and finiteness ----

template <class T, class Acc, class Out>
__global__ void scan_kernel(const T* in, Out* out, int64_t outer, int64_t len, int64_t inner, bool reverse) {
  HG_GRID_STRIDE_LOOP(line, outer * inner) {
    const int64_t base = (line / inner) * len * inner + line % inner;
    Acc s = 0;
    for (int64_t k = 0; k < len; ++k) {
      const int64_t at = base + (reverse ? len - 1 - k : k) * inner;
      s += static_cast<Acc>(to_compute(in[at]));
      out[at] = store_as<Out>::from(s);
    }
  }
}

template <class T>
__global__ void nonfinite_kernel(StridedArg x, int32_t* flag) {
  const T* p = static_cast<const T*>(x.data);
  HG_GRID_STRIDE_LOOP(i, x.numel) {
    if (!fn::is_finite(to_compute(p[element_offset(x, i)]))) *flag = 1;  // every writer stores 1: no race on the value
  }
}

// Integer dtypes of the sums and scans (bool is widened to i64 by the caller for sums).
template <class Body>
bool dispatch_integer(DType dt, Body&& body) {
  switch (dt) {
    case DType::i32: body(int32_t{}); return true;
    case DType::i64: body(int64_t{}); return true;
    case DType::u8: body(uint8_t{}); return true;
    case DType::boolean: body(bool{}); return true;
    default: return false;
  }
}

}  // namespace

void launch_sum_rows(const SumArgs& a, void* scratch, int device) {
  const bool integer = dispatch_integer(a.in.dtype, [&](auto tag) {
    using T = decltype(tag);
    IntSumReducer<T> r{static_cast<const T*>(a.in.data), a.in.len, static_cast<int64_t*>(a.out)};
    run_reduce(r, a.in.rows, a.in.len, scratch, device);
  });
  if (integer) return;
  dispatch_device_float(a.in.dtype, "sum", [&](auto tag) {
    using T = decltype(tag);
    FloatSumReducer<T> r{static_cast<const T*>(a.in.data), a.in.len, a.load, a.finish, a.row_param, a.correction,
                         a.out};
    run_reduce(r, a.in.rows, a.in.len, scratch, device);
  });
}

void launch_max_rows(const RowsIn& in, MaxKind kind, void* out, void* scratch, int device) {
  dispatch_device_float(in.dtype, "max", [&](auto tag) {
    using T = decltype(tag);
    MaxReducer<T> r{static_cast<const T*>(in.data), in.len, kind, out};
    run_reduce(r, in.rows, in.len, scratch, device);
  });
}

void launch_extreme_rows(const RowsIn& in, bool is_max, void* values, int64_t* indices, void* scratch, int device) {
  dispatch_device_all(in.dtype, is_max ? "max" : "min", [&](auto tag) {
    using T = decltype(tag);
    const T* p = static_cast<const T*>(in.data);
    if (is_max) run_reduce(ExtremeReducer<T, true>{p, in.len, static_cast<T*>(values), indices}, in.rows, in.len, scratch, device);
    else run_reduce(ExtremeReducer<T, false>{p, in.len, static_cast<T*>(values), indices}, in.rows, in.len, scratch, device);
  });
}

void launch_scan(const ScanArgs& a, int device) {
  const int64_t lines = a.outer * a.inner;
  if (lines == 0 || a.len == 0) return;
  DeviceGuard guard(device);
  cudaStream_t s = stream(device);
  const bool integer = dispatch_integer(a.dtype, [&](auto tag) {
    using T = decltype(tag);
    scan_kernel<T, int64_t, int64_t><<<blocks_for(lines), kThreads, 0, s>>>(
        static_cast<const T*>(a.in), static_cast<int64_t*>(a.out), a.outer, a.len, a.inner, a.reverse);
  });
  if (!integer) {
    dispatch_device_float(a.dtype, "cumsum", [&](auto tag) {
      using T = decltype(tag);
      scan_kernel<T, double, T><<<blocks_for(lines), kThreads, 0, s>>>(static_cast<const T*>(a.in), static_cast<T*>(a.out),
                                                                      a.outer, a.len, a.inner, a.reverse);
    });
  }
  HG_CUDA_CHECK_LAUNCH();
}

void launch_flag_nonfinite(const StridedArg& x, int32_t* flag, int device) {
  if (x.numel == 0) return;
  DeviceGuard guard(device);
  cudaStream_t s = stream(device);
  dispatch_device_float(x.dtype, "all_finite", [&](auto tag) {
    using T = decltype(tag);
    nonfinite_kernel<T><<<blocks_for(x.numel), kThreads, 0, s>>>(x, flag);
  });
  HG_CUDA_CHECK_LAUNCH();
}

}  // namespace hg::cuda
