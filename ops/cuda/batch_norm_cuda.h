// CUDA batch norm and layer norm (ops/cuda/batch_norm.cpp, ops/cuda/layer_norm.cpp): the contract
// of ops/norm.h (f64 saved statistics, double accumulation, running-stat update in place), with
// every argument check of the CPU op. Called from ops::batch_norm / ops::layer_norm and their
// backwards through HG_ON_CUDA. No CUDA headers.
#pragma once
#include "ops/norm.h"

namespace hg::cuda {

ops::NormForward batch_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, const Tensor& running_mean,
                            const Tensor& running_var, bool training, double momentum, double eps);
ops::NormGrads batch_norm_backward(const Tensor& grad_out, const Tensor& x, const Tensor& weight, const Tensor& mean,
                                   const Tensor& invstd, bool training, ops::NormNeeds needs);

ops::NormForward layer_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight, const Tensor& bias,
                            double eps);
ops::NormGrads layer_norm_backward(const Tensor& grad_out, const Tensor& x, const Shape& normalized_shape,
                                   const Tensor& weight, const Tensor& mean, const Tensor& rstd, ops::NormNeeds needs);

}  // namespace hg::cuda
