// Matrix products: deep, large f32 ones on handgrad's own GEMM (ops/cpu/gemm_f32.h, which reads any
// strides; see own_gemm_suits), the rest and f64 (the gradcheck dtype) on Eigen's, where a strided
// matrix is mapped without copying when one of its two last strides is 1 (row-major or column-major
// with an outer stride) and copied otherwise.
// Small matrices in large batches run one GEMM per thread; large ones use all threads themselves.
#include <Eigen/Core>
#include <type_traits>

#include "ops/cpu/gemm_f32.h"
#include "ops/cuda/dispatch.h"
#include "ops/device_check.h"
#include "ops/linalg.h"
#include "ops/pointwise.h"
#include "tensor/view.h"

#if HANDGRAD_WITH_CUDA
#include "ops/cuda/linalg_cuda.h"
#endif

namespace hg::ops {
namespace {

template <class T>
using RowMat = Eigen::Map<const Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>, 0, Eigen::OuterStride<>>;
template <class T>
using ColMat = Eigen::Map<const Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::ColMajor>, 0, Eigen::OuterStride<>>;
template <class T>
using OutMat = Eigen::Map<Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>;

// Makes the last two dims GEMM-friendly (one of them unit-stride), copying only if needed.
Tensor gemm_operand(const Tensor& t) {
  const int64_t d = t.dim();
  if (t.stride(d - 1) == 1 || t.size(d - 1) == 1 || t.stride(d - 2) == 1 || t.size(d - 2) == 1) return t;
  return contiguous(t);
}

// Which f32 products run on handgrad's GEMM: deep and large ones (a classifier layer's forward and
// input gradient). Measured on 2 cores (a shared, noisy host): 32x512x1000 in 0.61-0.79 ms against
// Eigen's 0.81 ms, 32x1000x512 in 0.65 ms against 0.97; but Eigen was faster on shallow products
// (1000x32x512: 0.61 ms against 0.76) and on tiny ones (16x256x12: 4 us against 8, where packing
// overhead dominates), so those stay on Eigen.
bool own_gemm_suits(int64_t n, int64_t k, int64_t m) { return k >= 256 && n * m * k >= (int64_t{1} << 20); }

// f32 on handgrad's GEMM, which reads both operands through their strides as they are. Several
// matrices are computed one per thread (parallel = false), a single one with all threads.
void gemm_one_f32(const Tensor& a, int64_t oa, const Tensor& b, int64_t ob, float* c, int64_t n, int64_t k,
                  int64_t m, bool parallel) {
  namespace gm = cpu::gemm;
  const int64_t d = a.dim();
  const float* pa = static_cast<const float*>(a.storage()->data()) + oa;
  const float* pb = static_cast<const float*>(b.storage()->data()) + ob;
  const gm::View va{pa, gm::Axis::plain(a.stride(d - 2)), gm::Axis::plain(a.stride(d - 1))};
  const gm::View vb{pb, gm::Axis::plain(b.stride(d - 2)), gm::Axis::plain(b.stride(d - 1))};
  const gm::Out out{c, m};
  if (!parallel) return gm::gemm(n, m, k, va, vb, out, false);
  thread_local gm::PackedA packed;
  packed.pack(n, k, va, true);
  gm::gemm_parallel(m, packed, vb, out, false);
}

// C = A B for one matrix pair at element offsets oa, ob.
template <class T>
void gemm_one(const Tensor& a, int64_t oa, const Tensor& b, int64_t ob, T* c, int64_t n, int64_t k, int64_t m) {
  const int64_t d = a.dim();
  const T* pa = static_cast<const T*>(a.storage()->data()) + oa;
  const T* pb = static_cast<const T*>(b.storage()->data()) + ob;
  OutMat<T> C(c, n, m);
  auto with_b = [&](const auto& A) {
    const bool b_row = b.stride(d - 1) == 1 || b.size(d - 1) == 1;
    if (b_row) C.noalias() = A * RowMat<T>(pb, k, m, Eigen::OuterStride<>(std::max<int64_t>(b.stride(d - 2), m)));
    else C.noalias() = A * ColMat<T>(pb, k, m, Eigen::OuterStride<>(std::max<int64_t>(b.stride(d - 1), k)));
  };
  const bool a_row = a.stride(d - 1) == 1 || a.size(d - 1) == 1;
  if (a_row) with_b(RowMat<T>(pa, n, k, Eigen::OuterStride<>(std::max<int64_t>(a.stride(d - 2), k))));
  else with_b(ColMat<T>(pa, n, k, Eigen::OuterStride<>(std::max<int64_t>(a.stride(d - 1), n))));
}

template <class T>
Tensor matmul_typed(const Tensor& a0, const Tensor& b0) {
  const int64_t n = a0.size(-2), k = a0.size(-1), m = b0.size(-1);
  Shape batch_a(a0.sizes().begin(), a0.sizes().end() - 2), batch_b(b0.sizes().begin(), b0.sizes().end() - 2);
  const Shape batch = broadcast_shapes(batch_a, batch_b, "matmul (batch dims)");
  Shape full_a = batch, full_b = batch, out_shape = batch;
  full_a.insert(full_a.end(), {n, k});
  full_b.insert(full_b.end(), {k, m});
  out_shape.insert(out_shape.end(), {n, m});
  const Tensor a = gemm_operand(expand(a0, full_a)), b = gemm_operand(expand(b0, full_b));
  Tensor out = Tensor::empty(out_shape, a0.options());
  const int64_t batches = shape_numel(batch);
  if (out.numel() == 0) return out;
  if (k == 0) {
    fill_(out, 0.0);
    return out;
  }
  auto offset_of = [&](const Tensor& t, int64_t bi) {
    int64_t off = t.offset();
    for (int64_t d = static_cast<int64_t>(batch.size()) - 1; d >= 0; --d) {
      off += (bi % batch[d]) * t.stride(d);
      bi /= batch[d];
    }
    return off;
  };
  T* c = out.data<T>();
  const bool per_thread = batches >= 4 && n * k * m < 256 * 256 * 256;
  bool own = false;
  if constexpr (std::is_same_v<T, float>) own = own_gemm_suits(n, k, m);
#pragma omp parallel for schedule(static) if (per_thread)
  for (int64_t bi = 0; bi < batches; ++bi) {
    T* ci = c + bi * n * m;
    if constexpr (std::is_same_v<T, float>)
      if (own) {
        gemm_one_f32(a, offset_of(a, bi), b, offset_of(b, bi), ci, n, k, m, !per_thread);
        continue;
      }
    gemm_one<T>(a, offset_of(a, bi), b, offset_of(b, bi), ci, n, k, m);
  }
  return out;
}

}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b) {
  check_same_device("matmul", a, b);
  if (a.dim() < 2 || b.dim() < 2)
    throw std::invalid_argument("matmul: operands need >= 2 dims, got " + a.shape_string() + " and " + b.shape_string());
  if (a.size(-1) != b.size(-2))
    throw std::invalid_argument("matmul: shapes " + a.shape_string() + " and " + b.shape_string() +
                                " do not chain (inner sizes " + std::to_string(a.size(-1)) + " vs " +
                                std::to_string(b.size(-2)) + ")");
  const DType dt = promote_types(a.dtype(), b.dtype());
  if (!is_floating(dt)) throw std::invalid_argument(std::string("matmul: unsupported dtype ") + dtype_name(dt));
  HG_ON_CUDA(a, cuda::matmul(to_dtype(a, dt), to_dtype(b, dt)));
  require_cpu("matmul", a, b);
  if (dt == DType::f64) return matmul_typed<double>(to_dtype(a, dt), to_dtype(b, dt));
  if (dt == DType::f32) return matmul_typed<float>(a, b);
  if (dt == DType::f16 || dt == DType::bf16)  // accumulate in f32, store in the low-precision type
    return to_dtype(matmul_typed<float>(to_dtype(a, DType::f32), to_dtype(b, DType::f32)), dt);
  throw std::invalid_argument(std::string("matmul: unsupported dtype ") + dtype_name(dt));
}

