// The loss scaler's unscale on CUDA (nn/grad_scaler.cpp): every gradient g <- g · inv_scale by one
// fused kernel per gradient that also raises a device-side found_inf flag (one per device) when a
// stored value is inf/NaN. The kernels are queued back to back without waiting; the host reads
// each device's flag once at the end, so a step costs one synchronisation, not one per gradient.
// Tensor-level (no CUDA headers).
#pragma once
#include <vector>

#include "tensor/tensor.h"

namespace hg::cuda {

// grads: floating CUDA tensors (any devices, strides). Returns true if every unscaled value is finite.
bool unscale_and_check_finite(const std::vector<Tensor>& grads, double inv_scale);

}  // namespace hg::cuda
