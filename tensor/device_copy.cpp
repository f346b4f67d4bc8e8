// Copies that involve a GPU go through a hook installed by the CUDA backend (ops/cuda/), so the
// tensor layer never includes CUDA headers. Without the backend such copies fail with a clear error.
#include "tensor/device_copy.h"

#include <stdexcept>

#include "tensor/strided_loop.h"
#include "tensor/view.h"

namespace hg {
namespace {
DeviceMemcpy g_memcpy = nullptr;
}

void install_device_memcpy(DeviceMemcpy fn) { g_memcpy = fn; }

void copy_across_devices(const Tensor& dst, const Tensor& src) {
  if (!g_memcpy)
    throw std::runtime_error("copy from " + src.device().str() + " to " + dst.device().str() +
                             ": handgrad was built without CUDA or no CUDA device is present");
  // Stage: make src contiguous with dst's dtype and shape on its own side, then copy bytes.
  if (src.dtype() == dst.dtype() && src.sizes() == dst.sizes() && src.is_contiguous() && dst.is_contiguous()) {
    g_memcpy(dst.raw_data(), dst.device(), src.raw_data(), src.device(),
             static_cast<size_t>(dst.numel()) * dtype_size(dst.dtype()));
    return;
  }
  // General case through host memory (correct, not fast; device kernels cover the hot paths).
  Tensor host_src = ops::contiguous(src.device().is_cpu() ? src : ops::to_device(ops::contiguous(src), Device::cpu()));
  Tensor host_dst = Tensor::empty(dst.sizes(), TensorOptions(dst.dtype()));
  ops::copy_(host_dst, host_src);
  if (dst.is_contiguous()) {
    g_memcpy(dst.raw_data(), dst.device(), host_dst.raw_data(), Device::cpu(),
             static_cast<size_t>(dst.numel()) * dtype_size(dst.dtype()));
    return;
  }
  throw std::runtime_error("copy into a non-contiguous " + dst.device().str() + " tensor is not supported");
}

}  // namespace hg
