// Host side of ops/cuda/optim_cuda.h: the two norms stay on the device (ops::norm), one launch.
#include "ops/cuda/optim_cuda.h"

#include <stdexcept>
#include <string>

#include "ops/cuda/optim_kernels.h"
#include "ops/cuda/tensor_args.h"
#include "ops/device_check.h"
#include "ops/reduce.h"

namespace hg::cuda {

void lars_rescale(const Tensor& grad, const Tensor& w, double weight_decay, double lr, double trust_coefficient,
                  double eps, bool clip, const Tensor& factors, int64_t slot) {
  ops::check_same_device("LARS", grad, w, factors);
  ops::check_same_shape("LARS", grad, w);
  if (grad.dtype() != w.dtype())
    throw std::invalid_argument(std::string("LARS: gradient dtype ") + dtype_name(grad.dtype()) +
                                " does not match the parameter's " + dtype_name(w.dtype()));
  if (factors.dtype() != DType::f64 || !factors.is_contiguous() || slot < 0 || slot >= factors.numel())
    throw std::invalid_argument("LARS: factor slot " + std::to_string(slot) + " outside the f64 buffer " +
                                factors.shape_string());
  const Tensor w_norm = ops::norm(w), g_norm = ops::norm(grad);  // 0-d, on the device
  const LarsArgs a{weight_decay, lr, trust_coefficient, eps, clip};
  launch_lars_rescale(strided_arg(grad), strided_arg(w), w_norm.raw_data(), g_norm.raw_data(), w_norm.dtype(), a,
                      factors.data<double>() + slot, grad.device().index);
}

}  // namespace hg::cuda
