// The hook through which the CUDA backend performs byte copies involving device memory.
#pragma once
#include <cstddef>

#include "tensor/device.h"

namespace hg {
using DeviceMemcpy = void (*)(void* dst, Device dst_device, const void* src, Device src_device, size_t nbytes);
void install_device_memcpy(DeviceMemcpy fn);
}  // namespace hg
