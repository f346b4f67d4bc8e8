// matmul and linear on cuBLAS: one cublasGemmStridedBatchedEx_64 call per product, queued on the
// device's stream. The row-major -> column-major mapping and the stride analysis are in
// ops/cuda/gemm_layout.h. Operands are passed without copies when their matrices have a unit stride
// (transposed views become the transpose flag) and their batch dims step by one stride (a
// broadcast operand gets stride 0); otherwise that operand is made contiguous first.
#include <cublas_v2.h>

#include <stdexcept>
#include <string>

#include "ops/cuda/check.h"
#include "ops/cuda/context.h"
#include "ops/cuda/copy_kernels.h"
#include "ops/cuda/gemm_layout.h"
#include "ops/cuda/linalg_cuda.h"
#include "ops/cuda/math_options.h"
#include "ops/cuda/tensor_args.h"
#include "tensor/view.h"

namespace hg::cuda {
namespace {

// A batched matrix operand as cuBLAS sees it.
struct Operand {
  Tensor keep;  // holds the memory (the input itself, or its contiguous copy)
  gemm::MatrixLayout layout;
  int64_t batch_stride = 0;
};

// t is [batch..., rows, cols] (already expanded to the full batch shape).
Operand gemm_operand(const Tensor& t) {
  const int64_t d = t.dim(), rows = t.size(d - 2), cols = t.size(d - 1);
  const int nb = static_cast<int>(d - 2);
  Operand o;
  o.layout = gemm::matrix_layout(rows, cols, t.stride(d - 2), t.stride(d - 1));
  const std::optional<int64_t> step = gemm::uniform_batch_stride(t.sizes().data(), t.strides().data(), nb);
  if (o.layout.ok && step) {
    o.keep = t;
    o.batch_stride = *step;
    return o;
  }
  o.keep = ops::contiguous(t);
  o.layout = gemm::matrix_layout(rows, cols, cols, 1);
  o.batch_stride = rows * cols;
  return o;
}

cudaDataType cuda_type(DType dt) {
  switch (dt) {
    case DType::f32: return CUDA_R_32F;
    case DType::f64: return CUDA_R_64F;
    case DType::f16: return CUDA_R_16F;
    case DType::bf16: return CUDA_R_16BF;
    default: break;
  }
  throw std::invalid_argument(std::string("cuda gemm: unsupported dtype ") + dtype_name(dt));
}

// f64 computes in f64; f32 in f32 (TF32 tensor cores only when allowed); f16/bf16 on tensor cores
// with f32 accumulation. The scaling factors have the compute type's precision.
cublasComputeType_t compute_type(DType dt) {
  if (dt == DType::f64) return CUBLAS_COMPUTE_64F;
  if (dt == DType::f32 && math_options().allow_tf32) return CUBLAS_COMPUTE_32F_FAST_TF32;
  return CUBLAS_COMPUTE_32F;
}

// c [batches, n, m] (contiguous) = a · b (+ c when accumulate): a [batches, n, k], b [batches, k, m].
void gemm_into(const Operand& a, const Operand& b, const Tensor& c, int64_t batches, int64_t n, int64_t k,
               int64_t m, bool accumulate) {
  const DType dt = c.dtype();
  const int device = c.device().index;
  const gemm::ColumnMajorCall call = gemm::column_major_call(n, k, m, a.layout, b.layout);
  const double alpha64 = 1.0, beta64 = accumulate ? 1.0 : 0.0;
  const float alpha32 = 1.0f, beta32 = accumulate ? 1.0f : 0.0f;
  const bool f64 = dt == DType::f64;
  const cudaDataType type = cuda_type(dt);
  DeviceGuard guard(device);
  cublasHandle_t handle = cublas(device);
  HG_CUBLAS_CHECK(cublasGemmStridedBatchedEx_64(
      handle, call.transpose_first ? CUBLAS_OP_T : CUBLAS_OP_N, call.transpose_second ? CUBLAS_OP_T : CUBLAS_OP_N,
      call.m, call.n, call.k, f64 ? static_cast<const void*>(&alpha64) : &alpha32, b.keep.raw_data(), type,
      call.ld_first, b.batch_stride, a.keep.raw_data(), type, call.ld_second, a.batch_stride,
      f64 ? static_cast<const void*>(&beta64) : &beta32, c.raw_data(), type, call.ldc, n * m, batches,
      compute_type(dt), CUBLAS_GEMM_DEFAULT));
}

void require_gemm_dtype(const char* what, const Tensor& t) {
  if (!is_floating(t.dtype()))
    throw std::invalid_argument(std::string(what) + ": expected a floating dtype, got " + dtype_name(t.dtype()));
}

}  // namespace

Tensor matmul(const Tensor& a0, const Tensor& b0) {
  require_gemm_dtype("matmul", a0);
  const DType dt = a0.dtype();
  const Tensor b1 = ops::to_dtype(b0, dt);
  const int64_t n = a0.size(-2), k = a0.size(-1), m = b1.size(-1);
  const Shape batch_a(a0.sizes().begin(), a0.sizes().end() - 2), batch_b(b1.sizes().begin(), b1.sizes().end() - 2);
  const Shape batch = broadcast_shapes(batch_a, batch_b, "matmul (batch dims)");
  Shape full_a = batch, full_b = batch, out_shape = batch;
  full_a.insert(full_a.end(), {n, k});
  full_b.insert(full_b.end(), {k, m});
  out_shape.insert(out_shape.end(), {n, m});
  Tensor out = Tensor::empty(out_shape, TensorOptions(dt, a0.device()));
  if (out.numel() == 0) return out;
  if (k == 0) {  // an empty sum
    launch_fill(strided_arg(out), 0.0, a0.device().index);
    return out;
  }
  const Operand a = gemm_operand(ops::expand(a0, full_a)), b = gemm_operand(ops::expand(b1, full_b));
  gemm_into(a, b, out, shape_numel(batch), n, k, m, /*accumulate=*/false);
  return out;
}

Tensor linear(const Tensor& x, const Tensor& w, const Tensor& bias) {
  require_gemm_dtype("linear", x);
  const DType dt = x.dtype();
  const int64_t in = w.size(1), outs = w.size(0);
  const Tensor x2 = ops::reshape(x, {-1, in});
  const int64_t rows = x2.size(0);
  Shape out_shape(x.sizes().begin(), x.sizes().end() - 1);
  out_shape.push_back(outs);
  Tensor y = Tensor::empty({rows, outs}, TensorOptions(dt, x.device()));
  if (y.numel() > 0) {
    const int device = x.device().index;
    const bool with_bias = bias.defined();
    if (with_bias)  // every row starts as the bias; the GEMM adds x·wᵀ onto it
      launch_strided_copy(strided_arg(y), strided_arg(ops::expand(bias, {rows, outs})), device);
    if (in == 0) {
      if (!with_bias) launch_fill(strided_arg(y), 0.0, device);
    } else {
      const Operand a = gemm_operand(x2), b = gemm_operand(ops::transpose(ops::to_dtype(w, dt), 0, 1));
      gemm_into(a, b, y, 1, rows, in, outs, with_bias);
    }
  }
  return ops::reshape(y, out_shape);
}

}  // namespace hg::cuda