Tensor linear(const Tensor& x, const Tensor& w, const Tensor& bias) {
  if (w.dim() != 2) throw std::invalid_argument("linear: weight must be [out, in], got " + w.shape_string());
  if (x.dim() < 1 || x.size(-1) != w.size(1))
    throw std::invalid_argument("linear: input " + x.shape_string() + " does not match weight " + w.shape_string());
  if (bias.defined() && (bias.dim() != 1 || bias.size(0) != w.size(0)))
    throw std::invalid_argument("linear: bias " + bias.shape_string() + " does not match weight " + w.shape_string());
  check_same_device("linear", x, w);
  if (bias.defined()) check_same_device("linear", x, bias);
  const DType dt = promote_types(x.dtype(), w.dtype());
  if (!is_floating(dt)) throw std::invalid_argument(std::string("linear: unsupported dtype ") + dtype_name(dt));
  HG_ON_CUDA(x, cuda::linear(to_dtype(x, dt), w, bias));
  Shape lead(x.sizes().begin(), x.sizes().end() - 1);
  Tensor x2 = reshape(x, {-1, x.size(-1)});
  Tensor y = matmul(x2, transpose(w, 0, 1));
  if (bias.defined()) add_(y, bias);
  lead.push_back(w.size(0));
  return reshape(y, lead);
}

}  // namespace hg::ops
