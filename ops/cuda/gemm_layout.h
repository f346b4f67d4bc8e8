// How a row-major matmul on strided tensors becomes one column-major cuBLAS call (no CUDA headers:
// pure integer logic, tested on the CPU in tests/gpu/test_linalg_gpu.cpp).
//
// cuBLAS is column-major. A row-major [r, c] matrix with row stride ld is, read column-major, its
// transpose [c, r] with leading dimension ld. So row-major C = A·B is column-major Cᵀ = Bᵀ·Aᵀ:
// cuBLAS gets B's memory as its first operand and A's as its second, with M = m, N = n, K = k,
// and C's memory (row-major [n, m], ldc = m) as its column-major [m, n] output. An operand stored
// column-major (a transposed view: unit row stride) is passed as-is with the transpose flag set.
#pragma once
#include <cstdint>
#include <optional>

namespace hg::cuda::gemm {

// One [rows, cols] matrix given by its two strides, as cuBLAS can read it without a copy.
struct MatrixLayout {
  bool ok = false;         // false: the strides are not BLAS-compatible (copy it first)
  bool row_major = true;   // unit column stride (else unit row stride)
  int64_t ld = 1;          // leading dimension: row stride if row-major, column stride otherwise
};

// A size-1 dim's stride is irrelevant; the leading dimension must cover the contiguous extent
// (ld >= cols for row-major, >= rows for column-major), as BLAS requires.
inline MatrixLayout matrix_layout(int64_t rows, int64_t cols, int64_t row_stride, int64_t col_stride) {
  const int64_t min_row_ld = cols > 1 ? cols : 1, min_col_ld = rows > 1 ? rows : 1;
  if ((cols == 1 || col_stride == 1) && (rows == 1 || row_stride >= min_row_ld))
    return {true, true, rows == 1 ? min_row_ld : row_stride};
  if ((rows == 1 || row_stride == 1) && (cols == 1 || col_stride >= min_col_ld))
    return {true, false, cols == 1 ? min_col_ld : col_stride};
  return {};
}

// The single stride that steps through the batch dims in row-major order (batch index i sits at
// offset i · stride), or nullopt when the dims do not form one arithmetic progression (e.g. a
// broadcast dim outside a real one). Size-1 dims are ignored; no batch (or all size 1) gives 0.
inline std::optional<int64_t> uniform_batch_stride(const int64_t* sizes, const int64_t* strides, int ndim) {
  int64_t step = 0, inner = 1;
  bool first = true;
  for (int d = ndim - 1; d >= 0; --d) {
    if (sizes[d] == 1) continue;
    if (first) {
      step = strides[d];
      first = false;
    } else if (strides[d] != step * inner) {
      return std::nullopt;
    }
    inner *= sizes[d];
  }
  return step;
}

// Arguments of the column-major call computing row-major C [n, m] = A [n, k] · B [k, m].
struct ColumnMajorCall {
  bool transpose_first = false, transpose_second = false;  // op flags of cuBLAS's A (= B) and B (= A)
  int64_t m = 0, n = 0, k = 0;                              // cuBLAS M, N, K
  int64_t ld_first = 1, ld_second = 1, ldc = 1;
};

inline ColumnMajorCall column_major_call(int64_t n, int64_t k, int64_t m, const MatrixLayout& a,
                                         const MatrixLayout& b) {
  ColumnMajorCall c;
  c.m = m;
  c.n = n;
  c.k = k;
  // First operand must act as Bᵀ [m, k]: row-major B already reads as Bᵀ; column-major B reads as
  // B [k, m] and needs the transpose flag. Likewise the second operand acts as Aᵀ [k, n].
  c.transpose_first = !b.row_major;
  c.ld_first = b.ld;
  c.transpose_second = !a.row_major;
  c.ld_second = a.ld;
  c.ldc = m > 1 ? m : 1;
  return c;
}

}  // namespace hg::cuda::gemm
