// Rodrigues kernels: one fn::Rodrigues / fn::RodriguesGrad call per axis-angle vector, in the
// compute type (float for f16/bf16), over contiguous copies of the operands; CUDA tensors run the
// same functors in ops/cuda/rotation_kernels.cu.
#include "ops/rotation.h"

#include "ops/cuda/dispatch.h"
#include "ops/cuda/rotation_cuda.h"
#include "ops/device_check.h"
#include "tensor/view.h"

namespace hg::ops {
namespace {

Shape batch_of(const Tensor& axis_angle) {
  return Shape(axis_angle.sizes().begin(), axis_angle.sizes().end() - 1);
}

void check_axis_angle(const char* what, const Tensor& axis_angle) {
  if (axis_angle.dim() < 1 || axis_angle.size(-1) != 3)
    throw std::invalid_argument(std::string(what) + ": expected axis-angle vectors [..., 3], got " +
                                axis_angle.shape_string());
  check_floating(what, axis_angle);
}

}  // namespace

Tensor rodrigues(const Tensor& axis_angle) {
  check_axis_angle("rodrigues", axis_angle);
  Shape out_shape = batch_of(axis_angle);
  out_shape.insert(out_shape.end(), {3, 3});
  const Tensor r = contiguous(axis_angle);
  Tensor out = Tensor::empty(out_shape, axis_angle.options());
  HG_ON_CUDA(r, cuda::rodrigues_into(out, r));
  require_cpu("rodrigues", axis_angle);
  const int64_t count = r.numel() / 3;
  dispatch_float(r.dtype(), "rodrigues", [&]<class T>() {
    using C = compute_t<T>;
    const T* in = r.data<T>();
    T* o = out.data<T>();
#pragma omp parallel for schedule(static) if (count > 4096)
    for (int64_t i = 0; i < count; ++i) {
      const C v[3] = {C(in[3 * i]), C(in[3 * i + 1]), C(in[3 * i + 2])};
      C R[9];
      fn::Rodrigues{}(v, R);
      for (int e = 0; e < 9; ++e) o[9 * i + e] = T(R[e]);
    }
  });
  return out;
}

Tensor rodrigues_backward(const Tensor& grad, const Tensor& axis_angle) {
  check_axis_angle("rodrigues_backward", axis_angle);
  check_same_device("rodrigues_backward", grad, axis_angle);
  Shape expected = batch_of(axis_angle);
  expected.insert(expected.end(), {3, 3});
  if (grad.sizes() != expected)
    throw std::invalid_argument("rodrigues_backward: gradient " + grad.shape_string() + " does not match the rotations " +
                                shape_str(expected) + " of axis-angle " + axis_angle.shape_string());
  const Tensor r = contiguous(axis_angle), g = contiguous(to_dtype(grad, axis_angle.dtype()));
  Tensor out = Tensor::empty(axis_angle.sizes(), axis_angle.options());
  HG_ON_CUDA(r, cuda::rodrigues_backward_into(out, r, g));
  require_cpu("rodrigues_backward", grad, axis_angle);
  const int64_t count = r.numel() / 3;
  dispatch_float(r.dtype(), "rodrigues_backward", [&]<class T>() {
    using C = compute_t<T>;
    const T* in = r.data<T>();
    const T* gp = g.data<T>();
    T* o = out.data<T>();
#pragma omp parallel for schedule(static) if (count > 4096)
    for (int64_t i = 0; i < count; ++i) {
      const C v[3] = {C(in[3 * i]), C(in[3 * i + 1]), C(in[3 * i + 2])};
      C G[9], dr[3];
      for (int e = 0; e < 9; ++e) G[e] = C(gp[9 * i + e]);
      fn::RodriguesGrad{}(v, G, dr);
      for (int e = 0; e < 3; ++e) o[3 * i + e] = T(dr[e]);
    }
  });
  return out;
}

}  // namespace hg::ops
