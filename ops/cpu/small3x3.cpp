// Batched 3x3 determinant, inverse, cofactors (per-matrix formulas: ops/small3x3_functors.h, shared
// with the CUDA kernels of ops/cuda/small3x3_kernels.cu) and the 3-vector cross product
//   a x b = (a1 b2 - a2 b1, a2 b0 - a0 b2, a0 b1 - a1 b0).
#include <cmath>

#include "ops/cuda/small3x3_cuda.h"
#include "ops/device_check.h"
#include "ops/linalg.h"
#include "ops/pointwise.h"
#include "ops/small3x3_functors.h"
#include "tensor/view.h"

namespace hg::ops {
namespace {

void check_3x3(const char* what, const Tensor& a) {
  if (a.dim() < 2 || a.size(-1) != 3 || a.size(-2) != 3)
    throw std::invalid_argument(std::string(what) + ": expected [..., 3, 3], got " + a.shape_string());
  check_floating(what, a);
}

// Runs fn::apply_small3x3 over the batch of 3x3 matrices in double (on a's device), then converts
// back to a's dtype. A singular matrix under inverse3 throws naming its batch index.
Tensor per_matrix(const char* what, fn::Small3x3 op, const Tensor& a, const Shape& out_shape) {
  check_3x3(what, a);
  Tensor in = contiguous(to_dtype(a, DType::f64));
  Tensor out = Tensor::empty(out_shape, TensorOptions(DType::f64, a.device()));
  const int64_t batches = a.numel() / 9, per = fn::small3x3_outputs(op);
  int64_t singular = -1;  // the first singular matrix's batch index
#if HANDGRAD_WITH_CUDA
  if (a.device().is_cuda()) singular = cuda::small3x3_into(op, out, in);
#endif
  if (!a.device().is_cuda()) {
    require_cpu(what, a);
    const double* p = in.data<double>();
    double* o = out.data<double>();
    for (int64_t i = 0; i < batches && singular < 0; ++i)
      if (!fn::apply_small3x3(op, p + 9 * i, o + per * i)) singular = i;
  }
  if (singular >= 0)
    throw std::invalid_argument(std::string(what) + ": matrix " + std::to_string(singular) + " of the batch is singular");
  return to_dtype(out, a.dtype());
}

Shape matrix_shape(const Tensor& a) { return a.sizes(); }
Shape batch_shape(const Tensor& a) { return Shape(a.sizes().begin(), a.sizes().end() - 2); }

}  // namespace

Tensor det3(const Tensor& a) { check_3x3("det3", a); return per_matrix("det3", fn::Small3x3::det, a, batch_shape(a)); }
Tensor cofactor3(const Tensor& a) { return per_matrix("cofactor3", fn::Small3x3::cofactors, a, matrix_shape(a)); }
Tensor inverse3(const Tensor& a) { return per_matrix("inverse3", fn::Small3x3::inverse, a, matrix_shape(a)); }

// Composed of views, products and copies, so it runs on any device those run on.
Tensor cross(const Tensor& a0, const Tensor& b0, int64_t dim) {
  check_same_device("cross", a0, b0);
  const Shape shape = broadcast_shapes(a0.sizes(), b0.sizes(), "cross");
  const int64_t d = wrap_dim(dim, static_cast<int64_t>(shape.size()), "cross");
  if (shape[d] != 3) throw std::invalid_argument("cross: dim " + std::to_string(d) + " of " + shape_str(shape) + " must have size 3");
  const DType dt = promote_types(a0.dtype(), b0.dtype());
  Tensor a = expand(to_dtype(a0, dt), shape), b = expand(to_dtype(b0, dt), shape);
  Tensor out = Tensor::empty(shape, TensorOptions(dt));
  auto comp = [&](const Tensor& t, int64_t i) { return select(t, d, i); };
  // out_i = a_{i+1} b_{i+2} - a_{i+2} b_{i+1}
  for (int64_t i = 0; i < 3; ++i) {
    const int64_t j = (i + 1) % 3, k = (i + 2) % 3;
    Tensor term = sub(mul(comp(a, j), comp(b, k)), mul(comp(a, k), comp(b, j)));
    copy_(comp(out, i), term);
  }
  return out;
}

}  // namespace hg::ops
