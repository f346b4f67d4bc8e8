// Batched 3x3 determinant, inverse, cofactors and the 3-vector cross product.
//   det A = a00 (a11 a22 - a12 a21) - a01 (a10 a22 - a12 a20) + a02 (a10 a21 - a11 a20)
//   C_ij = (-1)^(i+j) M_ij (the minor), A^-1 = C^T / det A
//   a x b = (a1 b2 - a2 b1, a2 b0 - a0 b2, a0 b1 - a1 b0)
#include <cmath>

#include "ops/device_check.h"
#include "ops/linalg.h"
#include "ops/pointwise.h"
#include "tensor/view.h"

namespace hg::ops {
namespace {

void check_3x3(const char* what, const Tensor& a) {
  if (a.dim() < 2 || a.size(-1) != 3 || a.size(-2) != 3)
    throw std::invalid_argument(std::string(what) + ": expected [..., 3, 3], got " + a.shape_string());
  check_floating(what, a);
  require_cpu(what, a);
}

template <class T>
void cofactors(const T* a, T* c) {
  c[0] = a[4] * a[8] - a[5] * a[7];
  c[1] = -(a[3] * a[8] - a[5] * a[6]);
  c[2] = a[3] * a[7] - a[4] * a[6];
  c[3] = -(a[1] * a[8] - a[2] * a[7]);
  c[4] = a[0] * a[8] - a[2] * a[6];
  c[5] = -(a[0] * a[7] - a[1] * a[6]);
  c[6] = a[1] * a[5] - a[2] * a[4];
  c[7] = -(a[0] * a[5] - a[2] * a[3]);
  c[8] = a[0] * a[4] - a[1] * a[3];
}

// Runs f(const T* a9, T* out) over the batch of 3x3 matrices (computing in double).
template <class F>
Tensor per_matrix(const char* what, const Tensor& a, const Shape& out_shape, int64_t out_per, F f) {
  check_3x3(what, a);
  Tensor in = contiguous(to_dtype(a, DType::f64));
  Tensor out = Tensor::empty(out_shape, TensorOptions(DType::f64));
  const int64_t batches = a.numel() / 9;
  const double* p = in.data<double>();
  double* o = out.data<double>();
  for (int64_t i = 0; i < batches; ++i) f(p + 9 * i, o + out_per * i, i);
  return to_dtype(out, a.dtype());
}

Shape matrix_shape(const Tensor& a) { return a.sizes(); }
Shape batch_shape(const Tensor& a) { return Shape(a.sizes().begin(), a.sizes().end() - 2); }

}  // namespace

Tensor det3(const Tensor& a) {
  return per_matrix("det3", a, batch_shape(a), 1, [](const double* m, double* o, int64_t) {
    double c[9];
    cofactors(m, c);
    o[0] = m[0] * c[0] + m[1] * c[1] + m[2] * c[2];
  });
}

Tensor cofactor3(const Tensor& a) {
  return per_matrix("cofactor3", a, matrix_shape(a), 9, [](const double* m, double* o, int64_t) { cofactors(m, o); });
}

Tensor inverse3(const Tensor& a) {
  return per_matrix("inverse3", a, matrix_shape(a), 9, [](const double* m, double* o, int64_t index) {
    double c[9];
    cofactors(m, c);
    const double det = m[0] * c[0] + m[1] * c[1] + m[2] * c[2];
    double scale = 0;
    for (int i = 0; i < 9; ++i) scale = std::max(scale, std::abs(m[i]));
    if (!(std::abs(det) > 1e-300 && std::abs(det) > 1e-14 * scale * scale * scale))
      throw std::invalid_argument("inverse3: matrix " + std::to_string(index) + " of the batch is singular");
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j) o[3 * i + j] = c[3 * j + i] / det;
  });
}

Tensor cross(const Tensor& a0, const Tensor& b0, int64_t dim) {
  check_same_device("cross", a0, b0);
  require_cpu("cross", a0, b0);
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
