// Random tensors generated on the device with the same values as the CPU factories of
// tensor/factory.h for the same Generator state, which they advance identically (the draw reserves
// its counters on the host Generator, the device computes Philox from (seed, stream, counter)).
// hg::uniform / rand / bernoulli route CUDA draws here through DeviceRandomHooks (tensor/factory.h),
// installed by ops/cuda/device_allocator.cpp.
// Tensor-level (no CUDA headers).
#pragma once
#include "tensor/philox.h"
#include "tensor/tensor.h"

namespace hg::cuda {

// = hg::uniform(sizes, lo, hi, opts, &gen) for a CUDA opts.device.
Tensor uniform(const Shape& sizes, double lo, double hi, TensorOptions opts, Generator& gen);
// = hg::bernoulli(sizes, p, opts, &gen) for a CUDA opts.device (p in [0, 1]).
Tensor bernoulli(const Shape& sizes, double p, TensorOptions opts, Generator& gen);
// = hg::bernoulli(p, &gen) for a CUDA tensor p (result in p's dtype).
Tensor bernoulli(const Tensor& p, Generator& gen);

}  // namespace hg::cuda
