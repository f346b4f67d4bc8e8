// The hooks through which the CUDA backend (ops/cuda/) performs copies that involve device memory,
// so the tensor layer never includes CUDA headers. Without the backend they stay null and such
// copies fail with a clear error.
#pragma once
#include <cstddef>

#include "tensor/device.h"

namespace hg {

class Tensor;

// Byte copy between any two of host / cuda:i; returns once the host may read or reuse the memory
// (a copy to the host waits for the device; a copy between devices is ordered on the device streams).
using DeviceMemcpy = void (*)(void* dst, Device dst_device, const void* src, Device src_device, size_t nbytes);
// dst[i] = convert(src[i]) for two tensors on the same CUDA device: any strides (src already
// broadcast to dst's shape), any pair of dtypes, with the conversion rules of ops::copy_.
using DeviceStridedCopy = void (*)(const Tensor& dst, const Tensor& src);

void install_device_memcpy(DeviceMemcpy fn);
void install_device_strided_copy(DeviceStridedCopy fn);

}  // namespace hg
