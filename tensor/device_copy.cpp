// Copies that involve a GPU, through the hooks of tensor/device_copy.h.
//
// Same device: one strided kernel does layout, broadcast and dtype conversion at once.
// Across devices, bytes move only between contiguous buffers of dst's dtype:
//   host -> device   convert + make contiguous on the host, one transfer, then (if dst is strided)
//                    a device-side strided copy from the staged buffer;
//   device -> host   convert + make contiguous on the device, one transfer into a host buffer,
//                    then a host strided copy into dst;
//   device -> device the same as host -> device with the source side on its own device.
#include "tensor/device_copy.h"

#include <stdexcept>

#include "tensor/strided_loop.h"
#include "tensor/tensor.h"
#include "tensor/view.h"

namespace hg {
namespace {
DeviceMemcpy g_memcpy = nullptr;
DeviceStridedCopy g_strided_copy = nullptr;

[[noreturn]] void no_backend(const Tensor& dst, const Tensor& src) {
  throw std::runtime_error("copy from " + src.device().str() + " to " + dst.device().str() +
                           ": handgrad was built without CUDA or no CUDA device is present");
}

// src converted to dst's dtype, broadcast to dst's shape and contiguous, on src's own device.
Tensor staged_source(const Tensor& dst, const Tensor& src) {
  const Tensor s = src.sizes() == dst.sizes() ? src : ops::expand(src, dst.sizes());
  if (s.dtype() == dst.dtype() && s.is_contiguous()) return s;
  Tensor staged = Tensor::empty(dst.sizes(), TensorOptions(dst.dtype(), src.device()));
  ops::copy_(staged, s);  // same-device copy: host loop or the device strided kernel
  return staged;
}
}  // namespace

void install_device_memcpy(DeviceMemcpy fn) { g_memcpy = fn; }
void install_device_strided_copy(DeviceStridedCopy fn) { g_strided_copy = fn; }

void copy_on_device(const Tensor& dst, const Tensor& src) {
  if (!g_strided_copy) no_backend(dst, src);
  g_strided_copy(dst, src.sizes() == dst.sizes() ? src : ops::expand(src, dst.sizes()));
}

void copy_across_devices(const Tensor& dst, const Tensor& src) {
  if (!g_memcpy) no_backend(dst, src);
  const Tensor staged = staged_source(dst, src);
  const size_t nbytes = static_cast<size_t>(dst.numel()) * dtype_size(dst.dtype());
  if (dst.is_contiguous()) {
    if (nbytes) g_memcpy(dst.raw_data(), dst.device(), staged.raw_data(), staged.device(), nbytes);
    return;
  }
  Tensor landing = Tensor::empty(dst.sizes(), dst.options());  // contiguous, on dst's device
  if (nbytes) g_memcpy(landing.raw_data(), landing.device(), staged.raw_data(), staged.device(), nbytes);
  ops::copy_(dst, landing);
}

}  // namespace hg
