// LARS on CUDA (nn/lars.cpp): the trust factor of one parameter is computed on the device from
// ‖w‖ and ‖g‖ (ops::norm, device scalars) with the shared fn::lars_factor and applied by the same
// fused kernel as fn::LarsRescale (g <- f·(g + wd·w)), which also stores f into factors[slot];
// the caller reads all factors once per step. Tensor-level (no CUDA headers).
#pragma once
#include <cstdint>

#include "tensor/tensor.h"

namespace hg::cuda {

void lars_rescale(const Tensor& grad, const Tensor& w, double weight_decay, double lr, double trust_coefficient,
                  double eps, bool clip, const Tensor& factors, int64_t slot);

}  // namespace hg::cuda
